import CallStatsTestSupport
import Foundation
import Storage

#if canImport(Glibc)
import Glibc
#endif

/// What the reliability tests need beyond `RunningCallStats`: a collector whose log can be
/// read while it runs, its memory high-water mark, a scripted CTI peer over real TCP, a small
/// file system to fill, and an unprivileged user for permission faults.
enum Reliability {
    typealias Failure = TestFailure

    /// An environment variable as a number, for the opt-in long runs.
    static func environmentInt(_ name: String, default value: Int) -> Int {
        ProcessInfo.processInfo.environment[name].flatMap { Int($0) } ?? value
    }

    /// Whether the long variants were asked for (`CALLSTATS_LONG_TESTS=1`).
    static var longRuns: Bool {
        ProcessInfo.processInfo.environment["CALLSTATS_LONG_TESTS"] == "1"
    }

    /// Runs `callstats arguments` to completion off the pool.
    static func run(_ binary: CallStatsBinary, _ arguments: [String]) async throws -> CallStatsBinary.Result {
        try await offPool { try binary.run(arguments) }
    }

    /// Waits for a `RunningCallStats` to exit without blocking the pool.
    static func exitStatus(of process: RunningCallStats, timeout: Double = 60) async throws -> Int32 {
        try await eventually("process \(process.process.processIdentifier) to exit", timeout: timeout) { !process.process.isRunning }
        return process.wait()
    }

    /// A read-only look at a database another process writes; nil while it cannot be opened.
    static func reading<T>(_ path: String, _ body: (Database) throws -> T) -> T? {
        guard FileManager.default.fileExists(atPath: path),
              let database = try? Database(path: path, mode: .readOnly),
              (try? Migrator.embedded().checkCurrent(database)) != nil
        else { return nil }
        return try? body(database)
    }

    /// A simulator playing a day of 20 agents and 3 queues at `speed`, and its address.
    static func simulator(_ setup: CollectorSetup, speed: String, duration: String = "8h", seed: Int = 21) throws
        -> (RunningCallStats, String)
    {
        try setup.simulator([
            "--listen", "127.0.0.1:0", "--speed", speed, "--seed", String(seed),
            "--start", "2026-11-02T08:00:00Z", "--duration", duration, "--agents", "20", "--queues", "3",
        ])
    }

    /// The number of journal lines, read as the last `seq` (lines are numbered from 1 without
    /// holes, which the tests check): an index look-up, where counting would read a million
    /// lines on every poll.
    static func journalCount(_ path: String) -> Int64 {
        reading(path) { try JournalReader(database: $0).lastSeq() ?? 0 } ?? 0
    }
}

/// A `callstats` process whose stderr goes to a file, so the log can be read while it runs.
final class LoggedProcess {
    let process = Process()
    let logPath: String

    /// Runs `binary arguments`, as the unprivileged `user` (uid, gid) when one is given and
    /// this process is root.
    init(binary: CallStatsBinary, arguments: [String], logPath: String, user: (uid: UInt32, gid: UInt32)? = nil) throws {
        self.logPath = logPath
        guard FileManager.default.createFile(atPath: logPath, contents: nil) else {
            throw Reliability.Failure("cannot create \(logPath)")
        }
        if let user {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
            process.arguments = ["--reuid=\(user.uid)", "--regid=\(user.gid)", "--clear-groups", "--", binary.url.path] + arguments
        } else {
            process.executableURL = binary.url
            process.arguments = arguments
        }
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        process.standardError = log
        process.standardOutput = log
        process.standardInput = FileHandle.nullDevice
        try process.run()
        try log.close()
    }

    var log: String {
        (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
    }

    var pid: Int32 { process.processIdentifier }
    var isRunning: Bool { process.isRunning }

    func signal(_ number: Int32) {
        kill(process.processIdentifier, number)
    }

    func wait() -> Int32 {
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// Waits for the exit, failing after `timeout` seconds (the process is then killed).
    func wait(timeout: Double) async throws -> Int32 {
        try await eventually("process \(pid) to exit", timeout: timeout) { !process.isRunning }
        return wait()
    }

    /// `VmHWM` (peak resident set) and `VmRSS` of the running process, in KiB.
    func memory() -> (peak: Int, resident: Int)? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        func field(_ name: String) -> Int? {
            guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix(name + ":") }) else { return nil }
            return line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first.flatMap { Int($0) }
        }
        guard let peak = field("VmHWM"), let resident = field("VmRSS") else { return nil }
        return (peak, resident)
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}

