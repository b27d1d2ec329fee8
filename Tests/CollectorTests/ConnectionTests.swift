import CallStatsTestSupport
import CTIProtocol
import Foundation
import NIOCore
import Recording
import Storage
import Testing

@testable import Collector

@Suite("Connection", .timeLimit(.minutes(3)))
struct ConnectionTests {
    @Test("when the server closes, the session ends and a new one logs in and bootstraps again")
    func reconnect() async throws {
        let harness = try CollectorHarness()
        let server = try await FakeCTIServer.start()
        let run = harness.start(try harness.collector(port: server.port))
        defer { run.cancel() }

        try await server.nextConnection { connection in
            try await connection.serveLogin()
            _ = try await connection.readBootstrap()
            try await connection.send(#"{"class":"getipbxlist","replyid":1,"ipbxlist":["xivo"],"timenow":1550000001.0}"#)
        }
        let secondBootstrap = try await server.nextConnection { connection in
            try await connection.serveLogin()
            let bootstrap = try await connection.readBootstrap()
            try await eventually("the second session to be described") {
                try harness.sessions().count == 2 && harness.sessions().last?.protocolVersion == "1.2"
            }
            // Stopped while connected: the session ends with the shutdown.
            run.cancel()
            try await withTimeout(60, "the collector to stop") { try await run.value }
            return bootstrap
        }
        #expect(secondBootstrap.first?.classname == "getipbxlist")
        #expect(secondBootstrap.last?.classname == "subscribetoqueuesstats")
        let sessions = try harness.sessions()
        #expect(sessions.map(\.endReason) == ["connection_lost", "shutdown"])
        // Each session's lines are in it: 3 login replies + 1 in the first, 3 in the second.
        let journal = try harness.journal()
        #expect(journal.filter { $0.sessionID == sessions[0].id }.count == 4)
        #expect(journal.filter { $0.sessionID == sessions[1].id }.count == 3)
    }

    @Test("a refused connection is retried until the server is there")
    func connectionRefused() async throws {
        let closed = try ClosedPort()
        let port = closed.port
        let harness = try CollectorHarness()
        let run = harness.start(try harness.collector(port: port))
        defer { run.cancel() }
        try await eventually("connection failures to be logged") {
            harness.logs.lines.filter { $0.contains("cannot connect to 127.0.0.1:\(port)") }.count >= 2
        }
        run.cancel()
        try await withTimeout(60, "the collector to stop") { try await run.value }
        #expect(try harness.sessions().isEmpty)
        withExtendedLifetime(closed) {}
    }

    @Test("--once: a connection that cannot be made is an error, not a retry")
    func connectionRefusedOnce() async throws {
        let closed = try ClosedPort()
        let port = closed.port
        let harness = try CollectorHarness()
        let run = harness.start(try harness.collector(port: port) { $0.once = true })
        defer { run.cancel() }
        let error = await #expect(throws: CollectorError.self) {
            try await withTimeout(60, "the collector to fail") { try await run.value }
        }
        #expect(error?.description == "cannot connect to 127.0.0.1:\(port): Connection refused")
        withExtendedLifetime(closed) {}
    }

