import CallStatsTestSupport
import CTIProtocol
import Foundation
import Storage
import Testing

@testable import Collector

/// A misbehaving CTI server, scripted over real TCP, against the collector and its real
/// SQLite file: what is kept, what is dropped, and that collection goes on. RELIABILITY.md
/// lists these tests by fault.
@Suite("Faults of the server and of the database", .timeLimit(.minutes(3)))
struct FaultTests {
    static func statistics(_ n: Int) -> String {
        #"{"class":"getqueuesstats","stats":{"3":{"Xivo-WaitingCalls":\#(n % 9)}},"timenow":\#(1550000100 + n).5}"#
    }

    /// The lines the collector journals for a byte stream: split at `\n`, a `\r` before it
    /// dropped, blank lines skipped.
    static func expectedLines(_ stream: [UInt8]) -> [[UInt8]] {
        stream.split(separator: 0x0A, omittingEmptySubsequences: false).dropLast().compactMap { line in
            var line = Array(line)
            if line.last == 0x0D { line.removeLast() }
            return line.isEmpty ? nil : line
        }
    }

    // MARK: The stream

    @Test("the server closes mid-line: the complete lines are journaled, the partial one is not (not even glued to the next session's first line), and a new session starts")
    func closesMidLine() async throws {
        let harness = try CollectorHarness()
        let server = try await FakeCTIServer.start()
        let run = harness.start(try harness.collector(port: server.port))
        defer { run.cancel() }

        let complete = (0..<20).map(Self.statistics)
        let partial = #"{"class":"partial_line","stats":{"3":{"Xivo-Wait"#
        try await server.nextConnection { connection in
            try await connection.serveLogin()
            _ = try await connection.readBootstrap()
            try await connection.sendRaw(Array((complete.joined(separator: "\n") + "\n" + partial).utf8))
            // Closed with the partial line the last thing sent.
        }
        try await server.nextConnection { connection in
            try await connection.serveLogin()
            _ = try await connection.readBootstrap()
            try await eventually("the second session to be described") {
                try harness.sessions().count == 2 && harness.sessions().last?.protocolVersion == "1.2"
            }
            run.cancel()
            try await withTimeout(60, "the collector to stop") { try await run.value }
        }
        let sessions = try harness.sessions()
        #expect(sessions.map(\.endReason) == ["connection_lost", "shutdown"])
        let journal = try harness.journal()
        let first = journal.filter { $0.sessionID == sessions[0].id }
        #expect(first.count == 3 + complete.count)
        #expect(first.suffix(complete.count).map(\.text) == complete)
        #expect(!journal.contains { $0.text.contains("partial_line") })
        // The second session's framing starts afresh: its first line is the login reply, whole.
        let second = journal.filter { $0.sessionID == sessions[1].id }
        #expect(second.first?.text.hasPrefix(#"{"class":"login_id","sessionid""#) == true)
        #expect(second.allSatisfy { $0.malformed == nil })
    }

    @Test("the server stalls mid-line with the connection open: what came before is committed during the stall, the unanswered keepalive drops the connection after two intervals, and the collector reconnects")
    func stallsMidLine() async throws {
        let harness = try CollectorHarness()
        // The login and the bootstrap answered at once on the event loop: a script slowed by a
        // busy machine must not look like the stall itself.
        let server = try await FakeCTIServer.start(autopilot: [.login, .bootstrap])
        // Minutes of silence in production (two 60 s keepalive intervals); 2 s here.
        let run = harness.start(try harness.collector(port: server.port) { $0.timing.keepaliveInterval = 1 })
        defer { run.cancel() }

        let complete = (0..<30).map(Self.statistics)
        let partial = #"{"class":"partial_line","stats":{"3":{"Xivo-"#
        try await server.nextConnection { connection in
            _ = try await connection.readBootstrap()
            try await connection.sendRaw(Array((complete.joined(separator: "\n") + "\n" + partial).utf8))
            // Nothing more, keepalives unanswered; the lines already sent reach the database
            // while the connection is still open.
            try await eventually("the lines before the stall to be committed") {
                try harness.journal().last?.text == complete.last
            }
            var keepalives = 0
            while let line = try await connection.readLineOrClose(timeout: 30) {
                if (try? ClientMessage.decode(line))?.classname == "keepalive" { keepalives += 1 }
            }
            #expect(keepalives >= 1)
        }
        #expect(await server.connectionArrives(within: 30))
        try await eventually("the stalled session's end") { try harness.sessions().first?.endReason == "idle_timeout" }
        run.cancel()
        try await withTimeout(60, "the collector to stop") { try await run.value }

        let stalled = try #require(try harness.sessions().first)
        let journal = try harness.journal()
        #expect(journal.filter { $0.sessionID == stalled.id }.suffix(complete.count).map(\.text) == complete)
        #expect(!journal.contains { $0.text.contains("partial_line") })
        #expect(harness.logs.contains("no line from 127.0.0.1:\(server.port) for 2 s"))
    }

