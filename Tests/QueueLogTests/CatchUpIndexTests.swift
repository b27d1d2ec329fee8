import CallStatsTestSupport
import Foundation
import Logging
import QueueLog
import Storage
import Testing

/// A long import builds the visits' caller-number index once, when it has caught up, rather
/// than row by row (`CatchUpIndexes`, migration 0013).
@Suite("queue_log import: indexes built at the end of a catch-up")
struct CatchUpIndexTests {
    static let index = "queue_visit_caller_number"

    /// `count` calls to one queue from scattered numbers, every fifth abandoned, from call `first` on.
    static func calls(_ count: Int, from first: Int = 0) -> String {
        var text = ""
        for n in first..<(first + count) {
            let time = QueueLogImportTests.t0 + n * 30
            let id = "\(1_700_000_000 + n).\(n)"
            let caller = "06" + String((n * 7_919) % 100_000_000)
            text += "\(time)|\(id)|sales|NONE|ENTERQUEUE||\(caller)|1\n"
            if n % 5 == 0 {
                text += "\(time + 8)|\(id)|sales|NONE|ABANDON|1|1|8\n"
            } else {
                text += "\(time + 5)|\(id)|sales|Agent/1001|CONNECT|5|\(id)|1\n"
                text += "\(time + 20)|\(id)|sales|Agent/1001|COMPLETECALLER|5|15|1\n"
            }
        }
        return text
    }