    @Test("--once: the server ending the stream is the end asked for: server_closed, at the server's last event")
    func onceCleanClose() async throws {
        let harness = try CollectorHarness()
        let server = try await FakeCTIServer.start()
        let run = harness.start(try harness.collector(port: server.port) { $0.once = true })
        defer { run.cancel() }

        try await server.nextConnection { connection in
            try await connection.serveLogin()
            _ = try await connection.readBootstrap()
            try await connection.send(#"{"class":"getipbxlist","replyid":1,"ipbxlist":["xivo"],"timenow":1550000001.5}"#)
            try await connection.channel.close()
        }
        try await withTimeout(60, "the collector to finish") { try await run.value }
        #expect(try harness.sessions().map(\.endReason) == ["server_closed"])
        // Not the server's clock carried on by the local time until the close was seen, which
        // depends on this machine's speed: a millisecond after the last event, every time.
        #expect(try harness.reader().fetchDouble("SELECT ended_at FROM collection_session") == 1550000001.501)
    }

    @Test("--once: a reset after the login is the server closing, not a failure")
    func resetAfterLogin() async throws {
        let harness = try CollectorHarness()
        let server = try await FakeCTIServer.start()
        let run = harness.start(try harness.collector(port: server.port) { $0.once = true })
        defer { run.cancel() }

        try await server.nextConnection { connection in
            try await connection.serveLogin()
            _ = try await connection.readBootstrap()
            // Close with SO_LINGER 0: the peer sees a reset, not a clean end of stream.
            guard let socket = connection.channel as? any SocketOptionProvider else {
                throw TestFailure("the server's channel has no socket options")
            }
            try await socket.setSoLinger(linger(l_onoff: 1, l_linger: 0)).get()
            try await connection.channel.close()
        }
        try await withTimeout(60, "the collector to finish") { try await run.value }
        #expect(try harness.sessions().map(\.endReason) == ["connection_lost"])
    }

    @Test("keepalives every interval; no line for two intervals drops the connection and reconnects")
    func idleTimeout() async throws {
        let harness = try CollectorHarness()
        let clock = ManualClock()
        // The login is answered at once on the event loop; keepalives are not answered at all.
        let server = try await FakeCTIServer.start(autopilot: .login)
        let run = harness.start(try harness.collector(port: server.port, clock: clock) {
            $0.timing.keepaliveInterval = 0.5
            $0.timing.commitCheckInterval = 0.1  // not the tick's 0.02, so the tick's sleep is told apart
        })
        defer { run.cancel() }

        let keepalives: [ClientMessage] = try await server.nextConnection { connection in
            try await eventually("the login") { harness.logs.contains("logged in") }
            // The clock has not moved since the login: one interval on, one keepalive.
            await clock.waitForSleep(lasting: .milliseconds(20))
            clock.advance(by: .milliseconds(500))
            let first = try await connection.readCommands(until: { $0.classname == "keepalive" }, timeout: 60)
            // Unanswered, and nothing else heard: the second interval ends the session (the
            // collector closes the connection at that instant, with no more time passing).
            await clock.waitForSleep(lasting: .milliseconds(20))
            clock.advance(by: .milliseconds(500))
            var commands = [first.match]
            while let line = try await connection.readLineOrClose(timeout: 60) {
                if let command = try? ClientMessage.decode(line), command.classname == "keepalive" {
                    commands.append(command)
                }
            }
            return commands
        }
        // (Keepalives are checked where they are answered, below; here the server ignores
        // them, and the bootstrap requests, which it does not answer either.)
        #expect(keepalives.count == 1)
        #expect(keepalives.allSatisfy { $0.commandID != nil })
        try await eventually("the idle session's end") { try harness.sessions().first?.endReason == "idle_timeout" }
        // The collector logs why once the session has ended (and its end is committed).
        try await eventually("the idle log line") { harness.logs.contains("no line from 127.0.0.1:\(server.port) for 1 s") }

        // The reconnection waits for its backoff (at most 0.05 s here) on the same clock.
        await clock.waitForSleep { $0 > .milliseconds(20) && $0 <= .milliseconds(50) }
        clock.advance(by: .milliseconds(50))
        #expect(await server.connectionArrives(within: 60))
    }

    @Test("answered keepalives keep a quiet connection open")
    func keepaliveKeepsAlive() async throws {
        let harness = try CollectorHarness()
        let clock = ManualClock()
        let server = try await FakeCTIServer.start(autopilot: [.login, .bootstrap, .keepalive])
        let run = harness.start(try harness.collector(port: server.port, clock: clock) {
            $0.once = true
            // A binary fraction: the clock's epoch seconds move by exactly that much (with 0.2,
            // 0.6 - 0.4 at 1.8e9 s comes out just under 0.2, and the keepalive a tick later).
            $0.timing.keepaliveInterval = 0.25
            $0.timing.commitCheckInterval = 0.1  // not the tick's 0.02, so the tick's sleep is told apart
        })
        defer { run.cancel() }

        try await server.nextConnection { connection in
            try await eventually("the login") { harness.logs.contains("logged in") }
            // Eight keepalive intervals with nothing but keepalive replies: the idle limit is two.
            var keepalives: [Int] = []
            while keepalives.count < 8 {
                await clock.waitForSleep(lasting: .milliseconds(20))
                clock.advance(by: .milliseconds(250))
                let command = try await connection.readCommands(until: { $0.classname == "keepalive" }, timeout: 60).match
                if let id = command.commandID { keepalives.append(id) }
                // The reply (sent at once by the autopilot) reaches the collector before the
                // clock moves on: it is what keeps the connection open.
                let now = clock.wallTime()
                try await eventually("the keepalive reply") { await harness.writer.statistics.lastReceivedAt == now }
            }
            // Each with its own command id.
            #expect(Set(keepalives).count == 8)
        }
        try await withTimeout(60, "the collector to finish") { try await run.value }
        #expect(try harness.sessions().map(\.endReason) == ["server_closed"])
    }

    @Test("shutdown commits what was received, ends the session with reason shutdown, and returns")
    func shutdown() async throws {
        // Batches that never commit by themselves: only the shutdown commits.
        let harness = try CollectorHarness(recorderOptions: RecorderOptions(batchMaxMessages: 1_000_000, batchMaxAge: 3_600))
        let server = try await FakeCTIServer.start()
        let run = harness.start(try harness.collector(port: server.port))
        defer { run.cancel() }

        let lines = (0..<50).map { #"{"class":"getqueuesstats","stats":{"3":{"Xivo-WaitingCalls":\#($0)}},"timenow":\#(1550000100 + $0).0}"# }
        try await server.nextConnection { connection in
            try await connection.serveLogin()
            _ = try await connection.readBootstrap()
            try await connection.send(lines: lines)
            try await eventually("the writer to have every line") { await harness.writer.statistics.messages == 53 }
            #expect(try harness.journal().isEmpty)
            run.cancel()
            try await withTimeout(60, "the collector to stop") { try await run.value }
        }
        let journal = try harness.journal()
        #expect(journal.count == 53)
        #expect(journal.suffix(50).map(\.text) == lines)
        #expect(try harness.sessions().map(\.endReason) == ["shutdown"])
        #expect(harness.logs.contains("collection stopped: shutdown"))
    }

    @Test("a database failure abandons the session, is retried with backoff, and collection resumes when space returns")
    func databaseFull() async throws {
        let harness = try CollectorHarness { database in
            // Room for little more than the schema: the journal soon fills the "disk".
            let pages = try database.fetchInt64("PRAGMA page_count") ?? 0
            try database.execute(sql: "PRAGMA max_page_count = \(pages + 4)")
        }
        let server = try await FakeCTIServer.start()
        let run = harness.start(try harness.collector(port: server.port))
        defer { run.cancel() }

        // Letters that do not compress (the journal is compressed), each line its own.
        var generator = SeededGenerator(state: 9)
        let letters = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        let bigLines = (0..<80).map { _ in
            #"{"class":"sheet","payload":""# + String((0..<3_000).map { _ in letters[Int.random(in: 0..<letters.count, using: &generator)] }) + #""}"#
        }
        // Flood until the collector drops the connection because it cannot write.
        try await server.nextConnection { connection in
            try await connection.serveLogin()
            _ = try await connection.readBootstrap()
            // The collector may drop the connection before the flood ends.
            for big in bigLines.prefix(40) {
                do { try await connection.send(big) } catch { break }
            }
            try await connection.waitForClose()
        }
        #expect(harness.logs.contains("the disk is full"))

        // Space returns.
        try await harness.writer.withDatabase { database in
            try database.execute(sql: "PRAGMA max_page_count = 1000000")
        }
        // Connections until one records the flood whole.
        var recorded = false
        for _ in 0..<5 where !recorded {
            // A connection made before the space returned may be dropped at once: take the next.
            try? await server.nextConnection { connection in
                try await connection.serveLogin()
                _ = try await connection.readBootstrap()
                for big in bigLines.suffix(40) { try await connection.send(big) }
                try await connection.send(#"{"class":"marker","timenow":1550000200.0}"#)
                try await eventually("the marker to be committed", timeout: 30) {
                    try harness.journal().contains { $0.text == #"{"class":"marker","timenow":1550000200.0}"# }
                }
                recorded = true
                run.cancel()
                try await withTimeout(60, "the collector to stop") { try await run.value }
            }
        }
        #expect(recorded)
        let sessions = try harness.sessions()
        #expect(sessions.last?.endReason == "shutdown")
        // The failed session was closed by the next one as abandoned, not left open.
        #expect(sessions.allSatisfy { $0.endReason != nil })
    }

    @Test("a database that cannot even begin a session: each connection is dropped, retried, and recording starts when it can")
    func databaseFailsAtConnect() async throws {
        let harness = try CollectorHarness()
        // Every write refused from now on: the session row itself cannot be written.
        try await harness.writer.withDatabase { database in
            try database.execute(sql: "PRAGMA query_only = 1")
        }
        let server = try await FakeCTIServer.start()
        let run = harness.start(try harness.collector(port: server.port))
        defer { run.cancel() }

        // Two connections dropped before a word: no session could begin.
        for _ in 0..<2 {
            let received = try await server.nextConnection { connection in
                try await connection.waitForClose()
                return connection.received
            }
            #expect(received.isEmpty)
        }
        #expect(harness.logs.contains("database failure"))
        #expect(try harness.sessions().isEmpty)

        try await harness.writer.withDatabase { database in
            try database.execute(sql: "PRAGMA query_only = 0")
        }
        var recorded = false
        for _ in 0..<5 where !recorded {
            try? await server.nextConnection { connection in
                try await connection.serveLogin()
                _ = try await connection.readBootstrap()
                try await eventually("the session to be described", timeout: 30) {
                    try harness.sessions().last?.protocolVersion == "1.2"
                }
                recorded = true
                run.cancel()
                try await withTimeout(60, "the collector to stop") { try await run.value }
            }
        }
        #expect(recorded)
        #expect(try harness.sessions().last?.endReason == "shutdown")
    }

    @Test("the statistics line is logged on its interval")
    func statusLine() async throws {
        let harness = try CollectorHarness()
        let server = try await FakeCTIServer.start()
        let run = harness.start(try harness.collector(port: server.port) { $0.timing.statusLogInterval = 0.1 })
        defer { run.cancel() }
        try await server.nextConnection { connection in
            try await connection.serveLogin()
            try await eventually("a statistics line") {
                harness.logs.lines.contains { $0.contains("3 messages") && $0.contains("malformed lines; last message:") }
            }
        }
        run.cancel()
        try await withTimeout(60, "the collector to stop") { try await run.value }
    }
}
