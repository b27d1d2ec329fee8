/// One journal line as received, read back (`JournalReader`).
public struct JournalLine {
    public let seq: Int64
    public let sessionID: Int64
    /// Local clock.
    public let receivedAt: Double
    /// Server clock (metrics.md "Time").
    public let eventTime: Double
    /// Why the line could not be decoded; nil when it could.
    public let malformed: String?
    /// The exact bytes received, without the line end. Valid only during the call that lends
    /// the line: copy them (`Array(line.bytes)`) to keep them.
    public let bytes: UnsafeRawBufferPointer
}

/// Which lines to read; every filter left nil lets every line through.
public struct JournalFilter: Sendable {
    public var sessionID: Int64?
    /// Received at or after (local clock).
    public var receivedFrom: Double?
    /// Received before (local clock).
    public var receivedBefore: Double?
    /// Seq at least.
    public var fromSeq: Int64?
    /// Seq at most.
    public var throughSeq: Int64?

    public init(sessionID: Int64? = nil, receivedFrom: Double? = nil, receivedBefore: Double? = nil, fromSeq: Int64? = nil,
                throughSeq: Int64? = nil) {
        self.sessionID = sessionID
        self.receivedFrom = receivedFrom
        self.receivedBefore = receivedBefore
        self.fromSeq = fromSeq
        self.throughSeq = throughSeq
    }
}

/// Reads the journal back in seq order, from its compressed blocks and from the lines an older
/// version stored one per row and `callstats migrate` has not converted yet (`journal_line`).
///
/// Streams: one block is decompressed at a time, so memory stays bounded by a block whatever
/// the range read.
public struct JournalReader {
    let database: Database

    public init(database: Database) {
        self.database = database
    }

    /// Calls `body` for every line the filter lets through, in seq order.
    public func forEachLine(_ filter: JournalFilter = JournalFilter(), _ body: (JournalLine) throws -> Void) throws {
        // Each filter as a condition on blocks and one on lines: fixed text, the value bound.
        let filters: [(block: String, line: String, value: (any DatabaseBindable)?)] = [
            ("session_id = ?", "session_id = ?", filter.sessionID),
            ("last_received_at >= ?", "received_at >= ?", filter.receivedFrom),
            ("first_received_at < ?", "received_at < ?", filter.receivedBefore),
            ("last_seq >= ?", "seq >= ?", filter.fromSeq),
            ("first_seq <= ?", "seq <= ?", filter.throughSeq),
        ]
        let given = filters.compactMap { entry in entry.value.map { (entry.block, entry.line, $0) } }
        let blockConditions = given.map(\.0)
        let lineConditions = given.map(\.1)
        let values = given.map(\.2) + given.map(\.2)
        func whereClause(_ conditions: [String]) -> String {
            conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
        }
        // Both tables in seq order, merged by SQLite (a compound ORDER BY on the rowids needs
        // no sort). Block rows carry no per-line values: those are inside `lines`.
        let statement = try database.makeStatement("""
            SELECT first_seq, session_id, lines, NULL, NULL, NULL, last_seq FROM journal_block\(whereClause(blockConditions))
            UNION ALL
            SELECT seq, session_id, line, received_at, event_time, malformed, NULL FROM journal_line\(whereClause(lineConditions))
            ORDER BY 1
            """)
        let malformed = try database.cachedStatement(
            "SELECT seq, reason FROM journal_malformed WHERE seq >= ? AND seq <= ?")
        var scratch: [UInt8] = []
        try statement.forEachRow(values) { row in
            let firstSeq = row.int64(0)
            let sessionID = row.int64(1)
            guard let lastSeq = row.optionalInt64(6) else {
                try row.withBlob(2) { bytes in
                    try body(JournalLine(
                        seq: firstSeq, sessionID: sessionID, receivedAt: row.double(3), eventTime: row.double(4),
                        malformed: row.string(5), bytes: bytes))
                }
                return
            }
            try row.withBlob(2) { compressed in
                // The reasons of the block's malformed lines (rare).
                var reasons: [Int64: String] = [:]
                try malformed.forEachRow([firstSeq, lastSeq]) {
                    reasons[$0.int64(0)] = $0.string(1)
                }
                try JournalBlock.forEachLine(firstSeq: firstSeq, compressed: compressed, scratch: &scratch) {
                    seq, receivedAt, eventTime, bytes in
                    if let from = filter.receivedFrom, receivedAt < from { return }
                    if let before = filter.receivedBefore, receivedAt >= before { return }
                    if let fromSeq = filter.fromSeq, seq < fromSeq { return }
                    if let throughSeq = filter.throughSeq, seq > throughSeq { return }
                    try body(JournalLine(
                        seq: seq, sessionID: sessionID, receivedAt: receivedAt, eventTime: eventTime,
                        malformed: reasons[seq], bytes: bytes))
                }
            }
        }
    }
}

