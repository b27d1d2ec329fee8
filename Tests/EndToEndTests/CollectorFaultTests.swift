import CallStatsTestSupport
import Foundation
import Storage
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The collector as a process, stopped and restarted the hard ways, against a simulator
/// running a day at a finite speed.
@Suite("Collector processes stopped, killed and restarted", .serialized)
struct CollectorFaultTests {
    typealias Setup = CollectorSetup

    static func setup() throws -> Setup {
        try CollectorSetup.make()
    }

    /// A simulator on `port` (0: any), returning it and the address it listens on. At ×300 an
    /// 8-hour day lasts 96 s: a test that must see the collector still writing late on a loaded
    /// machine asks for a longer one.
    static func simulator(_ setup: Setup, port: Int = 0, seed: Int = 21, start: String = "2026-11-02T08:00:00Z", speed: String = "300", duration: String = "8h") throws -> (RunningCallStats, String) {
        try setup.simulator([
            "--listen", "127.0.0.1:\(port)", "--speed", speed, "--seed", String(seed), "--start", start,
            "--duration", duration, "--agents", "20", "--queues", "3",
        ])
    }

    static func collector(_ setup: Setup, address: String) throws -> RunningCallStats {
        try RunningCallStats(binary: setup.binary, arguments: [
            "collect", "--server", address, "--user", "stats", "--password-file", setup.passwordFile,
            "--db", setup.database, "--tls", "off", "--log-level", "info",
        ])
    }

    /// Polls the database (read-only, as a supervisor would) until `condition` holds; the
    /// timeout only guards against a hang.
    static func waitFor(_ setup: Setup, timeout: Double = 120, _ condition: (Database) throws -> Bool) async throws {
        try await eventually("the collector's rows", timeout: timeout, every: .milliseconds(50)) {
            Reliability.reading(setup.database) { try condition($0) } == true
        }
    }

    static func journalCount(_ database: Database) throws -> Int64 {
        try JournalReader(database: database).lineCount()
    }

