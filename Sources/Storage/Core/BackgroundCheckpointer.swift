import CallStatsSQLite

/// Copies the writer's WAL into the database file on a thread of its own.
///
/// SQLite's automatic checkpoint runs inside the writer's `COMMIT`: every 1,000 pages the
/// writer stops to read the WAL back, write the database file and wait for two `fsync`s,
/// while lines keep arriving. With a background checkpointer the writer only appends to the
/// WAL; this thread, on a connection of its own, copies what was committed with passive
/// checkpoints, which never block the writer (WAL mode allows one checkpointer beside one
/// writer).
///
/// A passive checkpoint cannot make the WAL start over while the writer keeps committing (the
/// WAL restarts only when everything in it was copied before the next write transaction), so
/// under sustained load the writer bounds the WAL itself: after a commit that leaves more than
/// `restartAbovePages` in it, the writer runs one blocking `RESTART` checkpoint, which is short
/// because the background passes already copied most of the WAL.
///
/// Thread-safe: the writer's owner calls `afterCommit` from whatever thread it writes on.
public final class BackgroundCheckpointer: @unchecked Sendable {
    public let databasePath: String
    /// The WAL length (in pages) beyond which the writer restarts the WAL itself.
    public let restartAbovePages: Int
    /// A passive checkpoint runs at least this often while commits come in (seconds).
    private let interval: Double
    private let worker: WorkerThread

    // Guarded by the worker's lock.
    private var passScheduled = false
    private var passes = 0
    private var lastFailure: StorageError?
    /// Pages in the WAL at the latest pass; reset when the writer restarts it.
    private var walPages = 0
    /// The thread's own connection: only its jobs touch it.
    private var connection: OpaquePointer?

    public static let threadName = "cs-checkpoint"

    /// - Parameters:
    ///   - restartAbovePages: how long the WAL may grow before the writer restarts it (the
    ///     default is 512 MiB of 8 KiB pages).
    ///   - interval: how long a pass waits for more commits before checkpointing what it
    ///     has. A page that several commits wrote (an index's) is copied once per pass, so
    ///     passes a second apart copy a third of what passes every 0.1 s did at full load.
    ///   - niceness: the thread's nice value. Copying the WAL can wait; recording cannot:
    ///     when the cores are all busy (a burst of lines) the thread gives way to the ones
    ///     reading and writing lines and catches up after; a WAL grown past the bound is
    ///     restarted by the writer itself.
    public init(databasePath: String, restartAbovePages: Int = 65_536, interval: Double = 1, niceness: Int32 = 10) {
        self.databasePath = databasePath
        self.restartAbovePages = restartAbovePages
        self.interval = interval
        worker = WorkerThread(name: Self.threadName, niceness: niceness)
    }

    deinit {
        // No job holds the checkpointer any more, so none can run after this.
        worker.stop()
        sqlite3_close_v2(connection)
    }

    /// Starts the thread. The writer connection must then leave checkpoints to it
    /// (`Database.leaveCheckpointsToBackground()`).
    public func start() {
        worker.start()
        worker.enqueue { [self] in openConnection() }
    }

    /// Stops the thread after its queued pass and waits for it to end. The writer's own
    /// connection checkpoints what is left when it closes.
    public func stop() {
        worker.stop()
        // The thread has ended: nothing else touches its connection now.
        sqlite3_close_v2(connection)
        connection = nil
    }

    /// Passive checkpoints done so far (for tests and the statistics line).
    public var completedPasses: Int {
        worker.locked { passes }
    }

    /// Waits until more than `count` passes are done, for at most `timeout` seconds; returns
    /// whether they were. Blocks the calling thread (for tests, which must not depend on a
    /// busy concurrency pool to notice).
    public func waitForPasses(moreThan count: Int, timeout: Double) -> Bool {
        worker.wait(until: { passes > count }, timeout: timeout)
    }