extension JournalReader {
    /// The largest seq in the journal: the next line is numbered one more.
    public func lastSeq() throws(StorageError) -> Int64? {
        let block = try database.fetchInt64("SELECT last_seq FROM journal_block ORDER BY first_seq DESC LIMIT 1")
        let line = try database.fetchInt64("SELECT max(seq) FROM journal_line")
        return [block, line].compactMap { $0 }.max()
    }

    public func firstSeq() throws(StorageError) -> Int64? {
        let block = try database.fetchInt64("SELECT min(first_seq) FROM journal_block")
        let line = try database.fetchInt64("SELECT min(seq) FROM journal_line")
        return [block, line].compactMap { $0 }.min()
    }

    /// Lines in the journal (of one session, when given).
    public func lineCount(sessionID: Int64? = nil) throws(StorageError) -> Int64 {
        let blocks: Int64?
        let lines: Int64?
        if let sessionID {
            blocks = try database.fetchInt64(
                "SELECT sum(last_seq - first_seq + 1) FROM journal_block WHERE session_id = ?", sessionID)
            lines = try database.fetchInt64("SELECT count(*) FROM journal_line WHERE session_id = ?", sessionID)
        } else {
            blocks = try database.fetchInt64("SELECT sum(last_seq - first_seq + 1) FROM journal_block")
            lines = try database.fetchInt64("SELECT count(*) FROM journal_line")
        }
        return (blocks ?? 0) + (lines ?? 0)
    }

    /// Lines journaled with the reason they could not be decoded.
    public func malformedCount() throws(StorageError) -> Int64 {
        (try database.fetchInt64("SELECT count(*) FROM journal_malformed") ?? 0)
            + (try database.fetchInt64("SELECT count(*) FROM journal_line WHERE malformed IS NOT NULL") ?? 0)
    }

    /// When the newest line (of one session, when given) was received, on the local clock.
    public func lastReceivedAt(sessionID: Int64? = nil) throws -> Double? {
        let newest: [(seq: Int64, receivedAt: Double)?]
        if let sessionID {
            newest = [
                try database.cachedStatement(
                    "SELECT last_seq, last_received_at FROM journal_block WHERE session_id = ? ORDER BY first_seq DESC LIMIT 1"
                ).firstRow([sessionID]) { ($0.int64(0), $0.double(1)) },
                try database.cachedStatement(
                    "SELECT seq, received_at FROM journal_line WHERE session_id = ? ORDER BY seq DESC LIMIT 1"
                ).firstRow([sessionID]) { ($0.int64(0), $0.double(1)) },
            ]
        } else {
            newest = [
                try database.cachedStatement(
                    "SELECT last_seq, last_received_at FROM journal_block ORDER BY first_seq DESC LIMIT 1"
                ).firstRow { ($0.int64(0), $0.double(1)) },
                try database.cachedStatement("SELECT seq, received_at FROM journal_line ORDER BY seq DESC LIMIT 1")
                    .firstRow { ($0.int64(0), $0.double(1)) },
            ]
        }
        return newest.compactMap { $0 }.max { $0.seq < $1.seq }?.receivedAt
    }

    /// The latest event time among a session's lines that could be decoded: where a session a
    /// crash left open ends.
    public func latestEventTime(sessionID: Int64) throws(StorageError) -> Double? {
        let block = try database.fetchDouble(
            "SELECT max(last_event_time) FROM journal_block WHERE session_id = ?", sessionID)
        let line = try database.fetchDouble(
            "SELECT max(event_time) FROM journal_line WHERE session_id = ? AND malformed IS NULL", sessionID)
        return [block, line].compactMap { $0 }.max()
    }
}
