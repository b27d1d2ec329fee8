import Logging
import Recording
import Storage

/// The one owner of the `Recorder` and of the database's writer connection.
///
/// Its code runs on a thread of its own (`cs-writer`, a `ThreadExecutor`): recording a line
/// can block on the disk, on another process's lock and on the row pipeline's back-pressure,
/// and none of that may stall Swift's cooperative pool. Callers await it like any actor.
///
/// The read loop awaits each hand-off (`record`), so a slow disk slows the socket through TCP
/// back-pressure instead of growing a buffer: the recorder's rows are written on a thread of
/// their own, which lets only a few buffers wait (`Recorder.startWritingInBackground`). A
/// timer calls `commitIfDue` so a quiet connection still commits within the batch age.
///
/// When the database fails (a full disk, a lock held too long) the failure is logged once,
/// the recorder's session is abandoned (its batch rolled back, nothing more written), and every
/// later call of that session throws `CollectorError.database`: the collector drops the
/// connection and retries with backoff, and the next `beginSession` resumes when the database
/// can be written again.
public actor RecordingWriter {
    private let executor = ThreadExecutor(name: "cs-writer")
    public nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }
    /// The writer's thread, for a task that hands it lines: running there, each hand-off is a
    /// call, not a trip to another thread and back.
    public nonisolated var thread: any TaskExecutor { executor }

    private let recorder: Recorder
    /// The recorder's connection, kept for tests that simulate a full disk.
    private let database: Database
    private let logger: Logger
    public nonisolated let databasePath: String
    /// The database file as opened; nil for a database in memory.
    private nonisolated let databaseFile: FileIdentity?
    /// Set when the database failed during the current session; cleared by `beginSession`.
    private var failure: CollectorError?
    /// Copies the WAL into the database file beside the writer, so commits never wait for it.
    private let checkpointer: BackgroundCheckpointer?
    private let backgroundWrites: BackgroundWrites

    public init(database: sending Database, options: RecorderOptions = RecorderOptions(), logger: Logger) throws {
        self.databasePath = database.path
        self.databaseFile = FileIdentity(path: database.path)
        self.logger = logger
        self.database = database
        self.recorder = try Recorder(database: database, options: options, logger: logger)
        checkpointer = try recorder.checkpointInBackground()
        // Interpreting lines and writing rows each get a core.
        backgroundWrites = recorder.startWritingInBackground()
    }

    deinit {
        // Before the writer's connection closes (and checkpoints what is left).
        backgroundWrites.stop()
        checkpointer?.stop()
        executor.stop()
    }

    /// True once the database file was renamed, replaced or deleted since it was opened (its
    /// path names another file, or none). Reads the file's identity: nothing waits for the
    /// rows being written. A commit into a moved file is refused by `Storage` anyway.
    public nonisolated var databaseFileHasMoved: Bool {
        guard let databaseFile else { return false }
        return FileIdentity(path: databasePath) != databaseFile
    }

    public var statistics: RecorderStatistics { recorder.statistics }

    /// A new collection session at TCP connect (local clock, epoch seconds).
    public func beginSession(server: String, connectedAt: Double) throws(CollectorError) {
        failure = nil
        do {
            try recorder.beginSession(server: server, connectedAt: connectedAt)
        } catch {
            throw fail(error)
        }
    }

    public func describeSession(protocolVersion: String, tls: Bool) throws(CollectorError) {
        if let failure { throw failure }
        do {
            try recorder.describeSession(protocolVersion: protocolVersion, tls: tls)
        } catch {
            throw fail(error)
        }
    }

    /// Records every line of `batch`, in order.
    public func record(_ batch: LineBatch) throws(CollectorError) {
        if let failure { throw failure }
        do {
            for index in 0..<batch.count {
                try batch.withLine(at: index) { line in
                    try batch.withMessage(at: index) { decoded in
                        try recorder.record(line: line, decoded: decoded, receivedAt: batch.receivedAt)
                    }
                }
            }
        } catch {
            throw fail(error)
        }
    }

    /// Throws when writing failed since the last hand-off (rows are written in the
    /// background, so a failure can come after the call that caused it).
    public func checkWrites() throws(CollectorError) {
        if let failure { throw failure }
        do {
            try recorder.checkBackgroundWrites()
        } catch {
            throw fail(error)
        }
    }

    public func recordOversizedLine(_ line: OversizedLineError) throws(CollectorError) {
        if let failure { throw failure }
        do {
            try recorder.recordOversizedLine(prefix: line.prefix, byteCount: line.byteCount, receivedAt: line.receivedAt)
        } catch {
            throw fail(error)
        }
    }

    /// Ends the session (committing it). A database failure here is logged and the session
    /// abandoned; there is nothing more the caller could do about it.
    /// `localNow` nil ends it at the server's last event (see `Recorder.endSession`).
    public func endSession(reason: String, at localNow: Double?) {
        guard failure == nil else { return }
        do {
            try recorder.endSession(reason: reason, at: localNow)
        } catch {
            _ = fail(error)
        }
    }

    /// Commits the open batch when it is old enough. A failure abandons the session (the
    /// read loop learns it at its next hand-off).
    public func commitIfDue(now: Double) {
        guard failure == nil else { return }
        do {
            try recorder.commitIfDue(now: now)
        } catch {
            _ = fail(error)
        }
    }

    /// Stops the background checkpoints and leaves them to the writer connection again: before
    /// anything that must be the database's only connection (emptying a moved file's WAL,
    /// whose name the new file at the path shares).
    public func stopBackgroundCheckpoints() {
        guard let checkpointer else { return }
        try? recorder.waitForWrites()
        checkpointer.stop()
        recorder.checkpointer = nil
        try? database.execute(sql: "PRAGMA wal_autocheckpoint = 1000")
    }

    /// For tests: runs `body` on the writer connection between hand-offs.
    func withDatabase<T: Sendable>(_ body: @Sendable (Database) throws -> T) rethrows -> T {
        try? recorder.waitForWrites()
        return try body(database)
    }

    private func fail(_ error: any Error) -> CollectorError {
        if let failure { return failure }
        let text: String
        if let storage = error as? StorageError {
            text = "\(databasePath): \(storage.explanation)"
        } else {
            text = "\(databasePath): \(error)"
        }
        let failure = CollectorError.database(text)
        logger.error("\(failure); the session's uncommitted lines are rolled back, collection resumes when the database can be written again")
        recorder.abandonSession()
        self.failure = failure
        return failure
    }
}