// MARK: A scripted CTI server

/// A CTI server played by the test over real TCP (127.0.0.1, a port the system chooses), with
/// blocking sockets (run through `offPool`): each test accepts the collector's
/// connections and writes what it likes.
final class ScriptedPeer: @unchecked Sendable {
    let port: Int
    private let listener: Int32

    init() throws {
        (listener, port) = try LoopbackSocket.bind(listen: true)
    }

    var address: String { "127.0.0.1:\(port)" }

    /// The collector's next connection.
    func accept(timeout: Double = 60) throws -> PeerConnection {
        var poller = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
        guard poll(&poller, 1, Int32(timeout * 1000)) == 1 else {
            throw Reliability.Failure("no connection from the collector within \(timeout) s")
        }
        let fd = Glibc.accept(listener, nil, nil)
        guard fd >= 0 else { throw Reliability.Failure("accept() failed: \(String(cString: strerror(errno)))") }
        return PeerConnection(fd: fd)
    }

    deinit {
        close(listener)
    }
}

/// The server's side of one connection (used by one task at a time, handed to a thread of its
/// own for blocking I/O: see `offPool`).
final class PeerConnection: @unchecked Sendable {
    private let fd: Int32
    private var buffer: [UInt8] = []
    private(set) var isClosed = false

    init(fd: Int32) {
        self.fd = fd
    }

