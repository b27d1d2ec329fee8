import CTIProtocol
import Logging
import Storage

/// Turns the lines received from a CTI server into rows: the journal row of every line and
/// the rows derived from it, in the same transaction.
///
/// The only code that interprets a message for the database: live collection calls
/// `record(line:receivedAt:)` per line, and `replay` feeds the journal back through the same
/// function, so replay equals live by construction.
///
/// Not `Sendable`: it owns the single writer connection (see `Database`). State that spans
/// messages (agents' open intervals, calls in progress, callers waiting) lives here and is
/// reset at each session's start: every session starts from its own bootstrap.
public final class Recorder {
    let database: Database
    let options: RecorderOptions
    let logger: Logger
    public internal(set) var statistics = RecorderStatistics()

    var session: SessionContext?
    var derived = DerivedState()
    /// Where every row goes (see `RowWriter`): run at once, or on the pipeline's thread.
    let rows: RowWriter
    /// The ids of the next rows; nil until read from the tables (see `RowIDs`).
    var ids: RowIDs?
    /// What the tables held when the session began, that the session's rows depend on.
    var preexisting = PreexistingRows()
    /// The journal block the next lines go into; nil until the session's next line, and after
    /// a rolled-back batch (the next line starts a new block after the committed ones).
    var journalBlock: JournalBlockBuilder?
    /// Availability values already reported as unknown, so each is logged once.
    var loggedUnknownAvailabilities: Set<String> = []
    /// Set while the session reads a queue_log (`beginQueueLogSession`): what its lines mean is
    /// `applyQueueLog`'s, not the CTI messages'.
    var queueLog: QueueLogState?

    private var batchOpenedAt: Double?
    private var batchMessages = 0

    /// Opens the recorder on the writer connection. Sessions a crash left open are closed at
    /// their last recorded event.
    public init(database: Database, options: RecorderOptions = RecorderOptions(), logger: Logger = Logger(label: "callstats.recorder")) throws {
        self.database = database
        self.options = options
        self.logger = logger
        // The recorder only writes rows of the session it created on this connection, so the
        // per-row lookup of `collection_session` that foreign keys cost (about 5 % of its
        // work) buys nothing here. Other connections (reports, prune) keep them on.
        try database.execute(sql: "PRAGMA foreign_keys = OFF")
        rows = try RowWriter(database: database)
        try database.write { try closeAbandonedSessions() }
    }

    /// When set, WAL checkpoints happen on its thread instead of inside the commits.
    public var checkpointer: BackgroundCheckpointer? {
        get { rows.executor.checkpointer }
        set {
            try? rows.drain()
            rows.executor.checkpointer = newValue
        }
    }

    /// From now on the WAL is copied into the database file on a thread of its own, so
    /// commits never wait for a checkpoint (nil for a database in memory, which has no WAL).
    /// The caller stops the returned checkpointer before the connection closes.
    public func checkpointInBackground() throws -> BackgroundCheckpointer? {
        guard !database.path.isEmpty, database.path != ":memory:" else { return nil }
        let checkpointer = BackgroundCheckpointer(databasePath: database.path)
        try database.leaveCheckpointsToBackground()
        checkpointer.start()
        self.checkpointer = checkpointer
        return checkpointer
    }

    /// From now on rows are written on a thread of their own, while the recorder goes on with
    /// the next lines (live collection). Until the session ends (`endSession` waits for its
    /// rows), a batch is committed some moments after `commit()` returns; a database failure
    /// is thrown by a later call, which then abandons the session as at once.
    ///
    /// The returned handle ends the writing thread from anywhere (an owner's `deinit`); what was
    /// handed to it is written first.
    @discardableResult
    public func startWritingInBackground() -> BackgroundWrites {
        BackgroundWrites(rows.startPipeline())
    }

    /// Writes what is pending and goes back to writing on the caller's thread.
    public func stopWritingInBackground() {
        rows.stopPipeline()
    }

    /// Throws the failure of the background writes, if one happened; never waits.
    public func checkBackgroundWrites() throws {
        try rows.pipeline?.checkFailure()
    }

    /// Waits until every row recorded so far is written (committed, for a committed batch).
    public func waitForWrites() throws {
        try rows.drain()
    }

    /// Sets the writer connection's page cache, once what is queued is written (the row
    /// thread uses the connection).
    public func setPageCache(kibibytes: Int) throws {
        try rows.drain()
        try database.setPageCache(kibibytes: kibibytes)
    }

    /// Drops the indexes named until `buildDeferredIndexes` (migration 0013), in a
    /// transaction of its own: the open batch, if any, is committed first.
    public func deferIndexes(_ names: [String]) throws {
        try commit()
        try rows.drain()
        try database.deferIndexes(names)
    }

    /// Builds the indexes `deferIndexes` dropped, the open batch, if any, committed first.
    public func buildDeferredIndexes() throws {
        try commit()
        try rows.drain()
        try database.buildDeferredIndexes()
    }