    static func write(_ text: String, to path: String) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }

    /// Whether the index exists, and the indexes listed as deferred, as another connection sees them.
    static func indexState(_ path: String) throws -> (built: Bool, deferred: [String]) {
        let database = try Database(path: path, mode: .readOnly)
        let built = try database.fetchInt64("SELECT 1 FROM sqlite_schema WHERE type = 'index' AND name = ?", index) != nil
        return (built, try database.deferredIndexNames())
    }

    static func rows(_ path: String, _ sql: String) throws -> [String] {
        let database = try Database(path: path, mode: .readOnly)
        var rows: [String] = []
        try database.makeStatement(sql).forEachRow { row in
            rows.append((0..<row.columnCount).map { "\(row.value($0))" }.joined(separator: "|"))
        }
        return rows
    }

    /// The lines of `calls` as a table's rows, numbered from 1, in batches of 40.
    static func tableBatches(_ calls: Int) -> [[(id: Int64, line: [UInt8])]] {
        let rows = Self.calls(calls).split(separator: "\n").enumerated().map { (id: Int64($0.offset + 1), line: Array($0.element.utf8)) }
        return stride(from: 0, to: rows.count, by: 40).map { Array(rows[$0..<min($0 + 40, rows.count)]) }
    }

    static func writer(_ path: String, deferAfter: Int64) throws -> QueueLogWriter {
        let (database, _) = try Database.openWriter(path: path)
        return try QueueLogWriter(database: database, now: { 1_800_000_000 }, commitEvery: 50, deferIndexesAfterVisits: deferAfter,
                                  logger: Logger(label: "test"))
    }

    @Test("a long import from a file drops the index while it reads and builds it at its end: the same rows and index as kept row by row")
    func fileImport() async throws {
        let folder = try TemporaryFolder()
        let file = folder.path("queue_log")
        try Self.write(Self.calls(300), to: file)

        let deferring = folder.path("deferring.db")
        let writer = try Self.writer(deferring, deferAfter: 20)
        try await writer.importFiles([file])
        #expect(try Self.indexState(deferring) == (false, [Self.index]))
        _ = try await writer.finishFiles(reason: "end_of_input")
        #expect(try Self.indexState(deferring) == (true, []))

        let rowByRow = folder.path("row-by-row.db")
        let keeping = try Self.writer(rowByRow, deferAfter: .max)
        try await keeping.importFiles([file])
        #expect(try Self.indexState(rowByRow) == (true, []))
        _ = try await keeping.finishFiles(reason: "end_of_input")

        for sql in [
            "SELECT * FROM queue_visit ORDER BY visit_id",
            "SELECT * FROM agent_state_interval ORDER BY id",
            "SELECT sql FROM sqlite_schema WHERE type = 'index' ORDER BY name",
        ] {
            let expected = try Self.rows(rowByRow, sql)
            #expect(expected.count > 10)
            #expect(try Self.rows(deferring, sql) == expected, "\(sql)")
        }
        // The index serves the missed-call reports' callback lookup again.
        let plan = try Self.rows(deferring, "EXPLAIN QUERY PLAN SELECT min(answered_at) FROM queue_visit WHERE caller_number = '0600' AND answered_at > 0")
        #expect(plan.contains { $0.contains(Self.index) }, "\(plan)")
    }

    @Test("an import that adds fewer visits than the database holds keeps the index up row by row")
    func smallImportKeepsIndex() async throws {
        let folder = try TemporaryFolder()
        let path = folder.path("calls.db")
        let first = folder.path("queue_log.1")
        try Self.write(Self.calls(300), to: first)
        let writer = try Self.writer(path, deferAfter: 1)
        try await writer.importFiles([first])
        _ = try await writer.finishFiles(reason: "end_of_input")

        let second = folder.path("queue_log")
        try Self.write(Self.calls(100, from: 300), to: second)
        let next = try Self.writer(path, deferAfter: 1)
        try await next.importFiles([first, second])
        #expect(try Self.indexState(path) == (true, []))
        let summary = try await next.finishFiles(reason: "end_of_input")
        #expect(summary.added == 100 * 3 - 20)
    }

    @Test("--follow builds the index when it has caught up, before it follows")
    func followBuildsWhenCaughtUp() async throws {
        let folder = try TemporaryFolder()
        let path = folder.path("calls.db")
        let file = folder.path("queue_log")
        try Self.write(Self.calls(300), to: file)
        let writer = try Self.writer(path, deferAfter: 20)
        try await writer.importFiles([file], mayBeMissing: true)
        #expect(try Self.indexState(path) == (false, [Self.index]))
        try await writer.beginFollowing(path: file)
        #expect(try Self.indexState(path) == (true, []))
        _ = try await writer.finishFiles(reason: "shutdown")
    }

    @Test("a table's rows read in full batches drop the index; the end of the import builds it")
    func tableImport() async throws {
        let folder = try TemporaryFolder()
        let path = folder.path("calls.db")
        let writer = try Self.writer(path, deferAfter: 20)
        _ = try await writer.beginTable(name: "postgres://pbx/asterisk queue_log", openSession: false)
        let batches = Self.tableBatches(300)
        for (index, rows) in batches.enumerated() {
            _ = try await writer.recordRows(rows, more: index + 1 < batches.count)
        }
        #expect(try Self.indexState(path) == (false, [Self.index]))
        _ = try await writer.finishTable(reason: "end_of_input")
        #expect(try Self.indexState(path) == (true, []))
        #expect(try Database(path: path, mode: .readOnly).fetchInt64("SELECT count(*) FROM queue_visit") == 300)
    }

    @Test("a table whose last full batch is followed by none: caught up with rows not yet committed, they are committed and the index built")
    func caughtUpWithRowsPending() async throws {
        let folder = try TemporaryFolder()
        let path = folder.path("calls.db")
        let writer = try Self.writer(path, deferAfter: 20)
        _ = try await writer.beginTable(name: "postgres://pbx/asterisk queue_log", openSession: true)
        // Batches of 40 with more to come: the second commits (80 rows) and drops the index,
        // the third's rows wait for the next commit.
        for rows in Self.tableBatches(100).prefix(3) {
            _ = try await writer.recordRows(rows, more: true)
        }
        #expect(try Self.indexState(path) == (false, [Self.index]))
        // The next batch was empty: caught up.
        try await writer.caughtUp()
        #expect(try Self.indexState(path) == (true, []))
        let committed = try Database(path: path, mode: .readOnly).fetchInt64("SELECT last_row_id FROM queue_log_source")
        #expect(committed == 120)
        _ = try await writer.finishTable(reason: "shutdown")
    }
}
