import Storage

extension Database {
    /// Copies the journal, one row per line, into a temporary table `journal` of this
    /// connection, read back through `JournalReader` (blocks and unconverted lines alike):
    /// tests then check lines with SQL. Columns: seq, session_id, received_at, event_time,
    /// class (the line's JSON `class`), malformed, line. A snapshot: take it again after more
    /// lines are recorded.
    public func snapshotJournal() throws {
        try execute(sql: "DROP TABLE IF EXISTS temp.journal")
        try execute(sql: """
            CREATE TEMP TABLE journal (
                seq INTEGER PRIMARY KEY, session_id INTEGER, received_at REAL, event_time REAL,
                class TEXT, malformed TEXT, line BLOB)
            """)
        let insert = try makeStatement("""
            INSERT INTO temp.journal VALUES (?, ?, ?, ?,
                CASE WHEN json_valid(CAST(?5 AS TEXT)) THEN json_extract(CAST(?5 AS TEXT), '$.class') END, ?, ?5)
            """)
        try JournalReader(database: self).forEachLine { line in
            try insert.execute(line.seq, line.sessionID, line.receivedAt, line.eventTime, DatabaseValue.blob(Array(line.bytes)),
                               line.malformed)
        }
    }
}

extension Database {
    /// Moves the received time of the journal's lines `seq <= last` back by `seconds`,
    /// rewriting their blocks: how a test makes lines "30 days old" for `prune` (nothing else
    /// reads received times, and every derived row keeps its own times). A connection that may
    /// write, not in a transaction.
    public func ageJournal(throughSeq last: Int64, by seconds: Double) throws {
        var blocks: [(first: Int64, last: Int64, session: Int64)] = []
        try makeStatement("SELECT first_seq, last_seq, session_id FROM journal_block WHERE first_seq <= ? ORDER BY first_seq")
            .forEachRow([last]) { blocks.append(($0.int64(0), $0.int64(1), $0.int64(2))) }
        let compressor = try ZstdCompressor()
        try write {
            for block in blocks {
                var builder = JournalBlockBuilder(firstSeq: block.first, sessionID: block.session)
                try JournalReader(database: self).forEachLine(JournalFilter(fromSeq: block.first, throughSeq: block.last)) { line in
                    builder.append(receivedAt: line.seq <= last ? line.receivedAt - seconds : line.receivedAt,
                                   eventTime: line.eventTime, decoded: line.malformed == nil, line: line.bytes)
                }
                try execute(
                    "UPDATE journal_block SET first_received_at = ?, last_received_at = ?, lines = ? WHERE first_seq = ?",
                    builder.firstReceivedAt, builder.lastReceivedAt, DatabaseValue.blob(try builder.compressed(with: compressor)),
                    block.first)
            }
            try execute("UPDATE journal_line SET received_at = received_at - ? WHERE seq <= ?", seconds, last)
        }
    }
}
