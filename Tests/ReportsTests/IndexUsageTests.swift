import CallStatsTestSupport
import Foundation
@testable import Recording
@testable import Reports
import Storage
import Testing

/// Every index of a derived table costs the collector a search and an insert per row and a
/// page in most commits (migration 0005), and bytes on disk: each must be used by a query.
/// This runs every report and view (reports of every kind, filtered and not, the nightly
/// files, `agents`, `queues`, `calls` with each filter) on the golden day, takes every
/// statement their connection prepared, and plans each with `EXPLAIN QUERY PLAN`: each
/// index of the schema must appear in some plan, or be used by one of the recorder's own
/// lookups below. An index no query uses goes (migration 0009), and cannot come back unnoticed.
///
/// Not covered here: the journal's tables (`journal_block`, `journal_malformed`, and
/// `journal_line` of older databases) and their indexes, which `JournalReader` reads for the
/// journal's own commands, replay and crash recovery; and `callstats status`, which reads only
/// `collection_session` by its primary key and the journal.
@Suite("Every index of the derived tables is used by a report, a view or the recorder")
struct IndexUsageTests {
    /// The recorder's lookups of derived rows, each with the index it needs.
    static let recorderLookups: [(sql: String, why: String)] = [
        (PreexistingRows.unknownVisitsSQL, "a session's start continues the visits of callers still waiting (queue_visit_unknown)"),
    ]

    /// Every statement the reports and views run on the golden day.
    static func reportAndViewSQL() throws -> [String] {
        let fixture = try GoldenScenario.build()
        let reader = try fixture.reader()
        try ReportQueries.tune(reader)
        let base = try GoldenScenario.parameters()
        var filtered = base
        filtered.queues = ["1"]
        filtered.agents = ["7"]
        var queuesOnly = base
        queuesOnly.queues = ["sales"]
        try reader.read {
            for parameters in [base, filtered, queuesOnly] {
                for interval in [ReportInterval.minutes(15), .total] {
                    var withInterval = parameters
                    withInterval.interval = interval
                    let queries = try ReportQueries(database: reader, parameters: withInterval)
                    for kind in ReportKind.allCases {
                        try queries.run(kind) { _ in }
                    }
                }
            }
        }
        _ = try NightlyReport.build(database: reader, day: GoldenScenario.day, parameters: base)
        try reader.read {
            guard let asOf = try AsOf.find(in: reader, collectorRunning: false, wallClock: GoldenScenario.d0 + 20000) else {
                throw ReportError("the golden day has no latest event")
            }
            _ = try AsOf.find(in: reader, collectorRunning: true, wallClock: GoldenScenario.d0 + 20000)
            let now = try NowQueries(database: reader, asOf: asOf, calendar: base.calendar)
            _ = try now.agents()
            _ = try now.queues()
            for filter in [
                RecentCallsFilter(since: GoldenScenario.d0),
                RecentCallsFilter(since: GoldenScenario.d0, queues: ["1"], missedOnly: true, limit: 3),
                RecentCallsFilter(since: GoldenScenario.d0, users: ["42"]),
            ] {
                _ = try now.recentCalls(filter)
            }
        }
        return reader.cachedSQL
    }

    /// The details of `EXPLAIN QUERY PLAN` of `sql`, its parameters NULL: SQLite plans a
    /// statement when it is prepared, before any value is bound.
    static func plan(of sql: String, _ database: Database) throws -> [String] {
        let statement = try database.makeStatement("EXPLAIN QUERY PLAN " + sql)
        let nulls: [any DatabaseBindable] = Array(repeating: String?.none, count: Int(statement.parameterCount))
        var details: [String] = []
        try statement.forEachRow(nulls) { details.append($0.string(3) ?? "") }
        return details
    }

    /// The indexes an `EXPLAIN QUERY PLAN` of `sql` names.
    static func indexes(in sql: String, _ database: Database) throws -> Set<String> {
        var names: Set<String> = []
        for detail in try plan(of: sql, database) {
            // "SEARCH v USING INDEX name (...)", "SCAN x USING COVERING INDEX name"; not
            // "USING AUTOMATIC ... INDEX", which is built for the query and costs no row.
            for marker in ["USING INDEX ", "USING COVERING INDEX "] {
                var rest = Substring(detail)
                while let range = rest.range(of: marker) {
                    let name = rest[range.upperBound...].prefix { !$0.isWhitespace && $0 != "(" }
                    names.insert(String(name))
                    rest = rest[range.upperBound...]
                }
            }
        }
        return names
    }

    @Test("each index of a derived table is in the plan of a report or view query, or of a recorder lookup")
    func everyIndexIsUsed() throws {
        let fixture = try Fixture()
        var schemaIndexes: [String: String] = [:]
        try fixture.database.makeStatement("""
            SELECT name, tbl_name FROM sqlite_schema
            WHERE type = 'index' AND sql IS NOT NULL AND tbl_name NOT LIKE 'journal%'
            """).forEachRow { schemaIndexes[$0.string(0) ?? ""] = $0.string(1) ?? "" }
        #expect(schemaIndexes.count >= 8)

        let queries = try Self.reportAndViewSQL()
        #expect(queries.count > 20, "the reports and views ran: \(queries.count) statements")
        var usedBy: [String: String] = [:]
        for sql in queries + Self.recorderLookups.map(\.sql) {
            for index in try Self.indexes(in: sql, fixture.database) where usedBy[index] == nil {
                usedBy[index] = sql
            }
        }
        for (index, table) in schemaIndexes.sorted(by: { $0.key < $1.key }) {
            #expect(usedBy[index] != nil, "index \(index) of \(table) is used by no report, view or recorder query: drop it in a migration")
        }
        // Every plan names an index that exists: a renamed index would otherwise pass unseen.
        for index in usedBy.keys where !index.hasPrefix("sqlite_autoindex_") && !index.hasPrefix("journal") {
            #expect(schemaIndexes[index] != nil, "a plan uses \(index), which the schema does not have")
        }
    }

    @Test("the queue statistic scan reads its covering index alone, never the table")
    func statisticScanIsCovered() throws {
        let fixture = try Fixture()
        for sql in [QueueStatisticScan.latestSQL, QueueStatisticScan.samplesSQL, QueueStatisticScan.emptiedSQL, ReportQueries.statisticQueuesSQL] {
            let details = try Self.plan(of: sql, fixture.database)
            #expect(details.contains { $0.contains("USING COVERING INDEX queue_stat_sample_steps") }, "\(details)")
            #expect(!details.contains { $0.contains("TEMP B-TREE") }, "\(details)")
        }
    }
}
