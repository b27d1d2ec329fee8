import Storage

/// Moves the lines an older version stored one per row (`journal_line`) into compressed
/// blocks (`journal_block`), the oldest first, a block per transaction (schema version 8,
/// migrations/0008_journal_blocks.sql). `callstats migrate` runs it.
///
/// Each transaction reads up to a block's worth of consecutive lines of one session, writes
/// their block (and the reasons of the malformed ones) and deletes them: a kill between two
/// transactions loses nothing, and the next run goes on where this one stopped. Like the
/// pruner it does not take the `WriterLock`: its transactions are a few milliseconds long,
/// and a collector running beside it only writes new blocks after every line it converts.
public struct JournalConverter {
    public struct Outcome: Sendable, Equatable {
        public let lines: Int64
        public let blocks: Int
    }

    let database: Database
    let lockWaitLimitSeconds: Double

    /// - Parameter database: a read-write connection at the latest schema, not in a
    ///   transaction. Its busy timeout is turned off: `beginImmediateWhenFree` does the waiting.
    public init(database: Database, lockWaitLimitSeconds: Double = 120) throws(StorageError) {
        self.database = database
        self.lockWaitLimitSeconds = lockWaitLimitSeconds
        try database.execute(sql: "PRAGMA busy_timeout = 0")
    }

    /// Lines still stored one per row.
    public func remainingLines() throws(StorageError) -> Int64 {
        try database.fetchInt64("SELECT count(*) FROM journal_line") ?? 0
    }

    /// Converts every line, calling `progress(lines converted, lines there were)` after each
    /// block is committed (what it throws stops the conversion there).
    public func convert(progress: (Int64, Int64) throws -> Void = { _, _ in }) throws -> Outcome {
        let total = try remainingLines()
        var converted: Int64 = 0
        var blocks = 0
        guard total > 0 else { return Outcome(lines: 0, blocks: 0) }
        let rows = try RowWriter(database: database)
        let oldest = try database.makeStatement("""
            SELECT seq, session_id, received_at, event_time, malformed, line FROM journal_line ORDER BY seq LIMIT ?
            """)
        while true {
            try database.beginImmediateWhenFree(waitingUpTo: lockWaitLimitSeconds)
            do {
                var block: JournalBlockBuilder?
                var malformed: [JournalMalformedRow] = []
                try oldest.forEachRow([Int64(JournalBlock.maximumLines)]) { row in
                    let seq = row.int64(0)
                    let sessionID = row.int64(1)
                    // A block is consecutive lines of one session: stop at a gap or another session.
                    if let current = block, current.sessionID != sessionID || current.nextSeq != seq || current.isFull {
                        return
                    }
                    if block == nil { block = JournalBlockBuilder(firstSeq: seq, sessionID: sessionID) }
                    let reason = row.string(4)
                    row.withBlob(5) { line in
                        block?.append(receivedAt: row.double(2), eventTime: row.double(3), decoded: reason == nil, line: line)
                    }
                    if let reason { malformed.append(JournalMalformedRow(seq: seq, reason: reason)) }
                }
                guard let block else {
                    try database.commit()
                    break
                }
                try block.withContent { try rows.write(JournalBlockRow(block, content: $0)) }
                for row in malformed {
                    try rows.write(row)
                }
                try database.execute("DELETE FROM journal_line WHERE seq >= ? AND seq <= ?", block.firstSeq, block.lastSeq)
                try database.commit()
                converted += Int64(block.count)
                blocks += 1
            } catch {
                database.rollback()
                throw error
            }
            try progress(converted, total)
            // Outside any transaction: keeps the WAL small when no collector checkpoints it.
            try database.execute(sql: "PRAGMA wal_checkpoint(PASSIVE)")
        }
        return Outcome(lines: converted, blocks: blocks)
    }
}
