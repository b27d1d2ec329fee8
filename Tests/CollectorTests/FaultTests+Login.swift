import CallStatsTestSupport
import CTIProtocol
import Foundation
import Testing

@testable import Collector

extension FaultTests {
    // MARK: Connecting and logging in

    @Test("the server refuses connections for a while: each attempt is logged and retried with backoff, and the first one after it comes back logs in and records")
    func refusesForAWhile() async throws {
        var refusing: ClosedPort? = try ClosedPort()
        let port = try #require(refusing?.port)
        let harness = try CollectorHarness()
        let run = harness.start(try harness.collector(port: port))
        defer { run.cancel() }

        let failure = "cannot connect to 127.0.0.1:\(port)"
        try await eventually("three refused attempts") {
            harness.logs.lines.filter { $0.contains(failure) }.count >= 3
        }
        #expect(try harness.sessions().isEmpty)
        // The server comes back on the same port.
        refusing = nil
        let server = try await FakeCTIServer.start(port: port)
        try await server.nextConnection { connection in
            try await connection.serveLogin()
            _ = try await connection.readBootstrap()
            try await connection.send(Self.statistics(1))
            try await eventually("the line to be committed") { try harness.journal().last?.text == Self.statistics(1) }
            run.cancel()
            try await withTimeout(60, "the collector to stop") { try await run.value }
        }
        // The refused attempts left no session behind; the one that connected is whole.
        let sessions = try harness.sessions()
        #expect(sessions.map(\.endReason) == ["shutdown"])
        #expect(sessions.first?.protocolVersion == "1.2")
        #expect(try harness.journal().count == 4)
    }

    @Test("the server accepts but never answers the login: the connection is dropped after two keepalive intervals (idle_timeout) and retried, never left hanging")
    func loginNeverAnswered() async throws {
        let harness = try CollectorHarness()
        let server = try await FakeCTIServer.start()
        let run = harness.start(try harness.collector(port: server.port) { $0.timing.keepaliveInterval = 0.5 })
        defer { run.cancel() }

        for _ in 0..<2 {
            // The collector gives up on its own: the script never closes.
            let received: [String] = try await server.nextConnection { connection in
                try await connection.waitForClose(timeout: 30)
                return connection.received
            }
            // Only the first login step was sent.
            #expect(received.count == 1)
            #expect(received.first.flatMap { try? ClientMessage.decode($0) }?.classname == "login_id")
        }
        run.cancel()
        try await withTimeout(60, "the collector to stop") { try await run.value }
        let sessions = try harness.sessions()
        #expect(sessions.count >= 2)
        #expect(sessions.allSatisfy { $0.protocolVersion == nil })
        #expect(sessions.last?.endReason == "idle_timeout", "\(sessions)")
        // A session that heard nothing keeps its own end reason (it has no end time).
        #expect(sessions.dropLast().allSatisfy { $0.endReason == "idle_timeout" }, "\(sessions)")
        #expect(harness.logs.contains("no line from 127.0.0.1:\(server.port) for 1 s"))
        #expect(!harness.logs.contains("logged in"))
    }

    @Test("the server answers every login with an error, at each step in turn: every session ends login_refused, the retries back off up to the cap, and the password is never logged")
    func everyLoginRefused() async throws {
        let harness = try CollectorHarness()
        let clock = ManualClock()
        let server = try await FakeCTIServer.start()
        let backoff = Backoff(initial: 0.1, maximum: 0.4, jitter: 0)
        let run = harness.start(try harness.collector(port: server.port, clock: clock) { $0.timing.backoff = backoff })
        defer { run.cancel() }

        let errors = ["user_not_found", "login_password", "capaid_undefined"]
        for attempt in 0..<6 {
            if attempt > 0 {
                // Without jitter each wait is exactly the ceiling: 0.1, 0.2, 0.4, then 0.4 (the
                // cap). The reconnection comes only once the clock has moved that far.
                let ceiling = Duration.seconds(backoff.ceiling(afterFailures: attempt))
                await clock.waitForSleep(lasting: ceiling)
                clock.advance(by: ceiling)
            }
            try await server.nextConnection { connection in
                let step = attempt % 3
                _ = try await connection.readCommand()
                if step == 0 {
                    try await connection.send(#"{"class":"login_id","error_string":"\#(errors[0])","timenow":1550000000.0}"#)
                } else {
                    try await connection.send(#"{"class":"login_id","sessionid":"abc","xivoversion":"1.2","timenow":1550000000.0}"#)
                    _ = try await connection.readCommand()
                    if step == 1 {
                        try await connection.send(#"{"class":"login_pass","error_string":"\#(errors[1])","timenow":1550000000.1}"#)
                    } else {
                        try await connection.send(#"{"class":"login_pass","replyid":2,"capalist":[3],"timenow":1550000000.1}"#)
                        _ = try await connection.readCommand()
                        try await connection.send(#"{"class":"login_capas","error_string":"\#(errors[2])","timenow":1550000000.2}"#)
                    }
                }
                try await connection.waitForClose()
            }
        }
        run.cancel()
        _ = try? await withTimeout(60, "the collector to stop") { try await run.value }

        // Six sessions in 0.1 + 0.2 + 0.4 + 0.4 + 0.4 s of the collector's clock: no retry came
        // sooner than its ceiling (none could: the clock moved only as far as each one).
        #expect(clock.now.offset == .milliseconds(1_500))
        let sessions = try harness.sessions()
        #expect(sessions.prefix(6).allSatisfy { $0.endReason == "login_refused" })
        for error in errors {
            #expect(harness.logs.contains("refused the login of user 'stats': \(error)"))
        }
        #expect(!harness.logs.lines.joined().contains(harness.password))
    }
}