    /// Rows no table may hold twice.
    static func expectNoDuplicates(_ database: Database) throws {
        #expect(try database.fetchInt64("""
            SELECT count(*) FROM (SELECT 1 FROM queue_visit GROUP BY queue_id, uniqueid, join_time HAVING count(*) > 1)
            """) == 0)
        #expect(try database.fetchInt64("""
            SELECT count(*) FROM agent_state_interval a JOIN agent_state_interval b
              ON a.agent_id = b.agent_id AND a.id < b.id AND a.start_time < b.end_time AND b.start_time < a.end_time
            """) == 0, "overlapping agent state intervals")
        #expect(try database.fetchInt64("""
            SELECT count(*) FROM (SELECT 1 FROM queue_stat_sample GROUP BY journal_seq, queue_id, key HAVING count(*) > 1)
            """) == 0)
        #expect(try database.fetchInt64("""
            SELECT count(*) FROM (SELECT 1 FROM agent_status_change GROUP BY journal_seq HAVING count(*) > 1)
            """) == 0)
    }

    /// Every derived table, content only, for comparing with a replay.
    static func derivedDump(_ path: String) throws -> [String: [String]] {
        let database = try Database(path: path, mode: .readOnly)
        var dump: [String: [String]] = [:]
        for table in ["call_ring", "call", "channel_event", "queue_visit", "agent_state_interval", "agent_status_change",
                      "queue_stat_sample", "queue_member", "queue", "agent", "phone", "pbx_user", "ipbx"] {
            var rows: [String] = []
            try database.makeStatement("SELECT * FROM \(table)").forEachRow { row in
                rows.append((0..<row.columnCount).map { "\(row.value($0))" }.joined(separator: "|"))
            }
            dump[table] = rows.sorted()
        }
        return dump
    }

    @Test("SIGTERM mid-stream: exit 0, the session ends as a shutdown, every line received is journaled")
    func terminate() async throws {
        let setup = try Self.setup()
        let (simulator, address) = try Self.simulator(setup)
        let collector = try Self.collector(setup, address: address)
        try await Self.waitFor(setup) { try Self.journalCount($0) > 3_000 }
        collector.signal(SIGTERM)
        #expect(collector.wait() == 0)
        simulator.signal(SIGTERM)
        _ = simulator.wait()
        let log = collector.standardError()
        let received = try #require(log.firstMatch(of: /(\d+) lines received, all committed/).flatMap { Int64($0.1) }, "\(log)")
        let database = try Database(path: setup.database, mode: .readWrite)
        #expect(try Self.journalCount(database) == received)
        #expect(received > 3_000)
        #expect(try database.fetchString("SELECT end_reason FROM collection_session") == "shutdown")
        #expect(try database.fetchString("PRAGMA integrity_check") == "ok")
        // Journal sequence without holes.
        try database.snapshotJournal()
        #expect(try database.fetchInt64("SELECT max(seq) - min(seq) + 1 - count(*) FROM journal") == 0)
    }

    @Test("SIGKILL mid-stream, then a restart: integrity ok, no duplicated row, replay reproduces the derived tables")
    func killAndRestart() async throws {
        let setup = try Self.setup()
        let (simulator, address) = try Self.simulator(setup)
        let first = try Self.collector(setup, address: address)
        try await Self.waitFor(setup) { try Self.journalCount($0) > 3_000 }
        first.signal(SIGKILL)
        _ = first.wait()
        do {
            let database = try Database(path: setup.database, mode: .readOnly)
            #expect(try database.fetchString("PRAGMA integrity_check") == "ok")
        }
        let killedAt = try Self.journalCount(Database(path: setup.database, mode: .readOnly))
        let second = try Self.collector(setup, address: address)
        try await Self.waitFor(setup) { database in
            try database.fetchInt64("SELECT count(*) FROM collection_session") == 2 && Self.journalCount(database) > killedAt + 3_000
        }
        second.signal(SIGTERM)
        #expect(second.wait() == 0)
        simulator.signal(SIGTERM)
        _ = simulator.wait()

        let database = try Database(path: setup.database, mode: .readOnly)
        #expect(try database.fetchString("PRAGMA integrity_check") == "ok")
        let reasons = try database.makeStatement("SELECT end_reason FROM collection_session ORDER BY session_id")
        var ends: [String] = []
        try reasons.forEachRow { ends.append($0.string(0) ?? "") }
        #expect(ends == ["collector_stopped_unexpectedly", "shutdown"])
        try Self.expectNoDuplicates(database)

        let live = try Self.derivedDump(setup.database)
        let replay = try setup.binary.run(["replay", "--db", setup.database])
        #expect(replay.status == 0, "\(replay.stderr)")
        let replayed = try Self.derivedDump(setup.database)
        for (table, rows) in live {
            #expect(replayed[table] == rows, "\(table) differs after replay")
        }
    }

    @Test("the server killed mid-day and restarted: two sessions with a recorded gap, no duplicated row")
    func serverRestart() async throws {
        let setup = try Self.setup()
        let (first, address) = try Self.simulator(setup)
        let port = try #require(address.split(separator: ":").last.flatMap { Int($0) })
        let collector = try Self.collector(setup, address: address)
        try await Self.waitFor(setup) { try Self.journalCount($0) > 3_000 }
        first.signal(SIGKILL)
        _ = first.wait()
        let lostAt = try Self.journalCount(Database(path: setup.database, mode: .readOnly))
        // The same server back an hour of its day later.
        let (second, _) = try Self.simulator(setup, port: port, seed: 22, start: "2026-11-02T12:00:00Z")
        try await Self.waitFor(setup) { database in
            try database.fetchInt64("SELECT count(*) FROM collection_session WHERE started_at IS NOT NULL") == 2
                && Self.journalCount(database) > lostAt + 3_000
        }
        collector.signal(SIGTERM)
        #expect(collector.wait() == 0)
        second.signal(SIGTERM)
        _ = second.wait()

        let database = try Database(path: setup.database, mode: .readOnly)
        var sessions: [(start: Double, end: Double, reason: String)] = []
        try database.makeStatement("SELECT started_at, ended_at, end_reason FROM collection_session WHERE started_at IS NOT NULL ORDER BY session_id")
            .forEachRow { sessions.append(($0.double(0), $0.optionalDouble(1) ?? .nan, $0.string(2) ?? "")) }
        #expect(sessions.count == 2)
        if sessions.count == 2 {
            #expect(sessions[0].reason == "connection_lost")
            #expect(sessions[1].reason == "shutdown")
            // The gap: nothing is known between the first session's end and the second's start.
            #expect(sessions[1].start - sessions[0].end > 3_000)
            #expect(try database.fetchInt64(
                "SELECT count(*) FROM agent_state_interval WHERE start_time < ? AND end_time > ?", sessions[1].start, sessions[0].end) == 0)
        }
        try Self.expectNoDuplicates(database)
    }
}

@Suite("One writer per database")
struct WriterLockTests {
    @Test("a second collector, or a replay, on a database a collector is writing is refused with a clear error")
    func secondWriterRefused() async throws {
        let setup = try CollectorFaultTests.setup()
        let (simulator, address) = try CollectorFaultTests.simulator(setup)
        let first = try CollectorFaultTests.collector(setup, address: address)
        try await CollectorFaultTests.waitFor(setup) { try CollectorFaultTests.journalCount($0) > 100 }
        let second = try setup.binary.run([
            "collect", "--server", address, "--user", "stats", "--password-file", setup.passwordFile,
            "--db", setup.database, "--tls", "off", "--once",
        ])
        #expect(second.status != 0)
        #expect(second.stderr.contains("another callstats process"), "\(second.stderr)")
        let replay = try setup.binary.run(["replay", "--db", setup.database])
        #expect(replay.status != 0)
        #expect(replay.stderr.contains("another callstats process"), "\(replay.stderr)")
        first.signal(SIGTERM)
        #expect(first.wait() == 0)
        simulator.signal(SIGTERM)
        _ = simulator.wait()
        // The first collector's session was never disturbed.
        let database = try Database(path: setup.database, mode: .readOnly)
        #expect(try database.fetchInt64("SELECT count(*) FROM collection_session") == 1)
        #expect(try database.fetchString("SELECT end_reason FROM collection_session") == "shutdown")
    }
}

@Suite("callstats status, for a person and for monitoring")
struct StatusCommandTests {
    @Test("live while a collector records (exit 0), not live once it stopped (exit 1); JSON parsed and checked")
    func liveThenStopped() async throws {
        let setup = try CollectorFaultTests.setup()
        let (simulator, address) = try CollectorFaultTests.simulator(setup)
        let collector = try CollectorFaultTests.collector(setup, address: address)
        try await CollectorFaultTests.waitFor(setup) { try CollectorFaultTests.journalCount($0) > 500 }
        let live = try setup.binary.run(["status", "--db", setup.database, "--format", "json"])
        #expect(live.status == 0, "\(live.stdout)\(live.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(live.stdout.utf8)) as? [String: Any])
        #expect(object["collecting"] as? Bool == true)
        #expect(object["health"] as? String == "live")
        #expect((object["journal_rows"] as? Int ?? 0) > 500)
        let current = try #require(object["current_session"] as? [String: Any])
        #expect(current["server"] as? String == address)
        #expect(current["protocol"] as? String == "1.2")
        // A threshold shorter than the time since the last message makes it stale: the server
        // paused, the data goes stale once a second has passed without a line.
        simulator.signal(SIGSTOP)
        let binary = setup.binary, database = setup.database
        let stale = try await eventually("the data to go stale", every: .milliseconds(200)) {
            let result = try await offPool { try binary.run(["status", "--db", database, "--stale", "1"]) }
            return result.status == 2 ? result : nil
        }
        simulator.signal(SIGCONT)
        #expect(stale.stdout.contains("stale"))

        collector.signal(SIGTERM)
        #expect(collector.wait() == 0)
        simulator.signal(SIGTERM)
        _ = simulator.wait()
        let stopped = try setup.binary.run(["status", "--db", setup.database])
        #expect(stopped.status == 1)
        #expect(stopped.stdout.hasPrefix("not collecting"))
        #expect(stopped.stdout.contains("ended (shutdown)"))
    }
}
