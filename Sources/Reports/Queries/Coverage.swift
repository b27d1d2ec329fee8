import Storage

/// When the collector was connected: the union of the collection sessions' `[started_at, end)`,
/// where a session's end is its `ended_at`, or while it is still open (live, or a crash the
/// collector has not cleaned up yet) its last recorded event `last_event_at`.
public struct Coverage: Sendable, Equatable {
    /// Disjoint, sorted spans inside the report's range.
    public let spans: [Period]
    public let range: Period

    /// The session end as SQL, for queries that clip to a session (alias `s` or any prefix).
    static func sessionEndSQL(_ alias: String) -> String {
        "coalesce(\(alias).ended_at, \(alias).last_event_at, \(alias).started_at)"
    }

    init(database: Database, range: Period) throws {
        var raw: [Period] = []
        let end = Self.sessionEndSQL("s")
        try database.cachedStatement("""
            SELECT s.started_at, \(end) FROM collection_session s
            WHERE s.started_at IS NOT NULL AND s.started_at < ?1 AND \(end) > ?2
            ORDER BY s.started_at
            """).forEachRow([range.end, range.start]) { row in
            let start = max(row.double(0), range.start)
            let stop = min(row.double(1), range.end)
            if stop > start { raw.append(Period(start: start, end: stop)) }
        }
        self.init(range: range, sessions: raw)
    }

    public init(range: Period, sessions: [Period]) {
        var merged: [Period] = []
        for span in sessions.sorted() where span.end > span.start {
            if let last = merged.last, span.start <= last.end {
                merged[merged.count - 1] = Period(start: last.start, end: max(last.end, span.end))
            } else {
                merged.append(span)
            }
        }
        self.spans = merged
        self.range = range
    }

    /// Seconds of `period` inside a session.
    public func covered(_ period: Period) -> Double {
        var total = 0.0
        var low = 0
        var high = spans.count
        // The first span that ends after the period starts.
        while low < high {
            let middle = (low + high) / 2
            if spans[middle].end <= period.start { low = middle + 1 } else { high = middle }
        }
        var index = low
        while index < spans.count, spans[index].start < period.end {
            total += max(0, min(spans[index].end, period.end) - max(spans[index].start, period.start))
            index += 1
        }
        return total
    }

    /// The share of the period inside collection sessions, 0 to 100.
    public func percent(_ period: Period) -> Double {
        period.length > 0 ? 100 * covered(period) / period.length : 0
    }

    /// The parts of the range outside every session.
    public var gaps: [Period] {
        var gaps: [Period] = []
        var cursor = range.start
        for span in spans {
            if span.start > cursor { gaps.append(Period(start: cursor, end: span.start)) }
            cursor = max(cursor, span.end)
        }
        if cursor < range.end { gaps.append(Period(start: cursor, end: range.end)) }
        return gaps
    }
}

/// Ids compare as numbers when both are numbers (so agent 9 comes before agent 10), else as text.
public enum IDOrder {
    public static func less(_ lhs: String, _ rhs: String) -> Bool {
        let leftNumeric = isNumeric(lhs)
        let rightNumeric = isNumeric(rhs)
        if leftNumeric != rightNumeric { return leftNumeric }
        if leftNumeric {
            let left = lhs.drop { $0 == "0" }
            let right = rhs.drop { $0 == "0" }
            if left.count != right.count { return left.count < right.count }
            if left != right { return left < right }
        }
        return Array(lhs.utf8).lexicographicallyPrecedes(Array(rhs.utf8))
    }

    static func isNumeric(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
    }
}