    @Test("binary garbage: every line of it is journaled byte for byte as malformed, the connection stays up, and the lines after it are recorded as usual")
    func binaryGarbage() async throws {
        let harness = try CollectorHarness()
        let server = try await FakeCTIServer.start()
        let run = harness.start(try harness.collector(port: server.port) { $0.once = true })
        defer { run.cancel() }

        var generator = SeededGenerator(state: 7)
        var garbage: [UInt8] = []
        for _ in 0..<200_000 {
            // Every byte value, newlines among them about every 200 bytes, NULs and CRs too.
            let byte = UInt8.random(in: 0...255, using: &generator)
            garbage.append(byte == 0x0A && Int.random(in: 0..<2, using: &generator) == 0 ? 0x00 : byte)
        }
        garbage.append(0x0A)
        let after = (0..<10).map(Self.statistics)
        let stream = garbage + Array((after.joined(separator: "\n") + "\n").utf8)

        let sent: [[UInt8]] = try await server.nextConnection { connection in
            try await connection.serveLogin()
            _ = try await connection.readBootstrap()
            var offset = 0
            while offset < stream.count {
                let end = min(stream.count, offset + Int.random(in: 1...9_000, using: &generator))
                try await connection.sendRaw(Array(stream[offset..<end]))
                offset = end
            }
            try await eventually("the last line to be committed") {
                try harness.journal().last?.text == after.last
            }
            return connection.sent
        }
        try await withTimeout(60, "the collector to finish") { try await run.value }

        let expected = Self.expectedLines(Array(sent.map { $0 + [0x0A] }.joined()))
        let journal = try harness.journal()
        #expect(journal.count == expected.count)
        #expect(journal.map(\.line) == expected)
        let garbageLines = Self.expectedLines(garbage)
        #expect(garbageLines.count > 100)
        let malformed = journal.filter { $0.malformed != nil }
        // (A random line can only be valid JSON by chance: none of these is.)
        #expect(malformed.count == garbageLines.count)
        // One session, ended by the server's close, not by the garbage.
        #expect(try harness.sessions().map(\.endReason) == ["server_closed"])
        // The statistics after the garbage were interpreted.
        let database = try harness.reader()
        #expect(try database.fetchInt64("SELECT count(*) FROM queue_stat_sample WHERE queue_id = '3' AND key = 'Xivo-WaitingCalls'") == Int64(after.count))
    }

    @Test("invalid UTF-8 (truncated, overlong, lone continuation bytes, surrogates): journaled byte for byte as malformed, nothing derived from it, valid UTF-8 around it intact")
    func truncatedUTF8() async throws {
        let harness = try CollectorHarness()
        let server = try await FakeCTIServer.start()
        let run = harness.start(try harness.collector(port: server.port) { $0.once = true })
        defer { run.cancel() }

        func user(_ id: Int, _ name: [UInt8]) -> [UInt8] {
            Array(#"{"class":"getlist","function":"updateconfig","listname":"users","tid":"\#(id)","tipbxid":"xivo","timenow":1550000100.0,"config":{"fullname":""#.utf8)
                + name + Array(#"","agentid":null}}"#.utf8)
        }
        let invalid: [[UInt8]] = [
            user(51, Array("Caf".utf8) + [0xC3]),                  // a 2-byte sequence cut short
            user(52, [0xE6, 0x97]),                                // a 3-byte sequence cut short
            user(53, [0x80, 0x80, 0x41]),                          // continuation bytes alone
            user(54, [0xC0, 0xAF]),                                // an overlong '/'
            user(55, [0xED, 0xA0, 0x80]),                          // a UTF-16 surrogate
            Array(#"{"class":"x","end":"caf"#.utf8) + [0xC3],       // the line ends inside a sequence
        ]
        let valid = user(56, Array("Café 日本 😀".utf8))
        let lines = invalid + [valid]
        try await server.nextConnection { connection in
            try await connection.serveLogin()
            _ = try await connection.readBootstrap()
            try await connection.sendRaw(Array(lines.map { $0 + [0x0A] }.joined()))
            try await eventually("every line to be committed") { try harness.journal().count == 3 + lines.count }
        }
        try await withTimeout(60, "the collector to finish") { try await run.value }

        let journal = Array(try harness.journal().suffix(lines.count))
        #expect(journal.map(\.line) == lines)
        for row in journal.prefix(invalid.count) {
            #expect(row.malformed?.contains("invalid UTF-8") == true, "\(row.malformed ?? "not malformed")")
        }
        #expect(journal.last?.malformed == nil)
        let database = try harness.reader()
        var users: [String: String] = [:]
        try database.makeStatement("SELECT user_id, fullname FROM pbx_user").forEachRow { users[$0.string(0) ?? ""] = $0.string(1) }
        #expect(users == ["56": "Café 日本 😀"])
    }
}
