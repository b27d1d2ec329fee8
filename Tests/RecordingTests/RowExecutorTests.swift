import Foundation
import Storage
import Testing
@testable import Recording

/// `RowExecutor` gathers the journal, agent-status and queue-statistic appends of a buffer into
/// multi-row `INSERT`s (`RowExecutor.groupSize`): the rows must be those of one-by-one inserts,
/// and a failing row must fail the batch.
@Suite("Row executor: gathered appends")
struct RowExecutorTests {
    private final class Writer {
        let folder: URL
        let database: Database
        let executor: RowExecutor

        init() throws {
            folder = FileManager.default.temporaryDirectory.appendingPathComponent("callstats-rows-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            (database, _) = try Database.openWriter(path: folder.appendingPathComponent("calls.db").path)
            try database.execute(sql: "PRAGMA foreign_keys = OFF")  // as the recorder's connection
            try database.execute("INSERT INTO collection_session (session_id, server, connected_at) VALUES (1, 'pbx', 0)")
            executor = try RowExecutor(database: database)
            executor.gathersAppends = true  // as in the pipeline
        }

        deinit { try? FileManager.default.removeItem(at: folder) }

        func dump(_ table: String) throws -> [[DatabaseValue]] {
            var rows: [[DatabaseValue]] = []
            try database.makeStatement("SELECT * FROM \(table) ORDER BY rowid").forEachRow([]) { row in
                rows.append((0..<row.columnCount).map { row.value($0) })
            }
            return rows
        }
    }

    /// One command: its statement and values, encoded as the recorder encodes them.
    private typealias Command = (RowBuffer) -> Void

    private static func journal(_ seq: Int64, _ kind: String?) -> Command {
        { buffer in
            let count = buffer.appendCommand(.journal)
            for value: any RowValue in [seq, Int64(1), Double(seq) + 0.5, 1_800_000_000.0 + Double(seq), kind, "queues" as String?,
                                        nil as String?, "\(seq % 7)" as String?, nil as String?] {
                value.encode(into: buffer)
            }
            Array("{\"class\":\"x\",\"n\":\(seq)}".utf8).withUnsafeBytes { RowBlob(bytes: $0).encode(into: buffer) }
            buffer.setValueCount(10, at: count)
        }
    }

    private static func statSample(_ n: Int64) -> Command {
        { buffer in
            let count = buffer.appendCommand(.statSample)
            for value: any RowValue in ["xivo", "q\(n % 3)", "Xivo-EWT", 1_800_000_000.0 + Double(n), n % 5 == 0 ? nil : Double(n) as Double?,
                                        n % 2 == 0 ? Int64(3600) : nil as Int64?, Int64(1), n] {
                value.encode(into: buffer)
            }
            buffer.setValueCount(8, at: count)
        }
    }

    private static func sessionLastEvent(_ time: Double) -> Command {
        { buffer in
            let count = buffer.appendCommand(.sessionLastEvent)
            time.encode(into: buffer)
            Int64(1).encode(into: buffer)
            buffer.setValueCount(2, at: count)
        }
    }

    private static func control(_ statement: RowStatement) -> Command {
        { buffer in
            let count = buffer.appendCommand(statement)
            buffer.setValueCount(0, at: count)
        }
    }

    /// Runs the commands in one buffer (gathered) on one database and one by one on another,
    /// and compares every table they write; returns the first.
    private func compare(_ commands: [Command]) throws -> Writer {
        let gathered = try Writer(), oneByOne = try Writer()
        oneByOne.executor.gathersAppends = false  // as replay runs them
        let buffer = RowBuffer()
        for command in commands { command(buffer) }
        try gathered.executor.execute(buffer)
        for command in commands {
            let single = RowBuffer()
            command(single)
            try oneByOne.executor.execute(single)
        }
        for table in ["journal", "queue_stat_sample", "collection_session"] {
            let rows = try gathered.dump(table)
            #expect(rows == (try oneByOne.dump(table)), "\(table)")
        }
        return gathered
    }

    @Test("any number of rows, interleaved, around commits: the same rows, ids and order as one by one")
    func sameRows() throws {
        var commands: [Command] = [Self.control(.begin)]
        var seq: Int64 = 1
        // 37 journal rows (two full groups and a remainder) among 23 samples and other commands.
        for n in 0..<37 {
            commands.append(Self.journal(seq, n % 4 == 0 ? nil : "getqueuesstats"))
            seq += 1
            if n % 3 == 0 { commands.append(Self.statSample(Int64(n))) }
            if n % 5 == 0 { commands.append(Self.statSample(Int64(100 + n))) }
            if n % 9 == 0 { commands.append(Self.sessionLastEvent(Double(n))) }
        }
        commands.append(Self.control(.commit))
        commands.append(Self.control(.begin))
        for _ in 0..<19 {
            commands.append(Self.journal(seq, "getlist"))
            seq += 1
        }
        commands.append(Self.control(.commit))
        let writer = try compare(commands)
        #expect(try writer.database.fetchInt64("SELECT count(*) FROM journal") == 56)
        #expect(try writer.database.fetchInt64("SELECT count(*) FROM queue_stat_sample") == 21)
        #expect(try writer.database.fetchInt64("SELECT count(*) FROM journal WHERE seq BETWEEN 1 AND 56") == 56)
        #expect(!writer.database.isInTransaction)
    }

    @Test("a failing row in a full group fails the run, and the rolled-back batch leaves nothing")
    func failingRow() throws {
        let writer = try Writer()
        let committed = RowBuffer()
        for command in [Self.control(.begin), Self.journal(1, "a"), Self.control(.commit)] { command(committed) }
        try writer.executor.execute(committed)

        // Seq 9 twice, inside the first group of 16: the group's INSERT fails on it.
        let buffer = RowBuffer()
        Self.control(.begin)(buffer)
        for seq: Int64 in [2, 3, 4, 5, 6, 7, 8, 9, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18] {
            Self.journal(seq, "b")(buffer)
        }
        Self.control(.commit)(buffer)
        #expect(throws: StorageError.self) { try writer.executor.execute(buffer) }
        writer.database.rollback()
        #expect(try writer.database.fetchInt64("SELECT count(*) FROM journal") == 1)

        // The executor is usable again: nothing of the failed run is left waiting.
        let next = RowBuffer()
        for command in [Self.control(.begin), Self.journal(2, "c"), Self.journal(3, "c"), Self.control(.commit)] { command(next) }
        try writer.executor.execute(next)
        #expect(try writer.database.fetchString("SELECT group_concat(seq) FROM (SELECT seq FROM journal ORDER BY seq)") == "1,2,3")
    }
}
