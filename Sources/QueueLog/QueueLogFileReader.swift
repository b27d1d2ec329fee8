import CallStatsZlib
import Foundation

/// Reads a queue_log file line by line, plain or gzip-compressed alike (zlib reads a file
/// that is not compressed as it is), and keeps reading it as it grows (`--follow`).
///
/// Offsets are of the content (uncompressed): a file and its compressed copy after rotation
/// have the same lines at the same offsets, so where an import was left holds for both.
/// Blocking: run it on a thread of its own, never on Swift's cooperative pool.
final class QueueLogFileReader {
    let path: String
    private let handle: gzFile
    /// The file's identity when opened, to tell a rotation (a new file under the same name).
    let identity: (device: UInt64, inode: UInt64)
    private var buffer: [UInt8] = []
    private var bufferStart = 0
    /// Content offset of `buffer[bufferStart]`.
    private(set) var offset: Int64 = 0
    private var chunk = [UInt8](repeating: 0, count: 256 * 1024)
    /// Reads that brought content: lines brought by the same read were received together.
    private(set) var reads = 0

    init(path: String) throws(QueueLogFileError) {
        self.path = path
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw QueueLogFileError(path: path, problem: String(cString: strerror(errno)))
        }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else {
            let problem = String(cString: strerror(errno))
            close(descriptor)
            throw QueueLogFileError(path: path, problem: problem)
        }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            close(descriptor)
            throw QueueLogFileError(path: path, problem: "is a folder, not a file")
        }
        guard let handle = gzdopen(descriptor, "rb") else {
            close(descriptor)
            throw QueueLogFileError(path: path, problem: "cannot be read (out of memory)")
        }
        self.handle = handle
        identity = (UInt64(info.st_dev), UInt64(info.st_ino))
        gzbuffer(handle, 256 * 1024)
    }

    deinit {
        gzclose(handle)
    }

    /// Reads more of the file into the buffer; false at its end (for now: `--follow` asks again).
    private func fill() throws(QueueLogFileError) -> Bool {
        if bufferStart > 0 && bufferStart >= buffer.count / 2 {
            buffer.removeFirst(bufferStart)
            bufferStart = 0
        }
        let count = chunk.withUnsafeMutableBytes { gzread(handle, $0.baseAddress, UInt32($0.count)) }
        if count < 0 {
            var code: Int32 = 0
            let message = gzerror(handle, &code).map { String(cString: $0) } ?? "read error"
            // zlib names the file by its descriptor ("<fd:15>: incorrect data check"): the
            // path names it for a person.
            let problem = message.hasPrefix("<fd:") ? String(message.drop { $0 != " " }.dropFirst()) : message
            throw QueueLogFileError(path: path, problem: problem, damaged: code == Z_DATA_ERROR)
        }
        if count == 0 {
            // zlib's "unexpected end of file" (Z_BUF_ERROR) is no error to gzread, which returns
            // what it could inflate and then nothing: only gzerror tells a compressed file cut
            // short (a plain file, read as it is, never sets it).
            var code: Int32 = 0
            _ = gzerror(handle, &code)
            if code == Z_BUF_ERROR {
                throw QueueLogFileError(path: path, problem: "ends early (truncated)", damaged: true)
            }
            // At the end for now; a growing file may have more later.
            gzclearerr(handle)
            return false
        }
        buffer.append(contentsOf: chunk[0..<Int(count)])
        reads += 1
        return true
    }

    /// The next complete line (without its `\n`), or nil when none is complete yet: a last
    /// line without its line end is left for later, when Asterisk has finished writing it.
    func nextLine() throws(QueueLogFileError) -> ArraySlice<UInt8>? {
        // Bytes after `bufferStart` known to hold no line end: relative, since `fill` may move
        // the buffer's content to its start.
        var searched = 0
        while true {
            if let end = buffer[(bufferStart + searched)...].firstIndex(of: UInt8(ascii: "\n")) {
                let line = buffer[bufferStart..<end]
                offset += Int64(end + 1 - bufferStart)
                bufferStart = end + 1
                return line
            }
            searched = buffer.count - bufferStart
            guard try fill() else { return nil }
        }
    }

    /// Skips `count` bytes of content (what an earlier import read).
    func skip(_ count: Int64) throws(QueueLogFileError) {
        var remaining = count
        while remaining > 0 {
            let available = buffer.count - bufferStart
            if available == 0 {
                guard try fill() else {
                    throw QueueLogFileError(path: path, problem: "is shorter than when it was last read (\(count) bytes read then)")
                }
                continue
            }
            let step = Int(min(Int64(available), remaining))
            bufferStart += step
            offset += Int64(step)
            remaining -= Int64(step)
        }
    }

    /// The first complete line of the file, which identifies it (read from its start).
    static func firstLine(path: String) throws(QueueLogFileError) -> [UInt8]? {
        let reader = try QueueLogFileReader(path: path)
        return try reader.nextLine().map(Array.init)
    }

    /// Whether the file `path` names begins with `line` and its line end: false once it was
    /// truncated (and perhaps written again). Reads only those bytes (a followed file is plain).
    static func begins(path: String, with line: [UInt8]) -> Bool {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return true }
        defer { close(descriptor) }
        let expected = line + [UInt8(ascii: "\n")]
        var bytes = [UInt8](repeating: 0, count: expected.count)
        var filled = 0
        while filled < bytes.count {
            let count = bytes.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress.map { $0 + filled }, $0.count - filled, off_t(filled)) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            filled += count
        }
        // A compressed file's bytes are not its lines: never taken for a truncation.
        if filled >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B { return true }
        return filled == bytes.count && bytes == expected
    }

    /// The identity of what `path` names now, nil when nothing does.
    static func identity(of path: String) -> (device: UInt64, inode: UInt64, size: Int64)? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return (UInt64(info.st_dev), UInt64(info.st_ino), Int64(info.st_size))
    }
}

public struct QueueLogFileError: Error, CustomStringConvertible {
    public let path: String
    public let problem: String
    /// A compressed file's data is wrong or ends early: what came before it was read, and the
    /// import goes on with the other files.
    public let damaged: Bool
    public var description: String { "\(path): \(problem)" }

    public init(path: String, problem: String, damaged: Bool = false) {
        self.path = path
        self.problem = problem
        self.damaged = damaged
    }
}
