import Storage

/// Each started collection session's `[started_at, end)` by session id, the span every state
/// interval and statistic value is clipped to (docs/METRICS.md "Coverage"). Read once per
/// report: a few rows per day of collection.
struct SessionSpans {
    struct Span {
        let start: Double
        let end: Double
    }

    private var spans: [Int64: Span] = [:]

    init(database: Database) throws {
        try database.cachedStatement("""
            SELECT s.session_id, s.started_at, \(Coverage.sessionEndSQL("s")) FROM collection_session s
            WHERE s.started_at IS NOT NULL
            """).forEachRow { row in
            spans[row.int64(0)] = Span(start: row.double(1), end: row.double(2))
        }
    }

    /// nil for a session that never started (no server time to clip to) or that is unknown:
    /// rows of such a session are not counted, as in the SQL join they replace.
    subscript(id: Int64) -> Span? { spans[id] }
}
