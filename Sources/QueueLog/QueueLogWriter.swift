import Logging
import Recording
import Storage

/// The one owner of the `Recorder` and the database's writer connection during an import.
///
/// Its code runs on a thread of its own (`cs-writer`, a `ThreadExecutor`), like the
/// collector's `RecordingWriter`: reading files and writing SQLite block, and none of that may
/// run on Swift's cooperative pool. The import's tasks (the PostgreSQL reads, the `--follow`
/// timer) await it like any actor.
public actor QueueLogWriter {
    private let executor = ThreadExecutor(name: "cs-writer")
    public nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    private let recorder: Recorder
    private let backgroundWrites: BackgroundWrites
    /// Copies the WAL into the database file beside the writer, as in the collector.
    private let checkpointer: BackgroundCheckpointer?
    private let files: QueueLogFileImport
    private let now: @Sendable () -> Double
    private var summary = QueueLogImportSummary()
    private var tableSource: QueueLogSourceInfo?
    private var tableServer = ""
    private var tableSessionOpen = false
    private var lastRowID: Int64?
    /// Rows between two commits of a table's import (a commit also saves the largest id).
    private let commitEvery: Int
    private var rowsSinceCommit = 0
    /// When the follower's last look was written (`status` reads it; every few seconds is enough).
    private var polledWrittenAt: Double?
    static let polledEvery: Double = 5
    static let catchUpPageCacheKiB = 65_536
    private var following = false
    private let indexes: CatchUpIndexes

    /// `deferIndexesAfterVisits`: the visits an import adds before it may build the caller-number
    /// index at its end rather than row by row (`CatchUpIndexes`).
    public init(database: sending Database, now: @escaping @Sendable () -> Double, commitEvery: Int = QueueLogFileImport.defaultCommitEvery,
                deferIndexesAfterVisits: Int64 = 50_000, logger: Logger) throws {
        self.now = now
        self.commitEvery = commitEvery
        let visitsBefore = try database.fetchInt64("SELECT max(visit_id) FROM queue_visit") ?? 0
        // Catching up with a long history, a batch touches index pages all over the tables
        // (visits by caller number); with 64 MiB of cache rather than 16 fewer are read again and
        // spilled before the commit: 15 % more lines/s on 96 days of the simulator's queue_log.
        // Following (`caughtUp`) goes back to the collector's cache, memory a live PBX pays for.
        try database.setPageCache(kibibytes: Self.catchUpPageCacheKiB)
        recorder = try Recorder(database: database, logger: logger)
        checkpointer = try recorder.checkpointInBackground()
        // SQLite's half of the work runs on a thread of its own while the next lines are read
        // and interpreted, as in the collector (with the checkpointer: 24 simulated days in 9.9 s
        // instead of 20.4, BENCHMARKS.md "queue_log import").
        backgroundWrites = recorder.startWritingInBackground()
        files = QueueLogFileImport(recorder: recorder, now: now, commitEvery: commitEvery, logger: logger)
        indexes = CatchUpIndexes(recorder: recorder, visitsBefore: visitsBefore, minimumVisits: deferIndexesAfterVisits)
        files.catchUpIndexes = indexes
    }

    deinit {
        // Before the connection closes: what was handed over is written first.
        backgroundWrites.stop()
        checkpointer?.stop()
        executor.stop()
    }

    // MARK: Files

    public func importFiles(_ paths: [String], mayBeMissing: Bool = false) throws {
        try files.importFiles(paths, mayBeMissing: mayBeMissing)
    }

    public func beginFollowing(path: String) throws {
        try caughtUp()
        try files.beginFollowing(path: path)
        try notePolled()
    }

    /// New lines of the followed file, recorded and committed; how many.
    public func followStep() throws -> Int {
        let count = try files.followStep()
        try notePolled()
        return count
    }

    /// What there was to read is read: from now on the import follows a live source, a few
    /// lines at a time, with the page cache every live writer has.
    public func caughtUp() throws {
        guard !following else { return }
        try indexes.build()
        try recorder.setPageCache(kibibytes: Database.writerPageCacheKiB)
        following = true
    }

    /// The follower looked at its source: written every `polledEvery` seconds at most.
    public func notePolled() throws {
        let time = now()
        if let written = polledWrittenAt, time - written < Self.polledEvery, time >= written { return }
        try recorder.noteQueueLogPolled(at: time)
        polledWrittenAt = time
    }

    public var fileSummary: QueueLogImportSummary { files.summary }

    public func finishFiles(reason: String) throws -> QueueLogImportSummary {
        try files.finish(reason: reason)
        return files.summary
    }

    // MARK: A table

    /// The table's source (created when new): the largest `id` it holds and its latest line's time.
    public func beginTable(name: String, openSession: Bool) throws -> (lastRowID: Int64?, lastEventAt: Double?) {
        let source = try recorder.queueLogSource(name: name, kind: .table)
        tableSource = source
        tableServer = "queue_log " + name
        lastRowID = source.lastRowID
        summary.table = name
        if openSession {
            try openTableSession()
            try notePolled()
        }
        return (lastRowID, source.lastEventAt)
    }

    private func openTableSession() throws {
        guard !tableSessionOpen, let source = tableSource else { return }
        try recorder.beginQueueLogSession(source: source, server: tableServer, connectedAt: now())
        if let lastRowID {
            recorder.noteQueueLogRowID(lastRowID)
        }
        tableSessionOpen = true
    }

    /// Records the rows (lines in file form), and commits them with the largest id unless
    /// `more` rows follow at once and fewer than `commitEvery` wait: a kill between two
    /// commits neither loses nor repeats a row. The largest id read.
    public func recordRows(_ rows: [(id: Int64, line: [UInt8])], more: Bool = false) throws -> Int64? {
        guard !rows.isEmpty else {
            try commitRows()
            return lastRowID
        }
        try openTableSession()
        // The rows of one fetch were received together (as a file's lines of one read).
        let receivedAt = now()
        for row in rows {
            let readable = try recorder.recordQueueLog(line: row.line, receivedAt: receivedAt)
            summary.linesRead += 1
            if readable { summary.added += 1 } else { summary.unreadable += 1 }
            recorder.noteQueueLogRowID(row.id)
            lastRowID = max(lastRowID ?? row.id, row.id)
        }
        rowsSinceCommit += rows.count
        if !more || rowsSinceCommit >= commitEvery {
            try commitRows()
            if more && !following { try indexes.committedWhileCatchingUp() }
        }
        return lastRowID
    }

    /// Commits the rows recorded since the last commit, if any.
    public func commitRows() throws {
        guard rowsSinceCommit > 0 else { return }
        try recorder.commit()
        rowsSinceCommit = 0
    }

    public func noteStoppedBeforeUncommitted(_ stopped: Bool) {
        summary.stoppedBeforeUncommitted = stopped
    }

    public func finishTable(reason: String) throws -> QueueLogImportSummary {
        if tableSessionOpen {
            try recorder.endSession(reason: reason, at: nil)
            tableSessionOpen = false
        }
        try indexes.build()
        summary.heldByOtherSource = recorder.statistics.heldByOtherSource
        return summary
    }
}
