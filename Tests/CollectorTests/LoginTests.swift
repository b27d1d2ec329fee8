import CallStatsTestSupport
import CTIProtocol
import Foundation
import Testing

@testable import Collector

@Suite("Login", .timeLimit(.minutes(3)))
struct LoginTests {
    @Test("protocol 1.2: login_id, then sha1(sessionid:password) in login_pass, then login_capas")
    func login12() async throws {
        let harness = try CollectorHarness()
        let server = try await FakeCTIServer.start()
        let run = harness.start(try harness.collector(port: server.port) { $0.once = true })
        defer { run.cancel() }

        let commands = try await server.nextConnection { connection in
            let login = try await connection.serveLogin(sessionID: "21UaGDfst7")
            _ = try await connection.readBootstrap()
            return login
        }
        try await withTimeout(60, "the collector to finish") { try await run.value }

        guard case let .loginID(userlogin, company, ident, version) = commands[0].kind else {
            Issue.record("first command is not login_id: \(commands[0].fields)")
            return
        }
        #expect(userlogin == "stats")
        #expect(company == "default")
        #expect(ident == "callstats")
        #expect(version == "1.2")
        #expect(commands[0].fields["xivoversion"]?.string == "1.2")
        #expect(commands[0].fields["wazoversion"] == nil)

        // printf '21UaGDfst7:s3cret-Pa55' | sha1sum
        guard case let .loginPass(hashed, clear) = commands[1].kind else {
            Issue.record("second command is not login_pass: \(commands[1].fields)")
            return
        }
        #expect(hashed == "fd36f8ce626f218b5cb8a2733e89d3ef27a78405")
        #expect(clear == nil)

        guard case let .loginCapas(capaID, state, lastconnwins, loginkind) = commands[2].kind else {
            Issue.record("third command is not login_capas: \(commands[2].fields)")
            return
        }
        #expect(capaID == 3)
        #expect(state == "available")
        #expect(lastconnwins == false)
        #expect(loginkind == "user")

        let sessions = try harness.sessions()
        #expect(sessions.count == 1)
        #expect(sessions.first?.protocolVersion == "1.2")
        #expect(sessions.first?.tls == false)
        #expect(sessions.first?.endReason == "server_closed")
        #expect(!harness.logs.lines.joined().contains(harness.password))
    }

    @Test("--protocol auto: a version mismatch reconnects once with the server's version")
    func versionMismatchRetry() async throws {
        let harness = try CollectorHarness()
        let server = try await FakeCTIServer.start()
        let run = harness.start(try harness.collector(port: server.port) { $0.once = true })
        defer { run.cancel() }

        let first = try await server.nextConnection { connection in
            let command = try await connection.readCommand()
            try await connection.send(#"{"class":"login_id","error_string":"xivoversion_client:1.2;2.0","timenow":1550000000.0}"#)
            try await connection.waitForClose()
            return command
        }
        #expect(first.fields["xivoversion"]?.string == "1.2")

        let second = try await server.nextConnection { connection in
            let login = try await connection.serveLogin(version: "2.0")
            _ = try await connection.readBootstrap()
            return login
        }
        try await withTimeout(60, "the collector to finish") { try await run.value }

        #expect(second[0].fields["xivoversion"]?.string == "2.0")
        guard case let .loginPass(hashed, clear) = second[1].kind else {
            Issue.record("no login_pass")
            return
        }
        // 2.x sends the password in clear, for xivo-auth.
        #expect(hashed == nil)
        #expect(clear == harness.password)

        let sessions = try harness.sessions()
        #expect(sessions.map(\.endReason) == ["protocol_mismatch", "server_closed"])
        #expect(sessions.last?.protocolVersion == "2.0")
    }

    @Test("a fixed --protocol the server does not speak fails with advice")
    func fixedVersionMismatch() async throws {
        let harness = try CollectorHarness()
        let server = try await FakeCTIServer.start()
        let run = harness.start(try harness.collector(port: server.port) {
            $0.once = true
            $0.protocolChoice = .fixed(.v2_3)
        })
        defer { run.cancel() }
        try await server.nextConnection { connection in
            let command = try await connection.readCommand()
            #expect(command.fields["wazoversion"]?.string == "2.3")
            try await connection.send(#"{"class":"login_id","error_string":"wazoversion_client:2.3;1.2"}"#)
            try await connection.waitForClose()
        }
        let error = await #expect(throws: CollectorError.self) {
            try await withTimeout(60, "the collector to fail") { try await run.value }
        }
        #expect(error?.description.contains("--protocol auto") == true)
    }

    @Test("a refused login with --once fails with one clear message naming user and server, never the password")
    func refusedOnce() async throws {
        let harness = try CollectorHarness()
        let server = try await FakeCTIServer.start()
        let run = harness.start(try harness.collector(port: server.port) { $0.once = true })
        defer { run.cancel() }

        try await server.nextConnection { connection in
            _ = try await connection.readCommand()
            try await connection.send(#"{"class":"login_id","sessionid":"abc","xivoversion":"1.2"}"#)
            _ = try await connection.readCommand()
            try await connection.send(#"{"class":"login_pass","error_string":"login_password"}"#)
            try await connection.waitForClose()
        }
        let error = await #expect(throws: CollectorError.self) {
            try await withTimeout(60, "the collector to fail") { try await run.value }
        }
        let message = error?.description ?? ""
        #expect(message.contains("'stats'"))
        #expect(message.contains("127.0.0.1:\(server.port)"))
        #expect(message.contains("login_password"))
        #expect(message.contains("wrong user name or password"))
        #expect(!message.contains(harness.password))
        // printf 'abc:s3cret-Pa55' | sha1sum
        #expect(!message.contains("0a5175e60ad1f422102734a278b5700d303a07e7"))
        for line in harness.logs.lines {
            #expect(!line.contains(harness.password))
        }
        // Reported once, by the thrown error (the command line prints it).
        #expect(!harness.logs.contains("login_password"))
        #expect(try harness.sessions().map(\.endReason) == ["login_refused"])
    }

    @Test("a refused login is retried with backoff, never in a tight loop")
    func refusedRetried() async throws {
        let harness = try CollectorHarness()
        let clock = ManualClock()
        let server = try await FakeCTIServer.start()
        let backoff = Backoff(initial: 0.3, maximum: 0.6, jitter: 0.5)
        let run = harness.start(try harness.collector(port: server.port, clock: clock) { $0.timing.backoff = backoff })
        defer { run.cancel() }

        for attempt in 0..<3 {
            if attempt > 0 {
                // The collector waits a delay drawn from [ceiling / 2, ceiling] (0.15 to 0.3 s,
                // then 0.3 to 0.6 s) on its clock, and reconnects only once it has passed.
                let ceiling = backoff.ceiling(afterFailures: attempt)
                let range = Duration.seconds(ceiling / 2)...Duration.seconds(ceiling)
                try await withTimeout(60, "a backoff of \(ceiling / 2) to \(ceiling) s") {
                    await clock.waitForSleep { range.contains($0) }
                }
                clock.advance(by: .seconds(ceiling))
            }
            try await server.nextConnection { connection in
                _ = try await connection.readCommand()
                try await connection.send(#"{"class":"login_id","sessionid":"abc","xivoversion":"1.2"}"#)
                _ = try await connection.readCommand()
                try await connection.send(#"{"class":"login_pass","error_string":"login_password"}"#)
                try await connection.waitForClose()
            }
        }
        run.cancel()
        _ = try? await withTimeout(60, "the collector to stop") { try await run.value }

        #expect(harness.logs.lines.filter { $0.contains("refused the login of user 'stats'") }.count >= 3)
    }
}
