import Storage

/// How many visits of one queue ended with one outcome, since the database began: `serve`'s
/// `callstats_queue_calls_total` counters (monotonic while nothing is pruned, so `rate()` works).
public struct VisitOutcomeTotal: Sendable, Equatable {
    public var queueID: String
    /// `answered`, `missed` (abandoned) or `unknown` (the session ended first).
    public var outcome: String
    public var count: Int64

    public init(queueID: String, outcome: String, count: Int64) {
        self.queueID = queueID
        self.outcome = outcome
        self.count = count
    }
}

extension NowQueries {
    /// Visits that left their queue at or before "now", per queue and outcome. A scan of the
    /// table: counters are read once per scrape, and no report needs an index of outcomes.
    static let visitOutcomeTotalsSQL = """
        SELECT queue_id,
               CASE outcome WHEN 'answered' THEN 'answered' WHEN 'abandoned' THEN 'missed' ELSE 'unknown' END AS o,
               count(*)
        FROM queue_visit
        WHERE leave_time IS NOT NULL AND leave_time <= ?1
        GROUP BY queue_id, o
        """

    public func visitOutcomeTotals() throws -> [VisitOutcomeTotal] {
        var totals: [VisitOutcomeTotal] = []
        try database.cachedStatement(Self.visitOutcomeTotalsSQL).forEachRow([asOf.time]) { row in
            totals.append(VisitOutcomeTotal(queueID: row.string(0) ?? "", outcome: row.string(1) ?? "unknown", count: row.int64(2)))
        }
        return totals
    }
}
