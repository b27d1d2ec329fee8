import CallStatsTestSupport
import Foundation
import Testing
@testable import QueueLog

/// The file reader on its own, over files larger than its buffer.
@Suite("queue_log file reader")
struct QueueLogFileReaderTests {
    /// Lines of random lengths, some longer than a read: every buffer refill lands somewhere
    /// else in a line (a refill that moved the unread bytes once made the line search start
    /// past the buffer's end).
    @Test("a file several times its read size comes back line by line, plain and gzip-compressed, offsets included", arguments: [false, true])
    func largeFile(compressed: Bool) throws {
        var generator = SeededGenerator(state: compressed ? 2 : 1)
        var lines: [String] = []
        var size = 0
        while size < 1_500_000 {
            let length = Int.random(in: 0...(lines.count % 50 == 0 ? 300_000 : 200), using: &generator)
            let line = "\(1_700_000_000 + lines.count)|" + String(repeating: "x", count: length)
            lines.append(line)
            size += line.utf8.count + 1
        }
        let folder = try TemporaryFolder()
        let path = folder.path("queue_log")
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: path))
        if compressed {
            let gzip = try CallStatsBinary(url: URL(fileURLWithPath: "/bin/gzip")).run(["-k", path])
            #expect(gzip.status == 0, "\(gzip.stderr)")
        }
        let reader = try QueueLogFileReader(path: compressed ? path + ".gz" : path)
        var read: [String] = []
        while let line = try reader.nextLine() { read.append(String(decoding: line, as: UTF8.self)) }
        #expect(read.count == lines.count)
        #expect(read == lines)
        #expect(reader.offset == Int64(size))
    }
}