    /// The id the next queue visit will get, in a session: the visits numbered so far.
    public var nextVisitID: Int64? { ids?.nextVisitID }

    // MARK: Sessions

    /// Records the start of a collection session (a new TCP connection) and returns its id.
    @discardableResult
    public func beginSession(server: String, connectedAt: Double) throws -> Int64 {
        if session != nil {
            try endSession(reason: "superseded", at: connectedAt)
        }
        try rows.drain()
        try database.write {
            try closeAbandonedSessions()
            try database.execute(
                "INSERT INTO collection_session (server, connected_at) VALUES (?, ?)",
                server, connectedAt
            )
        }
        let id = database.lastInsertedRowID
        try startSessionState(id: id)
        return id
    }

    /// The state a session starts from, read while nothing else writes (see `RowIDs` and
    /// `PreexistingRows`).
    func startSessionState(id: Int64) throws {
        session = SessionContext(id: id)
        derived = DerivedState()
        journalBlock = nil
        ids = try RowIDs(reading: database)
        preexisting = try PreexistingRows(reading: database, sessionID: id)
    }

    /// The protocol version and transport the session ended up using (after login).
    public func describeSession(protocolVersion: String, tls: Bool) throws {
        guard let session else { return }
        try inBatch(now: nil) {
            try rows.write(SessionDescribed(protocol: protocolVersion, tls: tls, sessionID: session.id))
        }
    }

    /// Ends the current session: commits what was received, closes every open interval,
    /// visit and call at the session's end on the server's clock, and records why it ended.
    ///
    /// The end is the server's clock at `localNow` (its last event time plus the local time
    /// since that line was received). With `localNow` nil it is one millisecond after the last
    /// event: for a session the server ended as asked (`collect --once`), whose end then
    /// depends only on what the server sent, not on how long this machine took to see the
    /// close. The close came after the last line; a millisecond, the smallest step the reports
    /// print, keeps a caller who left at the last event apart from one still waiting at the
    /// end (left at the session's `ended_at`, see `NowQueries.waitingSQL`).
    public func endSession(reason: String, at localNow: Double?) throws {
        guard let current = session else { return }
        // No message, no coverage: a session that never heard the server has no end either.
        let serverEnd = localNow.map { current.serverTime(atLocal: $0) } ?? current.lastEventTime.map { $0 + 0.001 }
        let end = current.startedAt.map { max($0, serverEnd ?? $0) }
        try inBatch(now: nil) {
            if queueLog != nil {
                // Before the close: what is open now is what the next import goes on from.
                try writeQueueLogSourceState()
            }
            if let end {
                try closeDerivedState(at: end)
            }
            try rows.write(SessionEnded(endedAt: end, endReason: reason, lastEventAt: current.lastEventTime, sessionID: current.id))
            // The commit below must not carry the closed state over the one written above.
            queueLog = nil
        }
        try commit()
        try rows.drain()
        session = nil
        queueLog = nil
        journalBlock = nil
        derived = DerivedState()
    }

    /// Forgets the current session without writing anything more: for when the database
    /// itself fails (a full disk). The open batch is rolled back; the session row stays open
    /// in the database and is closed at its last recorded event by the next `beginSession`.
    public func abandonSession() {
        rows.rollBackPending()
        batchOpenedAt = nil
        batchMessages = 0
        ids = nil
        journalBlock = nil
        session = nil
        queueLog = nil
        derived = DerivedState()
    }

    /// A crash leaves a session without an end and its intervals open: close them at the
    /// session's last journaled event, which is the last thing known to have happened.
    func closeAbandonedSessions() throws {
        var abandoned: [Int64] = []
        try database.makeStatement("SELECT session_id FROM collection_session WHERE end_reason IS NULL ORDER BY session_id")
            .forEachRow { abandoned.append($0.int64(0)) }
        for id in abandoned {
            let lastEvent = try JournalReader(database: database).latestEventTime(sessionID: id)
            try database.execute(
                "UPDATE collection_session SET ended_at = coalesce(?, started_at), last_event_at = ?, end_reason = ? WHERE session_id = ?",
                lastEvent, lastEvent, Self.abandonedReason, id
            )
            try closeAbandoned(sessionID: id, at: lastEvent)
            logger.notice("closed collection session \(id), which a previous run left open, at its last recorded event")
        }
    }

    static let abandonedReason = "collector_stopped_unexpectedly"

    /// What a session a crash left open keeps: its intervals end at its last event, and what
    /// was in progress has an unknown outcome. Calls in progress were never written (they are
    /// written when they end), so nothing of them remains. Replay applies the same closure.
    func closeAbandoned(sessionID id: Int64, at end: Double?) throws {
        // The session's open rows, if any are still held, must be in the table to be closed.
        try rows.drain()
        try database.execute("UPDATE agent_state_interval SET end_time = max(start_time, coalesce(?, start_time)) WHERE session_id = ? AND end_time IS NULL", end, id)
        try database.execute("UPDATE queue_visit SET outcome = 'unknown' WHERE session_id = ? AND outcome IS NULL", id)
    }