    /// The latest failure of a background pass, if any (the data stays safe in the WAL; the
    /// next pass retries).
    public var latestFailure: StorageError? {
        worker.locked { lastFailure }
    }

    /// Called by the writer after each commit: schedules a pass, and restarts the WAL from
    /// the writer when it has grown past the bound. Never throws: a checkpoint that fails only
    /// leaves pages in the WAL for a later one.
    public func afterCommit(writer: Database) {
        let (schedule, restart) = worker.locked {
            let schedule = !passScheduled
            passScheduled = true
            let restart = walPages > restartAbovePages
            if restart { walPages = 0 }
            return (schedule, restart)
        }
        if schedule {
            worker.enqueue { [self] in pass() }
        }
        if restart {
            _ = writer.checkpoint(.restart)
        }
    }

    private func openConnection() {
        // A bare connection of the thread's own: it only checkpoints, so none of a `Database`'s
        // set-up (which would also ask for the WAL journal mode, a write) applies.
        var handle: OpaquePointer?
        let code = sqlite3_open_v2(databasePath, &handle, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nil)
        guard code == SQLITE_OK, let handle else {
            let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(code))
            sqlite3_close_v2(handle)
            worker.locked { lastFailure = StorageError(resultCode: code, message: message, sql: "checkpoint") }
            return
        }
        sqlite3_busy_timeout(handle, 1_000)
        // A connection that never read the database has not opened its WAL, and a checkpoint
        // on it copies nothing.
        sqlite3_exec(handle, "PRAGMA schema_version", nil, nil, nil)
        connection = handle
    }

    private func pass() {
        // Let a few commits gather: one pass copies them all. A stop cuts the wait short.
        worker.wait(until: { worker.isStopping }, timeout: interval)
        worker.locked { passScheduled = false }
        guard let connection else { return }
        let result = Database.checkpoint(connection, .passive)
        worker.locked {
            passes += 1
            switch result {
            case .success(let pages): walPages = pages
            case .failure(let error): lastFailure = error
            }
        }
    }
}

extension Database {
    public enum CheckpointMode: Sendable {
        /// Copies what it can without waiting for anyone.
        case passive
        /// Waits for the writer, copies everything, and makes the next write start the WAL over.
        case restart
        /// As `restart`, and empties the WAL file.
        case truncate

        var code: Int32 {
            switch self {
            case .passive: return SQLITE_CHECKPOINT_PASSIVE
            case .restart: return SQLITE_CHECKPOINT_RESTART
            case .truncate: return SQLITE_CHECKPOINT_TRUNCATE
            }
        }

        var sql: String {
            switch self {
            case .passive: return "PRAGMA wal_checkpoint(PASSIVE)"
            case .restart: return "PRAGMA wal_checkpoint(RESTART)"
            case .truncate: return "PRAGMA wal_checkpoint(TRUNCATE)"
            }
        }
    }

    /// Runs one WAL checkpoint on this connection.
    /// Returns the WAL's length in pages.
    @discardableResult
    public func checkpoint(_ mode: CheckpointMode) -> Result<Int, StorageError> {
        Database.checkpoint(handle, mode)
    }

    static func checkpoint(_ handle: OpaquePointer, _ mode: CheckpointMode) -> Result<Int, StorageError> {
        var logFrames: Int32 = 0
        var copiedFrames: Int32 = 0
        let code = sqlite3_wal_checkpoint_v2(handle, nil, mode.code, &logFrames, &copiedFrames)
        guard code == SQLITE_OK else {
            return .failure(StorageError(
                resultCode: sqlite3_extended_errcode(handle), message: String(cString: sqlite3_errmsg(handle)),
                sql: mode.sql))
        }
        return .success(Int(logFrames))
    }

    /// Stops this (writer) connection from checkpointing inside its commits: `checkpointer`
    /// does it on its own thread, and is told of every commit through `afterCommit`.
    public func leaveCheckpointsToBackground() throws(StorageError) {
        try execute(sql: "PRAGMA wal_autocheckpoint = 0")
    }
}
