import CallStatsTestSupport
import Foundation
import Storage
import Testing

@testable import Collector

extension FaultTests {
    // MARK: A server that restarts with different object ids

    static func agentConfig(_ id: Int, number: String, firstname: String, time: Double) -> String {
        #"{"class":"getlist","function":"updateconfig","listname":"agents","tid":"\#(id)","tipbxid":"xivo","timenow":\#(time),"config":{"number":"\#(number)","firstname":"\#(firstname)","lastname":"X","context":"default"}}"#
    }

    static func queueConfig(_ id: Int, name: String, time: Double) -> String {
        #"{"class":"getlist","function":"updateconfig","listname":"queues","tid":"\#(id)","tipbxid":"xivo","timenow":\#(time),"config":{"name":"\#(name)","number":"3\#(id)","displayname":"\#(name)","context":"default"}}"#
    }

    static func agentStatus(_ id: Int, availability: String, since: Double, acd: Bool = false, queues: [Int], time: Double) -> String {
        let list = queues.map { "\"\($0)\"" }.joined(separator: ",")
        return #"{"class":"getlist","listname":"agents","function":"updatestatus","tipbxid":"xivo","tid":\#(id),"status":{"availability":"\#(availability)","availability_since":\#(since),"on_call_acd":\#(acd),"on_wrapup":false,"queues":[\#(list)]},"timenow":\#(time)}"#
    }

