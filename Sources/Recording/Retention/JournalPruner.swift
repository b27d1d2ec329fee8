import Storage

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `callstats prune`: deletes the oldest journal lines, keeps every derived row, and never
/// blocks a running collector for long.
///
/// Rules (docs/RECORDING.md, "Pruning the journal"):
/// - What goes is a prefix of the journal: the lines before the first line received at or after
///   the cut-off (`received_at`, local clock). The journal stays "every line from
///   `first_kept_seq` on", which is what `journal_prune` records and `replay` checks.
/// - The newest line is always kept, so SQLite never hands out a deleted `seq` again (an
///   `INTEGER PRIMARY KEY` takes max + 1) and derived rows' `journal_seq` stay unambiguous.
/// - A session that is still open keeps its latest event: the next writer closes a session a
///   crash left open at that event (`Recorder.closeAbandonedSessions`), and must find it.
/// - Derived rows are not touched: nothing references `journal` by foreign key, and their
///   `journal_seq` simply names a line that is gone.
/// - The deletion runs in short `BEGIN IMMEDIATE` transactions whose size adapts so each holds
///   the write lock for about `targetTransactionSeconds`, with a pause between them: the
///   collector's writes wait at most one such transaction, far below its busy timeout.
///   The pruner does not take the `WriterLock`: it is meant to run beside the collector.
public struct JournalPruner {
    public struct Options: Sendable {
        /// Lines in the first transaction; later ones adapt to the measured time.
        public var initialBatch = 2_000
        public var minimumBatch = 50
        /// A bound whatever the measurements say: a transaction's stalls (another process's
        /// fsync, the machine's load) grow with what it writes.
        public var maximumBatch = 5_000
        /// The time each transaction should hold the write lock: a quarter of the 100 ms a
        /// collector may be kept waiting, leaving room for a slow disk's or a loaded
        /// machine's surprises (measured: BENCHMARKS.md, "Prune").
        public var targetTransactionSeconds = 0.025
        /// Pause between transactions. Longer than the collector's longest wait between two
        /// tries for the lock (50 ms in `LockWaiter`), so a waiting collector always gets its
        /// turn before the next transaction.
        public var pauseSeconds = 0.06
        /// How long to keep asking for a write turn (each ask waits up to the connection's
        /// busy timeout) before giving up.
        public var lockWaitLimitSeconds = 120.0

        public init() {}
    }

    /// What a prune would delete, computed from one read snapshot.
    public struct Plan: Sendable, Equatable {
        public let olderThan: Double
        /// The oldest line in the journal now; nil when it is empty.
        public let firstSeq: Int64?
        /// Lines with a smaller seq are deleted.
        public let firstKeptSeq: Int64?
        public let lines: Int64
        /// Received time of the newest line that goes, and of the oldest that stays.
        public let newestDeletedReceivedAt: Double?
        public let oldestKeptReceivedAt: Double?
        /// Set when an open collection session kept older lines than the cut-off allows.
        public let heldBySession: Int64?
        /// Set when only the journal's newest line kept older lines (the whole journal is old).
        public let heldByNewestLine: Bool
    }

    public struct Outcome: Sendable, Equatable {
        public let plan: Plan
        public let deleted: Int64
        public let transactions: Int
        /// The longest time one transaction held the write lock, from `BEGIN IMMEDIATE`
        /// returning to `COMMIT` returning.
        public let longestTransactionSeconds: Double
        public let largestBatch: Int
        public let elapsedSeconds: Double
        /// Each transaction's lines and lock time, in order.
        public let batches: [Batch]

        public struct Batch: Sendable, Equatable {
            public let lines: Int
            public let seconds: Double
        }

        /// The lock time below which `fraction` of the transactions stayed.
        public func percentile(_ fraction: Double) -> Double {
            let sorted = batches.map(\.seconds).sorted()
            guard !sorted.isEmpty else { return 0 }
            return sorted[min(sorted.count - 1, Int((Double(sorted.count) * fraction).rounded(.up)) - 1)]
        }
    }

    let database: Database
    let options: Options

    /// - Parameter database: a read-write connection (`Database.openWriter`), not in a
    ///   transaction. Its automatic checkpoints are turned off: the pruner checkpoints
    ///   between transactions, so checkpoint time is never counted as lock time. Its busy
    ///   timeout is turned off too: `beginWhenAllowed` does the waiting (reads and passive
    ///   checkpoints in WAL mode never wait for a lock).
    public init(database: Database, options: Options = Options()) throws(StorageError) {
        self.database = database
        self.options = options
        try database.execute(sql: "PRAGMA wal_autocheckpoint = 0")
        try database.execute(sql: "PRAGMA busy_timeout = 0")
    }

    // MARK: Planning

