import CallStatsTestSupport
import Foundation
import Storage
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `callstats prune` with the real binary, on databases the real collector wrote, alone and
/// beside a running collector.
///
/// The journal's `received_at` is the local clock, so "30 days old" is made by moving the
/// received times of the lines meant to go 40 days back before pruning (nothing else reads
/// them, and every derived row keeps its own times).
@Suite("callstats prune", .serialized)
struct PruneTests {
    static let day = 86_400.0

    /// Moves the received time of lines `seq <= last` 40 days back.
    static func age(_ path: String, throughSeq last: Int64) throws {
        try Database(path: path, mode: .readWrite).ageJournal(throughSeq: last, by: 40 * day)
    }

    /// The first column of the first row of `sql`, over a snapshot of the journal.
    static func count(_ path: String, _ sql: String, _ values: any DatabaseBindable...) throws -> Int64 {
        let database = try Database(path: path, mode: .readWrite)
        try database.snapshotJournal()
        return try database.cachedStatement(sql).firstRow(values) { $0.int64(0) } ?? -1
    }

    /// Derived rows, sessions and their checksums: what a prune must leave exactly as it was.
    static func derivedState(_ path: String) throws -> [String: [String]] {
        var state = try CollectorFaultTests.derivedDump(path)
        let database = try Database(path: path, mode: .readOnly)
        var sessions: [String] = []
        try database.makeStatement("SELECT * FROM collection_session ORDER BY session_id").forEachRow { row in
            sessions.append((0..<row.columnCount).map { "\(row.value($0))" }.joined(separator: "|"))
        }
        state["collection_session"] = sessions
        return state
    }

    static func longestTransaction(_ output: String) -> Double? {
        output.firstMatch(of: /longest transaction: ([0-9.]+) ms/).flatMap { Double($0.1) }
    }

    @Test("old lines go, newer ones stay, every derived row is unchanged; replay then refuses; a second prune finds nothing")
    func pruneAlone() throws {
        let collected = try CollectorTruthTests.collectDay(seed: 31, hours: 3, agents: 10, queues: 2)
        let path = collected.database
        let binary = try CallStatsBinary.built()
        let total = try Self.count(path, "SELECT count(*) FROM journal")
        let last = try Self.count(path, "SELECT max(seq) FROM journal")
        #expect(total > 2_000 && last == total)
        // The journal goes in whole blocks: the cut is the end of the block holding the middle line.
        let cut = try Self.count(path, "SELECT last_seq FROM journal_block WHERE last_seq >= ? ORDER BY first_seq LIMIT 1", total / 2)
        #expect(cut < last)
        try Self.age(path, throughSeq: cut)
        let before = try Self.derivedState(path)

        let dryRun = try binary.run(["prune", "--db", path, "--journal-older-than", "30d", "--dry-run"])
        #expect(dryRun.status == 0, "\(dryRun.stderr)")
        #expect(dryRun.stdout.contains("would prune \(cut) journal lines (seq 1 to \(cut),"), "\(dryRun.stdout)")
        #expect(try Self.count(path, "SELECT count(*) FROM journal") == total, "a dry run deletes nothing")

        let prune = try binary.run(["prune", "--db", path, "--journal-older-than", "30d"])
        #expect(prune.status == 0, "\(prune.stderr)")
        #expect(prune.stdout.contains("pruned \(cut) journal lines (seq 1 to \(cut),"), "\(prune.stdout)")
        print("prune of \(cut) lines alone: \(prune.stdout)")

        #expect(try Self.count(path, "SELECT count(*) FROM journal") == total - cut)
        #expect(try Self.count(path, "SELECT min(seq) FROM journal") == cut + 1)
        #expect(try Self.count(path, "SELECT max(seq) FROM journal") == last)
        #expect(try Self.count(path, "SELECT count(*) FROM journal WHERE received_at < strftime('%s', 'now') - 30 * 86400") == 0)
        let after = try Self.derivedState(path)
        for (table, rows) in before {
            #expect(after[table] == rows, "\(table) changed: \(rows.count) rows before, \(after[table]?.count ?? 0) after")
        }
        #expect(try Self.count(path, "SELECT count(*) FROM journal_prune WHERE lines = ? AND first_kept_seq = ?", cut, cut + 1) == 1)
        let database = try Database(path: path, mode: .readOnly)
        #expect(try database.fetchString("PRAGMA integrity_check") == "ok")
        #expect(try database.fetchString("PRAGMA foreign_key_check") == nil)

        let replay = try binary.run(["replay", "--db", path])
        #expect(replay.status != 0)
        #expect(replay.stderr.contains("the journal was pruned (lines before seq \(cut + 1)"), "\(replay.stderr)")
        #expect(try Self.derivedState(path) == after, "the refused replay changed nothing")

        let again = try binary.run(["prune", "--db", path, "--journal-older-than", "30d"])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdout.contains("nothing to prune"), "\(again.stdout)")
        #expect(try Self.count(path, "SELECT count(*) FROM journal") == total - cut)