    static func waiting(queue: Int, name: String, uniqueid: String?, join: Double, time: Double) -> String {
        let entries = uniqueid.map { #"[{"position":1,"name":"Caller","number":"555","join_time":\#(join),"uniqueid":"\#($0)"}]"# } ?? "[]"
        return #"{"class":"queueentryupdate","state":{"queue_name":"\#(name)","queue_id":\#(queue),"entries":\#(entries)},"timenow":\#(time)}"#
    }

    static func listIDs(_ list: String, _ ids: [Int], time: Double) -> String {
        #"{"class":"getlist","function":"listid","listname":"\#(list)","tipbxid":"xivo","list":[\#(ids.map { "\"\($0)\"" }.joined(separator: ","))],"timenow":\#(time)}"#
    }

    @Test("the server restarts with different object ids: the new session bootstraps afresh, its rows carry the new ids, and nothing of the old session's state continues under a reused id")
    func restartWithDifferentIDs() async throws {
        let harness = try CollectorHarness()
        let server = try await FakeCTIServer.start()
        let run = harness.start(try harness.collector(port: server.port))
        defer { run.cancel() }

        // Before the restart: agents 1 (Alice, 1001) and 2 (Bob, 1002), queue 3 ("blue"),
        // Alice on an ACD call, one caller waiting in queue 3.
        let t1 = 1_550_000_000.0
        let before = [
            Self.listIDs("agents", [1, 2], time: t1 + 1), Self.listIDs("queues", [3], time: t1 + 1),
            Self.agentConfig(1, number: "1001", firstname: "Alice", time: t1 + 1),
            Self.agentConfig(2, number: "1002", firstname: "Bob", time: t1 + 1),
            Self.queueConfig(3, name: "blue", time: t1 + 1),
            Self.agentStatus(1, availability: "available", since: t1 - 50, acd: true, queues: [3], time: t1 + 2),
            Self.agentStatus(2, availability: "available", since: t1 - 50, queues: [3], time: t1 + 2),
            Self.waiting(queue: 3, name: "blue", uniqueid: "1550000001.1", join: t1 + 5, time: t1 + 5),
        ]
        try await server.nextConnection { connection in
            try await connection.serveLogin(serverTime: t1)
            _ = try await connection.readBootstrap()
            try await connection.send(lines: before)
            try await eventually("the first session's lines to be committed") {
                try harness.journal().count == 3 + before.count
            }
        }
        // After the restart, ten minutes later: Alice is agent 7, id 1 now names Carol (1003),
        // Bob is gone, and "blue" is queue 5; id 3 is no queue any more.
        let t2 = t1 + 600
        let after = [
            Self.listIDs("agents", [1, 7], time: t2 + 1), Self.listIDs("queues", [5], time: t2 + 1),
            Self.agentConfig(7, number: "1001", firstname: "Alice", time: t2 + 1),
            Self.agentConfig(1, number: "1003", firstname: "Carol", time: t2 + 1),
            Self.queueConfig(5, name: "blue", time: t2 + 1),
            Self.agentStatus(7, availability: "available", since: t2 - 10, queues: [5], time: t2 + 2),
            Self.agentStatus(1, availability: "unavailable", since: t2 - 10, queues: [5], time: t2 + 2),
            Self.waiting(queue: 5, name: "blue", uniqueid: "1550000601.1", join: t2 + 5, time: t2 + 5),
        ]
        let secondBootstrap = try await server.nextConnection { connection in
            try await connection.serveLogin(serverTime: t2)
            let bootstrap = try await connection.readBootstrap()
            try await connection.send(lines: after)
            // The new ids are asked for: the session bootstraps from what this server says.
            let (_, requests) = try await connection.readCommands(until: {
                if case .subscribe("queueentryupdate", "5") = $0.kind { return true }
                return false
            })
            try await eventually("the second session's lines to be committed") {
                try harness.journal().count == 6 + before.count + after.count
            }
            run.cancel()
            try await withTimeout(60, "the collector to stop") { try await run.value }
            return bootstrap + requests
        }
        #expect(secondBootstrap.first?.classname == "getipbxlist")
        #expect(secondBootstrap.contains { if case .getList("updateconfig", "agents", _, "7") = $0.kind { return true } else { return false } })

        let sessions = try harness.sessions()
        #expect(sessions.map(\.endReason) == ["connection_lost", "shutdown"])
        let (s1, s2) = (sessions[0].id, sessions[1].id)
        let database = try harness.reader()

        // The object tables hold each id's latest configuration; nothing is deleted without a
        // delconfig (Bob's row stays, with its last known configuration).
        var agents: [String: String] = [:]
        try database.makeStatement("SELECT agent_id, number || ' ' || firstname FROM agent").forEachRow {
            agents[$0.string(0) ?? ""] = $0.string(1)
        }
        #expect(agents == ["1": "1003 Carol", "2": "1002 Bob", "7": "1001 Alice"])
        var queues: [String: String] = [:]
        try database.makeStatement("SELECT queue_id, name FROM queue").forEachRow { queues[$0.string(0) ?? ""] = $0.string(1) }
        #expect(queues == ["3": "blue", "5": "blue"])

        // State intervals: each session's under the ids of its own bootstrap, all of the first
        // session's closed at its end; none of them continues into the second.
        struct Interval: Equatable { var agent: String; var state: String; var session: Int64; var open: Bool }
        var intervals: [Interval] = []
        try database.makeStatement("SELECT agent_id, state, session_id, end_time IS NULL FROM agent_state_interval ORDER BY session_id, agent_id, start_time").forEachRow {
            intervals.append(Interval(agent: $0.string(0) ?? "", state: $0.string(1) ?? "", session: $0.int64(2), open: $0.int64(3) != 0))
        }
        #expect(intervals.filter { $0.session == s1 }.map(\.agent).sorted() == ["1", "2"])
        #expect(intervals.filter { $0.session == s1 }.allSatisfy { !$0.open })
        #expect(intervals.filter { $0.session == s1 && $0.agent == "1" }.map(\.state) == ["acd_call"])
        let second = intervals.filter { $0.session == s2 }
        #expect(Set(second.map(\.agent)) == ["1", "7"])
        // Id 1 in the second session is Carol, paused, not Alice's call carried over.
        #expect(second.filter { $0.agent == "1" }.map(\.state) == ["paused"])
        #expect(second.filter { $0.agent == "7" }.map(\.state) == ["available"])
        #expect(try database.fetchInt64(
            "SELECT count(*) FROM agent_state_interval i JOIN collection_session s ON s.session_id = ? WHERE i.session_id = ? AND i.start_time < s.started_at",
            s2, s2) == 0)

        // Queue visits: the caller of queue 3 was still waiting when the first session ended
        // (outcome unknown); queue 5's caller is another visit, in the second session.
        var visits: [String] = []
        try database.makeStatement("SELECT queue_id, uniqueid, coalesce(outcome, 'waiting'), session_id FROM queue_visit ORDER BY visit_id").forEachRow {
            visits.append("\($0.string(0) ?? "") \($0.string(1) ?? "") \($0.string(2) ?? "") \($0.int64(3))")
        }
        #expect(visits == ["3 1550000001.1 unknown \(s1)", "5 1550000601.1 unknown \(s2)"])
    }
}