    // MARK: Lines

    /// Journals one line as received and applies what it means.
    ///
    /// Never throws for bad input (a line that is not JSON, not an object, or of an unknown
    /// class is journaled with the reason and otherwise skipped); throws only when the
    /// database fails, and then the open batch is rolled back.
    public func record(line: UnsafeRawBufferPointer, receivedAt: Double) throws {
        let decoded = Result { () throws(DecodeError) in try ServerMessage.decode(line) }
        try record(line: line, decoded: decoded, receivedAt: receivedAt)
    }

    /// The same, for a line the caller already decoded (the collector decodes on the
    /// connection's thread); `decoded` must be what `ServerMessage.decode(line)` gives.
    public func record(line: UnsafeRawBufferPointer, decoded: borrowing Result<ServerMessage, DecodeError>, receivedAt: Double) throws {
        guard session != nil else {
            throw RecorderError.noSession
        }
        try inBatch(now: receivedAt) {
            try apply(line: line, decoded: decoded, receivedAt: receivedAt)
        }
        statistics.messages += 1
        statistics.lastReceivedAt = receivedAt
        batchMessages += 1
        if batchMessages >= options.batchMaxMessages {
            try commit()
        }
    }

    public func record(line: [UInt8], receivedAt: Double) throws {
        try line.withUnsafeBytes { try record(line: $0, receivedAt: receivedAt) }
    }

    /// Journals a line that could not be received whole (longer than the framing limit),
    /// keeping its first bytes, so the journal says what happened.
    public func recordOversizedLine(prefix: [UInt8], byteCount: Int, receivedAt: Double) throws {
        guard let current = session else { throw RecorderError.noSession }
        try inBatch(now: receivedAt) {
            let time = current.serverTime(atLocal: receivedAt) ?? receivedAt
            try insertJournal(
                receivedAt: receivedAt, eventTime: time,
                malformed: "line longer than the limit (\(byteCount) bytes or more): connection dropped", line: prefix
            )
        }
        statistics.malformed += 1
    }

    // MARK: Row ids

    /// The id of a row the recorder numbers itself (see `RowIDs`). Channel events were the
    /// first: a call's id is the id of its first event, known when that event is written, so
    /// each event is written with its call's id and never updated (unless two calls merge).
    /// Only called inside a batch, which reads the ids when they are not known.
    @inline(__always)
    func takeID(_ next: WritableKeyPath<RowIDs, Int64>) -> Int64 {
        guard var current = ids else {
            preconditionFailure("a row was numbered outside a batch")
        }
        let id = current.take(next)
        ids = current
        return id
    }

    // MARK: Batches

    /// Commits the open batch when it is older than the batch age (call this on a timer too,
    /// so a quiet connection still commits within the bound).
    @discardableResult
    public func commitIfDue(now: Double) throws -> Bool {
        guard let openedAt = batchOpenedAt, now - openedAt >= options.batchMaxAge else { return false }
        try commit()
        return true
    }

    /// Commits the open batch, if any.
    public func commit() throws {
        guard batchOpenedAt != nil else { return }
        if let current = session, let lastEvent = current.lastEventTime {
            try flushDirtyObjects()
            try rows.write(SessionLastEvent(lastEventAt: lastEvent, sessionID: current.id))
        }
        if queueLog != nil {
            // With the lines it follows from, so a kill between two commits leaves the state
            // and the lines read in agreement.
            try writeQueueLogSourceState()
        }
        try writeJournalBlock()
        try rows.commit()
        batchOpenedAt = nil
        batchMessages = 0
        statistics.commits += 1
    }

    /// True while received lines wait for a commit.
    public var hasPendingBatch: Bool { batchOpenedAt != nil }

    func inBatch(now: Double?, _ body: () throws -> Void) throws {
        do {
            if batchOpenedAt == nil {
                if ids == nil {
                    // After a rolled-back batch: its ids are free again.
                    try rows.drain()
                    ids = try RowIDs(reading: database)
                }
                try rows.begin()
                batchOpenedAt = now ?? statistics.lastReceivedAt ?? 0
            }
            try body()
        } catch {
            rows.rollBackPending()
            batchOpenedAt = nil
            batchMessages = 0
            ids = nil
            journalBlock = nil
            throw error
        }
    }
}

/// Ends a recorder's writing thread (`Recorder.startWritingInBackground`).
public final class BackgroundWrites: Sendable {
    private let pipeline: RowPipeline

    init(_ pipeline: RowPipeline) {
        self.pipeline = pipeline
    }

    /// Writes what was handed over, then ends the thread; the recorder must not be used after.
    public func stop() {
        pipeline.stop()
    }
}

public enum RecorderError: Error, CustomStringConvertible {
    case noSession

    public var description: String {
        switch self {
        case .noSession: return "a line was recorded outside a collection session"
        }
    }
}