    public func plan(olderThan cutoff: Double) throws -> Plan {
        try database.read {
            let journal = JournalReader(database: database)
            guard let first = try journal.firstSeq(), let newest = try newestPieceSeq() else {
                return Plan(olderThan: cutoff, firstSeq: nil, firstKeptSeq: nil, lines: 0, newestDeletedReceivedAt: nil,
                            oldestKeptReceivedAt: nil, heldBySession: nil, heldByNewestLine: false)
            }
            let firstRecent = try firstPieceReceived(atOrAfter: cutoff)
            var keep = firstRecent ?? newest
            var heldBy: Int64?
            for (session, latest) in try openSessionsLatestEvents(before: keep) where latest < keep {
                keep = latest
                heldBy = session
            }
            let lines = try linesBefore(keep)
            return Plan(
                olderThan: cutoff, firstSeq: first, firstKeptSeq: keep, lines: lines,
                newestDeletedReceivedAt: lines == 0 ? nil : try lastReceivedAt(before: keep),
                oldestKeptReceivedAt: try firstReceivedAt(atOrAfter: keep),
                heldBySession: heldBy,
                heldByNewestLine: firstRecent == nil && heldBy == nil)
        }
    }

    // The journal is read and deleted in pieces: a block (`journal_block`) or a line an older
    // version stored on its own (`journal_line`). A piece goes whole or stays whole.

    /// The first seq of the newest piece, which always stays.
    private func newestPieceSeq() throws -> Int64? {
        let block = try database.fetchInt64("SELECT max(first_seq) FROM journal_block")
        let line = try database.fetchInt64("SELECT max(seq) FROM journal_line")
        return [block, line].compactMap { $0 }.max()
    }

    /// The first piece with a line received at or after `cutoff`. A scan in seq order that
    /// stops there: it reads only what goes.
    private func firstPieceReceived(atOrAfter cutoff: Double) throws -> Int64? {
        let block = try database.fetchInt64(
            "SELECT first_seq FROM journal_block WHERE last_received_at >= ? ORDER BY first_seq LIMIT 1", cutoff)
        let line = try database.fetchInt64(
            "SELECT seq FROM journal_line WHERE received_at >= ? ORDER BY seq LIMIT 1", cutoff)
        return [block, line].compactMap { $0 }.min()
    }

    private func linesBefore(_ seq: Int64) throws -> Int64 {
        try lines(from: Int64.min, before: seq)
    }

    /// Lines of the pieces whose first seq is in `low..<high`.
    private func lines(from low: Int64, before high: Int64) throws -> Int64 {
        (try database.fetchInt64(
            "SELECT sum(last_seq - first_seq + 1) FROM journal_block WHERE first_seq >= ? AND first_seq < ?", low, high) ?? 0)
            + (try database.fetchInt64("SELECT count(*) FROM journal_line WHERE seq >= ? AND seq < ?", low, high) ?? 0)
    }

    private func lastReceivedAt(before seq: Int64) throws -> Double? {
        let newest: [(Int64, Double)?] = [
            try database.makeStatement(
                "SELECT first_seq, last_received_at FROM journal_block WHERE first_seq < ? ORDER BY first_seq DESC LIMIT 1"
            ).firstRow([seq]) { ($0.int64(0), $0.double(1)) },
            try database.makeStatement("SELECT seq, received_at FROM journal_line WHERE seq < ? ORDER BY seq DESC LIMIT 1")
                .firstRow([seq]) { ($0.int64(0), $0.double(1)) },
        ]
        return newest.compactMap { $0 }.max { $0.0 < $1.0 }?.1
    }

    private func firstReceivedAt(atOrAfter seq: Int64) throws -> Double? {
        let oldest: [(Int64, Double)?] = [
            try database.makeStatement(
                "SELECT first_seq, first_received_at FROM journal_block WHERE first_seq >= ? ORDER BY first_seq LIMIT 1"
            ).firstRow([seq]) { ($0.int64(0), $0.double(1)) },
            try database.makeStatement("SELECT seq, received_at FROM journal_line WHERE seq >= ? ORDER BY seq LIMIT 1")
                .firstRow([seq]) { ($0.int64(0), $0.double(1)) },
        ]
        return oldest.compactMap { $0 }.min { $0.0 < $1.0 }?.1
    }

    /// For each collection session still open with lines before `seq`: the first seq of the
    /// piece holding its latest event (where `closeAbandonedSessions` would close it: the
    /// latest `event_time` among its decoded lines).
    private func openSessionsLatestEvents(before seq: Int64) throws -> [(session: Int64, seq: Int64)] {
        var open: [Int64] = []
        try database.makeStatement("SELECT session_id FROM collection_session WHERE ended_at IS NULL ORDER BY session_id")
            .forEachRow { open.append($0.int64(0)) }
        var result: [(Int64, Int64)] = []
        for session in open {
            let hasOldLines = try database.fetchInt64(
                "SELECT 1 FROM journal_block WHERE first_seq < ? AND session_id = ? LIMIT 1", seq, session) != nil
                || database.fetchInt64("SELECT 1 FROM journal_line WHERE seq < ? AND session_id = ? LIMIT 1", seq, session) != nil
            guard hasOldLines else { continue }
            let latest: [(event: Double, seq: Int64)?] = [
                try database.makeStatement("""
                    SELECT last_event_time, first_seq FROM journal_block WHERE session_id = ? AND last_event_time IS NOT NULL
                    ORDER BY last_event_time DESC, first_seq DESC LIMIT 1
                    """).firstRow([session]) { ($0.double(0), $0.int64(1)) },
                try database.makeStatement("""
                    SELECT event_time, seq FROM journal_line WHERE session_id = ? AND malformed IS NULL
                    ORDER BY event_time DESC, seq DESC LIMIT 1
                    """).firstRow([session]) { ($0.double(0), $0.int64(1)) },
            ]
            if let piece = latest.compactMap({ $0 }).max(by: { ($0.event, $0.seq) < ($1.event, $1.seq) }) {
                result.append((session, piece.seq))
            }
        }
        return result
    }

