import CallStatsTestSupport
import Foundation
import Testing
@testable import Storage

/// The journal's block format (`JournalBlock`): what goes in comes back exactly, and a damaged
/// block is an error naming it, never a crash or a wrong line.
@Suite("Journal blocks")
struct JournalBlockTests {
    struct Line: Equatable {
        let seq: Int64
        let receivedAt: Double
        let eventTime: Double
        let bytes: [UInt8]
    }

    static func build(_ lines: [(receivedAt: Double, eventTime: Double, bytes: [UInt8])], firstSeq: Int64 = 41) throws -> [UInt8] {
        var builder = JournalBlockBuilder(firstSeq: firstSeq, sessionID: 3)
        for line in lines {
            line.bytes.withUnsafeBytes { builder.append(receivedAt: line.receivedAt, eventTime: line.eventTime, decoded: true, line: $0) }
        }
        return try builder.compressed(with: ZstdCompressor())
    }

    static func read(_ compressed: [UInt8], firstSeq: Int64 = 41) throws -> [Line] {
        var lines: [Line] = []
        var scratch: [UInt8] = []
        try compressed.withUnsafeBytes { bytes in
            try JournalBlock.forEachLine(firstSeq: firstSeq, compressed: bytes, scratch: &scratch) { seq, receivedAt, eventTime, line in
                lines.append(Line(seq: seq, receivedAt: receivedAt, eventTime: eventTime, bytes: Array(line)))
            }
        }
        return lines
    }

    @Test("every line comes back byte for byte, numbered from the block's first seq, with exactly the times written")
    func roundTrip() throws {
        let t = 1_793_606_400.123_456_7
        let lines: [(receivedAt: Double, eventTime: Double, bytes: [UInt8])] = [
            (t, t - 0.25, Array(#"{"class":"login_id","timenow":1793606400.1}"#.utf8)),
            (t + 1e-9, t + 1e-9, []),                                      // an empty line, a time one ulp on
            (t - 3_600, t + 86_400 * 365, [0, 0xFF, 0xFE, 0x0A, 0x80]),     // the local clock set back; NUL, invalid UTF-8
            (t.nextUp, -t, Array(repeating: 0x41, count: 70_000)),         // an event time of the other sign
            (1e-300, 0, Array("x".utf8)),
        ]
        let read = try Self.read(try Self.build(lines))
        #expect(read == lines.enumerated().map { Line(seq: 41 + Int64($0.offset), receivedAt: $0.element.receivedAt,
                                                       eventTime: $0.element.eventTime, bytes: $0.element.bytes) })
        for (back, written) in zip(read, lines) {
            #expect(back.receivedAt.bitPattern == written.receivedAt.bitPattern)
            #expect(back.eventTime.bitPattern == written.eventTime.bitPattern)
        }
    }

    @Test("a full block stops taking lines at its line or byte bound")
    func bounds() {
        var byLines = JournalBlockBuilder(firstSeq: 1, sessionID: 1)
        for _ in 0..<JournalBlock.maximumLines {
            #expect(!byLines.isFull)
            [UInt8]("{}".utf8).withUnsafeBytes { byLines.append(receivedAt: 1, eventTime: 1, decoded: true, line: $0) }
        }
        #expect(byLines.isFull && byLines.lastSeq == Int64(JournalBlock.maximumLines))
        var byBytes = JournalBlockBuilder(firstSeq: 1, sessionID: 1)
        let big = [UInt8](repeating: 0x7B, count: JournalBlock.maximumBytes / 2)
        big.withUnsafeBytes { byBytes.append(receivedAt: 1, eventTime: 1, decoded: true, line: $0) }
        #expect(!byBytes.isFull)
        big.withUnsafeBytes { byBytes.append(receivedAt: 1, eventTime: 1, decoded: false, line: $0) }
        #expect(byBytes.isFull && byBytes.count == 2)
        // A malformed line's time does not count as an event.
        #expect(byBytes.lastEventTime == 1)
    }

    @Test("a damaged block is an error naming the block, never a crash or a wrong line")
    func damaged() throws {
        let lines = (0..<300).map { i in (receivedAt: 1_793_606_400 + Double(i), eventTime: 1_793_606_400 + Double(i),
                                          bytes: Array(#"{"class":"getqueuesstats","n":\#(i)}"#.utf8)) }
        let good = try Self.build(lines)
        #expect(try Self.read(good).count == 300)
        var generator = SeededGenerator(state: 20)
        var rejected = 0
        for round in 0..<500 {
            var bad = good
            switch round % 3 {
            case 0: bad.removeLast(Int.random(in: 1...bad.count, using: &generator))
            case 1: bad[Int.random(in: 0..<bad.count, using: &generator)] ^= UInt8.random(in: 1...255, using: &generator)
            default: bad = (0..<Int.random(in: 0...64, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            }
            do {
                let read = try Self.read(bad)
                // zstd checks its frame's content; whatever decodes is the block as written.
                #expect(read.map(\.bytes) == lines.map(\.bytes), "round \(round)")
            } catch let error as JournalFormatError {
                #expect(error.description.hasPrefix("journal: block 41: "), "\(error)")
                rejected += 1
            }
        }
        #expect(rejected > 400)
    }

    @Test("journal_compress, the SQL function a block's statement calls, gives the block that builder.compressed gives, readable line for line")
    func compressedBySQL() throws {
        let lines: [(receivedAt: Double, eventTime: Double, bytes: [UInt8])] = (0..<500).map { i in
            let time = 1_793_606_400 + Double(i)
            return (time - 0.5, time, Array("1793606400|1793606400.\(i)|blue|Agent/10\(i % 9)|CONNECT|3|17|2".utf8))
        }
        var builder = JournalBlockBuilder(firstSeq: 41, sessionID: 3)
        for line in lines {
            line.bytes.withUnsafeBytes { builder.append(receivedAt: line.receivedAt, eventTime: line.eventTime, decoded: true, line: $0) }
        }
        let folder = try TemporaryFolder()
        let database = try Database(path: folder.path("compress.db"))
        try database.registerJournalCompression()
        var compressed: [UInt8]?
        var null = false
        try builder.withContent { content in
            try database.makeStatement("SELECT journal_compress(?), journal_compress(NULL) IS NULL").forEachRow([Array(content)]) { row in
                compressed = row.withBlob(0) { Array($0) }
                null = row.int64(1) == 1
            }
        }
        let fromSQL = try #require(compressed)
        #expect(fromSQL == (try builder.compressed(with: ZstdCompressor())))
        let lineBytes = lines.reduce(0) { $0 + $1.bytes.count }
        #expect(fromSQL.count < lineBytes / 4)
        #expect(try Self.read(fromSQL).map { $0.bytes } == lines.map { $0.bytes })
        #expect(null)
        #expect(throws: StorageError.self) { try database.execute(sql: "SELECT journal_compress('text, not a blob')") }
    }
}