    /// The next line from the collector; nil when it closed the connection.
    func readLine(timeout: Double = 60) throws -> String? {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if let newline = buffer.firstIndex(of: 0x0A) {
                let line = String(decoding: buffer[..<newline], as: UTF8.self)
                buffer.removeSubrange(...newline)
                return line
            }
            let remaining = deadline.timeIntervalSinceNow
            guard remaining > 0 else { throw Reliability.Failure("no line from the collector within \(timeout) s") }
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, Int32(min(remaining, 1) * 1000)) == 1 else { continue }
            var chunk = [UInt8](repeating: 0, count: 65_536)
            let count = recv(fd, &chunk, chunk.count, 0)
            if count <= 0 { return nil }
            buffer.append(contentsOf: chunk[0..<count])
        }
    }

    /// Reads lines until one contains `text`; fails if the connection closes first.
    @discardableResult
    func readLine(containing text: String, timeout: Double = 60) throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        while let line = try readLine(timeout: max(0.01, deadline.timeIntervalSinceNow)) {
            if line.contains(text) { return line }
        }
        throw Reliability.Failure("the collector closed the connection before sending \(text)")
    }

    /// Writes all of `bytes`; false when the collector closed the connection (no SIGPIPE).
    @discardableResult
    func write(_ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { raw in
                Glibc.send(fd, raw.baseAddress.map { $0 + offset }, bytes.count - offset, Int32(MSG_NOSIGNAL))
            }
            if written < 0 {
                if errno == EINTR { continue }
                return false
            }
            offset += written
        }
        return true
    }

    @discardableResult
    func send(_ line: String) -> Bool {
        write(Array((line + "\n").utf8))
    }

    /// Plays a successful protocol 1.2 login (the collector runs with `--tls off`) and reads
    /// the bootstrap requests up to `subscribetoqueuesstats`.
    func serveLogin() throws {
        try readLine(containing: #""class":"login_id""#)
        send(#"{"class":"login_id","sessionid":"21UaGDfst7","xivoversion":"1.2","timenow":1550000000.1}"#)
        try readLine(containing: #""class":"login_pass""#)
        send(#"{"class":"login_pass","replyid":2,"capalist":[3],"timenow":1550000000.2}"#)
        try readLine(containing: #""class":"login_capas""#)
        send(#"{"class":"login_capas","replyid":3,"ipbxid":"xivo","userid":"12","timenow":1550000000.3}"#)
        try readLine(containing: #""class":"subscribetoqueuesstats""#)
    }

    /// Reads and discards until the collector closes the connection.
    func waitForClose(timeout: Double = 60) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while try readLine(timeout: max(0.01, deadline.timeIntervalSinceNow)) != nil {}
    }

    func close() {
        guard !isClosed else { return }
        isClosed = true
        Glibc.close(fd)
    }

    deinit {
        close()
    }
}

// MARK: A small file system to fill

/// A tmpfs of a few MiB mounted on a fresh folder, unmounted when released: a disk that fills
/// for real (`ENOSPC` from the kernel). Needs root (or CAP_SYS_ADMIN); `mount` says why not.
final class SmallFileSystem {
    let folder: TemporaryFolder
    var path: String { folder.url.path }

    init(megabytes: Int) throws {
        folder = try TemporaryFolder()
        let result = Self.run("/bin/mount", ["-t", "tmpfs", "-o", "size=\(megabytes)m,mode=0755", "tmpfs", folder.url.path])
        guard result.status == 0 else {
            throw Reliability.Failure("cannot mount a tmpfs (\(result.output.trimmingCharacters(in: .whitespacesAndNewlines)))")
        }
    }

    /// Free bytes on it.
    var available: Int {
        var stats = statvfs()
        guard statvfs(path, &stats) == 0 else { return 0 }
        return Int(stats.f_bavail) * Int(stats.f_frsize)
    }

    /// Fills it up to `leaving` free bytes with a file of its own (deleted to free the space).
    func fill(leaving free: Int, name: String = "filler") throws {
        let size = available - free
        guard size > 0 else { return }
        let file = folder.path(name)
        guard FileManager.default.createFile(atPath: file, contents: nil) else {
            throw Reliability.Failure("cannot create \(file)")
        }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: file))
        defer { try? handle.close() }
        let block = Data(repeating: 0x5A, count: 65_536)
        var written = 0
        while written + block.count <= size {
            try handle.write(contentsOf: block)
            written += block.count
        }
        if size > written { try handle.write(contentsOf: block.prefix(size - written)) }
    }

    static func run(_ tool: String, _ arguments: [String]) -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        do {
            try process.run()
        } catch {
            return (-1, "\(tool): \(error)")
        }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    deinit {
        // Lazy: a process still holding a file there cannot keep the mount busy.
        _ = Self.run("/bin/umount", ["-l", folder.url.path])
    }
}

// MARK: Another process holding the database's write lock

/// The `sqlite3` shell in an open `BEGIN IMMEDIATE` transaction on a database: another
/// process holding the write lock, released by `release()` (or when this is released).
final class LockHolder: @unchecked Sendable {
    private let process = Process()
    private let input = Pipe()
    private let output = Pipe()

    /// Returns once the shell holds the lock.
    init(database: String) throws {
        process.executableURL = URL(fileURLWithPath: try RequiredTool.sqlite3.require())
        process.arguments = [database]
        process.standardInput = input
        process.standardOutput = output
        process.standardError = output
        try process.run()
        // The shell's own busy timeout, so it waits for the collector's current commit.
        input.fileHandleForWriting.write(Data(".timeout 10000\nBEGIN IMMEDIATE;\nSELECT 'locked';\n".utf8))
        var seen = Data()
        while !String(decoding: seen, as: UTF8.self).contains("locked") {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { throw Reliability.Failure("sqlite3 could not take the lock: \(String(decoding: seen, as: UTF8.self))") }
            seen.append(chunk)
        }
        if String(decoding: seen, as: UTF8.self).contains("Error") {
            throw Reliability.Failure("sqlite3 could not take the lock: \(String(decoding: seen, as: UTF8.self))")
        }
    }

    func release() {
        guard process.isRunning else { return }
        input.fileHandleForWriting.write(Data("COMMIT;\n.quit\n".utf8))
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
    }

    deinit {
        release()
    }
}

// MARK: An unprivileged user

/// `nobody`, for faults that permissions make (root writes through a read-only folder).
enum Unprivileged {
    static let user: (uid: UInt32, gid: UInt32) = (65_534, 65_534)

    /// The user to run the collector as: nobody when this process is root, else this user.
    static var runAs: (uid: UInt32, gid: UInt32)? {
        geteuid() == 0 ? user : nil
    }

    /// Gives `path` to the user the collector runs as.
    static func own(_ path: String) {
        guard let user = runAs else { return }
        chown(path, user.uid, user.gid)
    }
}
