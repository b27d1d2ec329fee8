import CallStatsTestSupport
import CTIProtocol
import Foundation
import Testing

@testable import Collector

@Suite("Journal", .timeLimit(.minutes(3)))
struct JournalTests {
    /// Lines of every kind the collector must pass on untouched, valid or not.
    static func sampleLines(count: Int, generator: inout SeededGenerator) -> [String] {
        var lines: [String] = []
        for i in 0..<count {
            switch Int.random(in: 0..<10, using: &generator) {
            case 0:
                lines.append(#"{"class":"getqueuesstats","stats":{"3":{"Xivo-WaitingCalls":\#(i % 7),"Xivo-LongestWaitTime":\#(i)}},"timenow":\#(1550000100 + i).5}"#)
            case 1:
                lines.append(#"{"class":"queueentryupdate","state":{"queue_name":"blue","queue_id":3,"entries":[{"position":1,"name":"Caf\u00e9 \#(i)","number":"555\#(i)","join_time":1550000000.2,"uniqueid":"1550000000.\#(i)"}]},"timenow":\#(1550000100 + i).5}"#)
            case 2:
                lines.append("not json at all \(i) {")
            case 3:
                lines.append(#"[1,2,\#(i)]"#)
            case 4:
                lines.append(#"{"no_class":\#(i)}"#)
            case 5:
                lines.append(#"{"class":"something_new_\#(i)","x":[1,{"y":null}]}"#)
            default:
                lines.append(#"{"class":"getlist","function":"updatestatus","listname":"agents","tipbxid":"xivo","tid":"\#(i % 40)","status":{"availability":"available","queues":["3","5"]},"timenow":\#(1550000100 + i).25}"#)
            }
        }
        return lines
    }

    @Test("every line the server sent is journaled exactly once, in order, however the bytes were split")
    func everyLineInOrder() async throws {
        let harness = try CollectorHarness()
        let server = try await FakeCTIServer.start()
        let run = harness.start(try harness.collector(port: server.port) { $0.once = true })
        defer { run.cancel() }

        var generator = SeededGenerator(state: 2024)
        let lines = Self.sampleLines(count: 3_000, generator: &generator)
        let sent: [[UInt8]] = try await server.nextConnection { connection in
            try await connection.serveLogin()
            _ = try await connection.readBootstrap()
            // A blank line (skipped), a CRLF line (its \r is not part of the line), then the rest in
            // chunks cut anywhere: inside lines, several lines per chunk, single bytes.
            var stream = Array("\n{\"class\":\"crlf\",\"n\":1}\r\n".utf8)
            for line in lines { stream.append(contentsOf: Array((line + "\n").utf8)) }
            var offset = 0
            while offset < stream.count {
                let size = [1, 2, 7, 100, 1_000, 4_096, 20_000].randomElement(using: &generator) ?? 1
                let end = min(stream.count, offset + size)
                try await connection.sendRaw(Array(stream[offset..<end]))
                offset = end
            }
            return connection.sent
        }
        try await withTimeout(60, "the collector to finish") { try await run.value }

        let expected: [[UInt8]] = sent.compactMap { line in
            var line = line
            if line.last == 0x0D { line.removeLast() }
            return line.isEmpty ? nil : line
        }
        #expect(expected.count == 3 + 1 + lines.count)
        let journal = try harness.journal()
        #expect(journal.count == expected.count)
        let firstDifference = zip(journal.map(\.line), expected).enumerated().first { $0.element.0 != $0.element.1 }
        #expect(firstDifference == nil, "first difference at line \(firstDifference?.offset ?? -1): journal \(String(decoding: firstDifference?.element.0 ?? [], as: UTF8.self)), sent \(String(decoding: firstDifference?.element.1 ?? [], as: UTF8.self))")
        #expect(Set(journal.map(\.sessionID)).count == 1)
        // The recorder saw each once: its counter agrees with the journal.
        #expect(await harness.writer.statistics.messages == expected.count)
        #expect(journal.contains { $0.malformed != nil })
    }

    @Test("a line over the limit is journaled as oversized, drops the connection, and the collector reconnects")
    func lineTooLong() async throws {
        let harness = try CollectorHarness()
        let server = try await FakeCTIServer.start()
        let run = harness.start(try harness.collector(port: server.port) { $0.maximumLineLength = 1_000 })
        defer { run.cancel() }

        // Complete lines before the long one, in the same read, are kept; what follows is not.
        let long = #"{"class":"sheet","payload":""# + String(repeating: "A", count: 5_000) + #""}"#
        try await server.nextConnection { connection in
            try await connection.serveLogin()
            _ = try await connection.readBootstrap()
            try await connection.sendRaw(Array(#"{"class":"before","n":1}"#.utf8 + [0x0A] + long.utf8 + [0x0A] + #"{"class":"after"}"#.utf8 + [0x0A]))
            try await connection.waitForClose()
        }
        // The long line sent in pieces, without a newline yet. (Whether they arrive in one read
        // or two is TCP's business; the decoder's handling of a line over several reads is
        // checked read by read in LineBatchDecoderTests.)
        try await server.nextConnection { connection in
            try await connection.serveLogin()
            _ = try await connection.readBootstrap()
            try await connection.sendRaw(Array(#"{"class":"x","pad":""#.utf8) + Array(repeating: UInt8(ascii: "B"), count: 600))
            try await connection.sendRaw(Array(repeating: UInt8(ascii: "B"), count: 600))
            try await connection.waitForClose()
        }
        try await eventually("a third session") { try harness.sessions().count == 3 }
        run.cancel()
        try await withTimeout(60, "the collector to stop") { try await run.value }

        let sessions = try harness.sessions()
        #expect(sessions.map(\.endReason) == ["line_too_long", "line_too_long", "shutdown"])
        let journal = try harness.journal()
        let first = journal.filter { $0.sessionID == sessions[0].id }
        #expect(first.count == 5)
        #expect(first[3].text == #"{"class":"before","n":1}"#)
        let oversized = first[4]
        #expect(oversized.malformed?.contains("longer than the limit") == true)
        #expect(oversized.line.count == 1_024)
        #expect(oversized.text.hasPrefix(#"{"class":"sheet","payload":"AAAA"#))
        #expect(!journal.contains { $0.text.contains(#""class":"after""#) })

        let second = journal.filter { $0.sessionID == sessions[1].id }
        #expect(second.count == 4)
        #expect(second.last?.malformed != nil)
        #expect(second.last?.text.hasPrefix(#"{"class":"x","pad":"BBBB"#) == true)
        #expect((second.last?.line.count ?? 0) <= 1_024)
        #expect(harness.logs.contains("longer than 1000 bytes"))
    }
}