        // Everything old: the newest block stays, so no seq is ever handed out twice.
        try Self.age(path, throughSeq: last)
        let newest = try Self.count(path, "SELECT max(first_seq) FROM journal_block")
        let all = try binary.run(["prune", "--db", path, "--journal-older-than", "12h"])
        #expect(all.status == 0, "\(all.stderr)")
        #expect(all.stdout.contains("kept the newest block of lines (from seq \(newest))"), "\(all.stdout)")
        #expect(try Self.count(path, "SELECT count(*) FROM journal") == last - newest + 1)
        #expect(try Self.count(path, "SELECT min(seq) FROM journal") == newest)
        #expect(try Self.derivedState(path) == after)
    }

    @Test("bad ages and databases are refused with a clear error, before anything is deleted")
    func badArguments() throws {
        let binary = try CallStatsBinary.built()
        let folder = try TemporaryFolder()
        let path = folder.path("calls.db")
        let migrate = try binary.run(["migrate", "--db", path])
        #expect(migrate.status == 0, "\(migrate.stderr)")
        for age in ["30", "30m", "0d", "0h", "-1d", "d", "1.5d", "30 d", "abc", "99999999999999999999d", "3w", "1d12h"] {
            let result = try binary.run(["prune", "--db", path, "--journal-older-than=\(age)"])
            #expect(result.status != 0, "'\(age)' accepted")
            #expect(result.stderr.contains("--journal-older-than must be a whole number of days or hours"), "'\(age)': \(result.stderr)")
        }
        // A value that looks like an option, an empty one, none: ArgumentParser's own errors.
        for arguments in [["--journal-older-than", "-1d"], ["--journal-older-than", ""], []] {
            let result = try binary.run(["prune", "--db", path] + arguments)
            #expect(result.status != 0, "\(arguments) accepted")
            #expect(result.stderr.contains("--journal-older-than"), "\(arguments): \(result.stderr)")
        }
        let missingFile = try binary.run(["prune", "--db", folder.path("none.db"), "--journal-older-than", "30d"])
        #expect(missingFile.status != 0)
        #expect(missingFile.stderr.contains("no such database file"), "\(missingFile.stderr)")
        #expect(!FileManager.default.fileExists(atPath: folder.path("none.db")), "prune created a database")

        let notes = folder.path("notes.txt")
        try Data(String(repeating: "not a database\n", count: 100).utf8).write(to: URL(fileURLWithPath: notes))
        let notDatabase = try binary.run(["prune", "--db", notes, "--journal-older-than", "30d"])
        #expect(notDatabase.status != 0)
        #expect(notDatabase.stderr.contains("not a SQLite database"), "\(notDatabase.stderr)")

        let empty = try binary.run(["prune", "--db", path, "--journal-older-than", "1h"])
        #expect(empty.status == 0, "\(empty.stderr)")
        #expect(empty.stdout.contains("nothing to prune: the journal is empty"), "\(empty.stdout)")
    }

    @Test("a session a killed collector left open keeps its last event, and the next collector still closes it there")
    func openSessionKeepsItsLastEvent() async throws {
        let setup = try CollectorFaultTests.setup()
        let (simulator, address) = try CollectorFaultTests.simulator(setup)
        let first = try CollectorFaultTests.collector(setup, address: address)
        try await CollectorFaultTests.waitFor(setup) { try CollectorFaultTests.journalCount($0) > 3_000 }
        first.signal(SIGKILL)
        _ = first.wait()
        let last = try Self.count(setup.database, "SELECT max(seq) FROM journal")
        // Where the next writer will close the session: its latest decoded event.
        let lastEvent = try #require(try JournalReader(database: Database(path: setup.database, mode: .readOnly)).latestEventTime(sessionID: 1))
        let latestSeq = try Self.count(setup.database, """
            SELECT seq FROM journal WHERE session_id = 1 AND malformed IS NULL ORDER BY event_time DESC, seq DESC LIMIT 1
            """)
        // The journal goes in whole blocks: the block holding that line stays.
        let heldAt = try Self.count(setup.database, "SELECT first_seq FROM journal_block WHERE first_seq <= ? ORDER BY first_seq DESC LIMIT 1", latestSeq)
        let newest = try Self.count(setup.database, "SELECT max(first_seq) FROM journal_block")
        try Self.age(setup.database, throughSeq: last)

        let prune = try setup.binary.run(["prune", "--db", setup.database, "--journal-older-than", "30d"])
        #expect(prune.status == 0, "\(prune.stderr)")
        // Usually its latest event is some lines before the end; when it is the very last line,
        // the rule that keeps the newest line keeps it too.
        #expect(prune.stdout.contains("collection session 1 is still open")
                    || (heldAt == newest && prune.stdout.contains("kept the newest block")), "\(prune.stdout)")
        #expect(try Self.count(setup.database, "SELECT min(seq) FROM journal") == heldAt)

        let second = try CollectorFaultTests.collector(setup, address: address)
        try await CollectorFaultTests.waitFor(setup) { try $0.fetchInt64("SELECT count(*) FROM collection_session") == 2 }
        second.signal(SIGTERM)
        #expect(second.wait() == 0)
        simulator.signal(SIGTERM)
        _ = simulator.wait()
        let database = try Database(path: setup.database, mode: .readOnly)
        #expect(try database.fetchString("SELECT end_reason FROM collection_session WHERE session_id = 1") == "collector_stopped_unexpectedly")
        #expect(try database.fetchDouble("SELECT ended_at FROM collection_session WHERE session_id = 1") == lastEvent)
    }

    @Test("beside a running collector: it keeps recording, nothing is lost, old lines go in short transactions")
    func pruneBesideARunningCollector() async throws {
        let setup = try CollectorFaultTests.setup()
        // A whole day recorded first, at full speed: the lines to prune.
        let (fast, fastAddress) = try CollectorFaultTests.simulator(setup, seed: 41, speed: "max")
        let first = try CollectorFaultTests.collector(setup, address: fastAddress)
        try await CollectorFaultTests.waitFor(setup, timeout: 300) { database in
            try database.fetchDouble("SELECT max(last_event_time) - min(last_event_time) FROM journal_block") ?? 0 > 7.5 * 3_600
        }
        first.signal(SIGTERM)
        #expect(first.wait() == 0)
        fast.signal(SIGTERM)
        _ = fast.wait()
        let old = try Self.count(setup.database, "SELECT count(*) FROM journal")
        let oldLast = try Self.count(setup.database, "SELECT max(seq) FROM journal")
        #expect(old == oldLast)
        try Self.age(setup.database, throughSeq: oldLast)
        let sessionOneTables = ["agent_state_interval", "agent_status_change", "queue_stat_sample", "channel_event", "call", "queue_visit"]
        func sessionOne() throws -> [String: [String]] {
            let database = try Database(path: setup.database, mode: .readOnly)
            var rows: [String: [String]] = [:]
            for table in sessionOneTables {
                var lines: [String] = []
                try database.makeStatement("SELECT * FROM \(table) WHERE session_id = 1 ORDER BY 1").forEachRow { row in
                    lines.append((0..<row.columnCount).map { "\(row.value($0))" }.joined(separator: "|"))
                }
                rows[table] = lines
            }
            rows["call_ring"] = []
            try database.makeStatement("SELECT r.* FROM call_ring r JOIN call c USING (call_id) WHERE c.session_id = 1 ORDER BY 1, 2")
                .forEachRow { row in rows["call_ring", default: []].append((0..<row.columnCount).map { "\(row.value($0))" }.joined(separator: "|")) }
            return rows
        }
        let before = try sessionOne()

        // A second collector, recording a live day, while the first day's lines are pruned.
        let (live, liveAddress) = try CollectorFaultTests.simulator(setup, seed: 42, start: "2026-11-03T08:00:00Z", speed: "300")
        let second = try CollectorFaultTests.collector(setup, address: liveAddress)
        try await CollectorFaultTests.waitFor(setup) { try JournalReader(database: $0).lineCount(sessionID: 2) > 1_000 }
        let pruneStarted = Date().timeIntervalSince1970
        let prune = try setup.binary.run(["prune", "--db", setup.database, "--journal-older-than", "30d"])
        let pruneEnded = Date().timeIntervalSince1970
        #expect(prune.status == 0, "\(prune.stderr)")
        #expect(prune.stdout.contains("pruned \(old) journal lines (seq 1 to \(oldLast),"), "\(prune.stdout)")
        let longest = try #require(Self.longestTransaction(prune.stdout), "\(prune.stdout)")
        print("prune of \(old) lines beside a running collector, \(String(format: "%.1f", pruneEnded - pruneStarted)) s; longest transaction \(longest) ms:\n\(prune.stdout)")

        // The collector went on recording during the prune and after it.
        #expect(try Self.count(setup.database, "SELECT count(*) FROM journal WHERE session_id = 2 AND received_at > ? AND received_at < ?",
                               pruneStarted, pruneEnded) > 0, "nothing was recorded while the prune ran")
        let afterPrune = try Self.count(setup.database, "SELECT max(seq) FROM journal")
        try await CollectorFaultTests.waitFor(setup) { try JournalReader(database: $0).lastSeq() ?? 0 > afterPrune + 500 }
        second.signal(SIGTERM)
        #expect(second.wait() == 0)
        live.signal(SIGTERM)
        _ = live.wait()

        let log = second.standardError()
        let received = try #require(log.firstMatch(of: /(\d+) lines received, all committed/).flatMap { Int64($0.1) }, "\(log)")
        // Nothing lost: what is left is exactly what the second collector received.
        #expect(try Self.count(setup.database, "SELECT count(*) FROM journal") == received)
        #expect(try Self.count(setup.database, "SELECT min(seq) FROM journal") == oldLast + 1)
        #expect(try Self.count(setup.database, "SELECT max(seq) - min(seq) + 1 - count(*) FROM journal") == 0, "a hole in the journal")
        #expect(try sessionOne() == before, "the first day's derived rows changed")
        let database = try Database(path: setup.database, mode: .readOnly)
        #expect(try database.fetchString("PRAGMA integrity_check") == "ok")
        try CollectorFaultTests.expectNoDuplicates(database)
    }
}
