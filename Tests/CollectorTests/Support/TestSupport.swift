import CallStatsTestSupport
import Foundation
import Logging
import Recording
import Storage

@testable import Collector

/// A FIFO between tasks, whose `pop` gives up after a timeout.
actor AsyncQueue<Element: Sendable> {
    private var items: [Element] = []
    private var waiter: (id: Int, continuation: CheckedContinuation<Element?, Never>)?
    private var nextWaiterID = 0

    func push(_ element: Element) {
        if let waiter {
            self.waiter = nil
            waiter.continuation.resume(returning: element)
        } else {
            items.append(element)
        }
    }

    func pop(timeout: Double) async -> Element? {
        if !items.isEmpty { return items.removeFirst() }
        nextWaiterID += 1
        let id = nextWaiterID
        return await withCheckedContinuation { continuation in
            waiter = (id, continuation)
            Task {
                try? await Task.sleep(for: .milliseconds(Int(timeout * 1000)))
                self.expire(id)
            }
        }
    }

    private func expire(_ id: Int) {
        guard let waiter, waiter.id == id else { return }
        self.waiter = nil
        waiter.continuation.resume(returning: nil)
    }
}

/// Keeps every log line, to check what the collector says (and never says).
final class LogCapture: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [String] = []

    var lines: [String] {
        lock.lock()
        defer { lock.unlock() }
        return storage
    }

    func append(_ line: String) {
        lock.lock()
        storage.append(line)
        lock.unlock()
    }

    func logger(level: Logger.Level = .trace) -> Logger {
        var logger = Logger(label: "test") { _ in CapturingLogHandler(capture: self) }
        logger.logLevel = level
        return logger
    }

    func contains(_ text: String) -> Bool {
        lines.contains { $0.contains(text) }
    }
}

struct CapturingLogHandler: LogHandler {
    let capture: LogCapture
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var text = "\(event.level) \(event.message)"
        if let extra = event.metadata, !extra.isEmpty {
            text += " \(extra)"
        }
        capture.append(text)
    }
}

/// A database, a writer and collectors configured for fast tests.
final class CollectorHarness {
    let folder: TemporaryFolder
    let databasePath: String
    let writer: RecordingWriter
    let logs = LogCapture()
    let password = "s3cret-Pa55"

    init(recorderOptions: RecorderOptions = RecorderOptions(), prepare: (Database) throws -> Void = { _ in }) throws {
        folder = try TemporaryFolder()
        databasePath = folder.path("callstats.sqlite")
        let (database, _) = try Database.openWriter(path: databasePath)
        try prepare(database)
        writer = try RecordingWriter(database: database, options: recorderOptions, logger: logs.logger())
    }

    func configuration(port: Int, _ configure: (inout CollectorConfiguration) -> Void = { _ in }) -> CollectorConfiguration {
        var configuration = CollectorConfiguration(
            server: ServerAddress(host: "127.0.0.1", port: port), user: "stats", password: Password(password))
        configuration.tls = .off
        configuration.timing.tickInterval = 0.02
        configuration.timing.startTLSOfferWait = 0.3
        configuration.timing.commitCheckInterval = 0.02
        configuration.timing.connectTimeout = 2
        configuration.timing.backoff = Backoff(initial: 0.05, maximum: 0.2)
        configure(&configuration)
        return configuration
    }

    /// With `clock`, its timers and its readings of the time follow that clock alone.
    func collector(port: Int, clock: ManualClock? = nil,
                   _ configure: (inout CollectorConfiguration) -> Void = { _ in }) throws -> Collector
    {
        guard let clock else {
            return try Collector(configuration: configuration(port: port, configure), writer: writer,
                                 logger: logs.logger(), eventLoopGroup: TestEventLoops.group)
        }
        return try Collector(configuration: configuration(port: port, configure), writer: writer, logger: logs.logger(),
                             eventLoopGroup: TestEventLoops.group, clock: clock.wallTime, timers: clock)
    }

    /// Runs the collector in a task; the caller awaits or cancels it.
    func start(_ collector: Collector) -> Task<Void, any Error> {
        Task { try await collector.run() }
    }

    // MARK: Reading the database

    func reader() throws -> Database {
        try Database.openReader(path: databasePath)
    }

    struct SessionRow: Equatable {
        var id: Int64
        var protocolVersion: String?
        var tls: Bool
        var endReason: String?
    }

    func sessions() throws -> [SessionRow] {
        let database = try reader()
        var rows: [SessionRow] = []
        try database.makeStatement(
            "SELECT session_id, protocol, tls, end_reason FROM collection_session ORDER BY session_id"
        ).forEachRow { row in
            rows.append(SessionRow(id: row.int64(0), protocolVersion: row.string(1), tls: row.int64(2) != 0,
                                   endReason: row.string(3)))
        }
        return rows
    }

    struct JournalRow {
        var sessionID: Int64
        var line: [UInt8]
        var malformed: String?
        var text: String { String(decoding: line, as: UTF8.self) }
    }

    func journal() throws -> [JournalRow] {
        let database = try reader()
        var rows: [JournalRow] = []
        try JournalReader(database: database).forEachLine { line in
            rows.append(JournalRow(sessionID: line.sessionID, line: Array(line.bytes), malformed: line.malformed))
        }
        return rows
    }
}

/// A local TCP port that refuses connections: a socket bound to it but not listening. Holding
/// it keeps other tests (or anything else on the machine) from taking the port meanwhile.
final class ClosedPort {
    let port: Int
    private let fd: Int32

    init() throws {
        (fd, port) = try LoopbackSocket.bind(listen: false)
    }

    deinit {
        close(fd)
    }
}
