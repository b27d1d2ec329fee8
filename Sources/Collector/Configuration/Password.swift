#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The CTI account's password. It prints as `<redacted>` wherever it is interpolated, dumped or
/// mirrored, so that a log line or an error message cannot carry it by accident; the only way
/// to the text is `revealed`, used when building `login_pass`.
public struct Password: Sendable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    public let revealed: String

    public init(_ text: String) { self.revealed = text }

    public var description: String { "<redacted>" }
    public var debugDescription: String { "<redacted>" }
    public var customMirror: Mirror { Mirror(self, children: []) }
    public var isEmpty: Bool { revealed.isEmpty }
}

/// Reads the password from `--password-file`.
public enum PasswordFile {
    public struct Contents: Sendable {
        public let password: Password
        /// True when group or others may read the file (mode & 0o044): worth a warning.
        public let readableByOthers: Bool
    }

    /// The file's first line, without its line end: the same file works whether or not the
    /// editor added a final newline.
    public static func read(path: String) throws(CollectorError) -> Contents {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .passwordFile(path, lastErrorText()) }
        defer { _ = close(fd) }

        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .passwordFile(path, lastErrorText()) }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw .passwordFile(path, "not a regular file") }
        // A password file is a few bytes; refuse anything that is obviously not one.
        guard info.st_size <= 64 * 1024 else { throw .passwordFile(path, "too large to be a password file") }
        let readableByOthers = (info.st_mode & (S_IRGRP | S_IROTH)) != 0

        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glue.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw .passwordFile(path, lastErrorText())
            }
            if n == 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
            guard bytes.count <= 64 * 1024 else { throw .passwordFile(path, "too large to be a password file") }
        }
        var line = bytes.prefix { $0 != 0x0A }
        if line.last == 0x0D { line = line.dropLast() }
        guard !line.isEmpty else { throw .passwordFile(path, "the file is empty") }
        guard let text = String(validating: line, as: UTF8.self) else {
            throw .passwordFile(path, "the password is not UTF-8 text")
        }
        return Contents(password: Password(text), readableByOthers: readableByOthers)
    }

    private static func lastErrorText() -> String {
        String(cString: strerror(errno))
    }
}

/// `read(2)` under a name that does not clash with the function above.
enum Glue {
    static func read(_ fd: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
        #if canImport(Darwin)
        return Darwin.read(fd, buffer, count)
        #elseif canImport(Musl)
        return Musl.read(fd, buffer, count)
        #else
        return Glibc.read(fd, buffer, count)
        #endif
    }
}

/// The little terminal handling the password prompt needs (kept here, with the other libc
/// calls, so the command-line target does not import libc).
public enum Terminal {
    public static func environment(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }

    public static var standardInputIsTerminal: Bool { isatty(STDIN_FILENO) == 1 }

    /// Writes `prompt` to stderr and reads one line from stdin with echo off, restoring the
    /// terminal's settings afterwards. `nil` when stdin is not a terminal or nothing was typed
    /// before the end of input.
    public static func readPassword(prompt: String) -> Password? {
        let fd = STDIN_FILENO
        var saved = termios()
        guard tcgetattr(fd, &saved) == 0 else { return nil }
        var silent = saved
        silent.c_lflag &= ~tcflag_t(ECHO)
        silent.c_lflag |= tcflag_t(ECHONL)
        writeToStandardError(prompt)
        guard tcsetattr(fd, TCSAFLUSH, &silent) == 0 else { return nil }
        defer { _ = tcsetattr(fd, TCSAFLUSH, &saved) }

        var bytes: [UInt8] = []
        var byte: UInt8 = 0
        while true {
            let n = Glue.read(fd, &byte, 1)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 {
                if bytes.isEmpty { return nil }
                break
            }
            if byte == 0x0A { break }
            bytes.append(byte)
            guard bytes.count <= 4096 else { return nil }
        }
        if bytes.last == 0x0D { bytes.removeLast() }
        return Password(String(decoding: bytes, as: UTF8.self))
    }

    private static func writeToStandardError(_ text: String) {
        var bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeMutableBytes { raw in
                write(STDERR_FILENO, raw.baseAddress.map { $0 + offset }, raw.count - offset)
            }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return }
            offset += n
        }
    }
}
