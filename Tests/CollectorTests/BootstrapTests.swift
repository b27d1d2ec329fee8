import CallStatsTestSupport
import CTIProtocol
import Foundation
import Recording
import Testing

@testable import Collector

@Suite("Bootstrap", .timeLimit(.minutes(3)))
struct BootstrapTests {
    @Test("after login: getipbxlist, every listid, subscribetoqueuesstats; then per-object requests as ids arrive")
    func bootstrap() async throws {
        let harness = try CollectorHarness()
        let clock = ManualClock()
        let server = try await FakeCTIServer.start()
        let run = harness.start(try harness.collector(port: server.port, clock: clock) {
            $0.once = true
            $0.timing.statsPollInterval = 0.25
            $0.timing.keepaliveInterval = 0.25
            $0.timing.idleIntervals = 100
            $0.timing.commitCheckInterval = 0.1  // not the tick's 0.02, so the tick's sleep is told apart
        })
        defer { run.cancel() }

        try await server.nextConnection { connection in
            try await connection.serveLogin(ipbx: "xivo")
            let bootstrap = try await connection.readBootstrap()
            #expect(bootstrap.map(\.classname) == ["getipbxlist", "getlist", "getlist", "getlist", "getlist", "getlist", "subscribetoqueuesstats"])
            let lists: [String] = bootstrap.compactMap {
                guard case let .getList("listid", listname, "xivo", nil) = $0.kind else { return nil }
                return listname
            }
            #expect(lists == ["users", "phones", "agents", "queues", "queuemembers"])

            // Replies in any order, ids as strings or integers, no replyid (as the server sends them).
            try await connection.send(lines: [
                #"{"class":"getipbxlist","replyid":1,"ipbxlist":["xivo"],"timenow":1550000001.0}"#,
                #"{"class":"getlist","function":"listid","listname":"queues","tipbxid":"xivo","list":["3",5],"timenow":1550000001.1}"#,
                #"{"class":"getlist","function":"listid","listname":"agents","tipbxid":"xivo","list":[7],"timenow":1550000001.2}"#,
                #"{"class":"getlist","function":"listid","listname":"queuemembers","tipbxid":"xivo","list":["Agent/2002,blue"],"timenow":1550000001.3}"#,
            ])

            var requested: Set<String> = []
            var subscribed: [String] = []
            var polls: [[QueueStatsWindow]] = []
            var keepalives = 0
            var advanced = false
            // Until the per-object requests, the subscriptions, a second poll and a keepalive came.
            while requested.count < 8 || subscribed.count < 2 || polls.count < 2 || keepalives < 1 {
                if !advanced && requested.count == 8 && subscribed.count == 2 && polls.count == 1 {
                    // All of that came with the clock standing still; one interval on, the
                    // second poll and a keepalive.
                    await clock.waitForSleep(lasting: .milliseconds(20))
                    clock.advance(by: .milliseconds(250))
                    advanced = true
                }
                let command = try await connection.readCommand()
                switch command.kind {
                case let .getList(function, listname, ipbx, id?):
                    #expect(ipbx == "xivo")
                    requested.insert("\(function) \(listname) \(id)")
                case let .subscribe("queueentryupdate", queueID?):
                    // The server runs int() on it: sent as a number.
                    #expect(command.fields["queueid"]?.int != nil)
                    subscribed.append(queueID)
                case .getQueuesStats(let windows):
                    polls.append(windows)
                case .keepalive:
                    #expect(command.commandID != nil)
                    keepalives += 1
                    try await connection.send(#"{"class":"keepalive","replyid":\#(command.commandID ?? 0),"warning_string":"unimplemented"}"#)
                default:
                    Issue.record("unexpected command \(command.fields)")
                }
            }
            #expect(requested == [
                "updateconfig queues 3", "updatestatus queues 3", "updateconfig queues 5", "updatestatus queues 5",
                "updateconfig agents 7", "updatestatus agents 7",
                "updateconfig queuemembers Agent/2002,blue", "updatestatus queuemembers Agent/2002,blue",
            ])
            #expect(subscribed == ["3", "5"])
            let window = RecorderOptions().statsWindowSeconds
            for poll in polls {
                #expect(Set(poll) == [
                    QueueStatsWindow(queueID: "3", window: window, xqos: 60),
                    QueueStatsWindow(queueID: "5", window: window, xqos: 60),
                ])
            }

            // A queue created later is read and subscribed too.
            try await connection.send(#"{"class":"getlist","function":"addconfig","listname":"queues","tipbxid":"xivo","list":["9"]}"#)
            let (subscription, before) = try await connection.readCommands(until: {
                if case .subscribe("queueentryupdate", "9") = $0.kind { return true }
                return false
            })
            #expect(subscription.classname == "subscribe")
            #expect(before.contains { if case .getList("updateconfig", "queues", _, "9") = $0.kind { return true } else { return false } })
        }
        try await withTimeout(60, "the collector to finish") { try await run.value }
    }
}