    // MARK: Deleting

    /// Deletes what `plan` says, in short transactions. `progress` hears about every committed
    /// transaction (lines deleted so far, the plan's total).
    public func prune(_ plan: Plan, progress: (Int64, Int64) -> Void = { _, _ in }) throws -> Outcome {
        let started = Self.monotonicNow()
        guard let firstKept = plan.firstKeptSeq, var low = plan.firstSeq, plan.lines > 0 else {
            return Outcome(plan: plan, deleted: 0, transactions: 0, longestTransactionSeconds: 0, largestBatch: 0, elapsedSeconds: 0, batches: [])
        }
        var batch = options.initialBatch
        var pruneID: Int64?
        var deleted: Int64 = 0
        var transactions = 0
        var longest = 0.0
        var largest = 0
        var batches: [Outcome.Batch] = []
        let startedAt = Self.wallClockNow()
        while low < firstKept {
            let high = min(firstKept, low + Int64(batch))
            if transactions > 0 { usleep(UInt32(options.pauseSeconds * 1_000_000)) }
            try database.beginImmediateWhenFree(waitingUpTo: options.lockWaitLimitSeconds)
            let lockedAt = Self.monotonicNow()
            let count: Int
            do {
                if pruneID == nil {
                    try database.execute("""
                        INSERT INTO journal_prune (started_at, finished_at, older_than, first_kept_seq, lines) VALUES (?, ?, ?, ?, 0)
                        """, startedAt, startedAt, plan.olderThan, low)
                    pruneID = database.lastInsertedRowID
                }
                // Whole pieces: a block starting in the range ends before `firstKept`, which
                // is a piece's first seq.
                count = Int(try lines(from: low, before: high))
                try database.execute("DELETE FROM journal_block WHERE first_seq >= ? AND first_seq < ?", low, high)
                try database.execute("DELETE FROM journal_line WHERE seq >= ? AND seq < ?", low, high)
                try database.execute("DELETE FROM journal_malformed WHERE seq >= ? AND seq < ?", low, high)
                try database.execute(
                    "UPDATE journal_prune SET first_kept_seq = ?, lines = lines + ?, finished_at = ? WHERE prune_id = ?",
                    high, Int64(count), Self.wallClockNow(), pruneID)
                try database.commit()
            } catch {
                database.rollback()
                throw error
            }
            let held = Self.monotonicNow() - lockedAt
            transactions += 1
            deleted += Int64(count)
            longest = max(longest, held)
            largest = max(largest, count)
            batches.append(Outcome.Batch(lines: count, seconds: held))
            low = high
            progress(deleted, plan.lines)
            batch = nextBatch(after: batch, took: held)
            // Outside any transaction: never blocks the collector, keeps the WAL small when
            // no collector checkpoints it.
            try database.execute(sql: "PRAGMA wal_checkpoint(PASSIVE)")
        }
        return Outcome(plan: plan, deleted: deleted, transactions: transactions, longestTransactionSeconds: longest,
                       largestBatch: largest, elapsedSeconds: Self.monotonicNow() - started, batches: batches)
    }

    /// Scales the batch towards the target time, at most doubling or halving at once.
    func nextBatch(after batch: Int, took seconds: Double) -> Int {
        let scaled = Double(batch) * options.targetTransactionSeconds / max(seconds, 0.000_1)
        let bounded = min(Double(batch) * 2, max(Double(batch) / 2, scaled))
        return min(options.maximumBatch, max(options.minimumBatch, Int(bounded)))
    }

    // MARK: History

    /// The first journal line every prune so far left in place (`nil`: never pruned).
    public static func firstKeptSeq(_ database: Database) throws(StorageError) -> Int64? {
        try database.fetchInt64("SELECT max(first_kept_seq) FROM journal_prune WHERE lines > 0")
    }

    static func monotonicNow() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1_000_000_000
    }

    static func wallClockNow() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1_000_000_000
    }
}

/// `replay` after a prune: it would rebuild the derived tables from what is left of the
/// journal and lose every row older than it.
public struct JournalPrunedError: Error, CustomStringConvertible {
    public let firstKeptSeq: Int64

    public var description: String {
        "the journal was pruned (lines before seq \(firstKeptSeq) were deleted by callstats prune): "
            + "replay would rebuild the derived tables from the lines left and lose everything older, so it does not run"
    }
}
