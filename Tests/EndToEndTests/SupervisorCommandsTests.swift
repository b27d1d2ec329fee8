import CallStatsTestSupport
import Foundation
import Storage
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// One database made by `callstats demo --hours 1` for the whole suite (08:00 to 09:00 UTC on
/// 2026-11-02, the collector gone: no live collection), removed when the test process exits.
enum SupervisorDemo {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var folder: String?
    nonisolated(unsafe) private static var failure: String?

    static let day = "2026-11-02"

    static func database() throws -> String {
        try lock.withLock {
            if let folder { return folder + "/calls.db" }
            if let failure { throw CollectorTruthTests.Failure(failure) }
            let binary = try CallStatsBinary.built()
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("callstats-e2e-supervisor-\(UUID().uuidString)").path
            let result = try binary.run(["demo", "--out", path, "--hours", "1", "--seed", "3"])
            guard result.status == 0 else {
                failure = "the demo failed: \(result.stderr)"
                throw CollectorTruthTests.Failure(failure ?? "")
            }
            folder = path
            atexit {
                if let folder = SupervisorDemo.folder { try? FileManager.default.removeItem(atPath: folder) }
            }
            return path + "/calls.db"
        }
    }
}

/// `agents`, `queues`, `calls` and `status` run as processes, their output parsed and checked
/// against the database and against `callstats report`.
@Suite("The supervisor's commands, run as processes")
struct SupervisorCommandsTests {
    let binary: CallStatsBinary
    let database: String

    init() throws {
        binary = try CallStatsBinary.built()
        database = try SupervisorDemo.database()
    }

    func run(_ arguments: [String]) throws -> CallStatsBinary.Result {
        try binary.run(arguments)
    }

    /// Runs a command with `--format json` and parses its object.
    func object(_ arguments: [String]) throws -> [String: Any] {
        let result = try run(arguments + ["--format", "json"])
        #expect(result.status == 0, "\(arguments): \(result.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], "\(result.stdout)")
    }

    /// A report's JSON rows.
    func report(_ kind: String, _ extra: [String] = []) throws -> [[String: Any]] {
        let result = try run(["report", kind, "--db", database, "--date", SupervisorDemo.day, "--tz", "UTC", "--format", "json"] + extra)
        #expect(result.status == 0, "\(result.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
    }

    func reader() throws -> Database {
        try Database.openReader(path: database)
    }

    /// The latest recorded event, as the views print it (UTC, milliseconds when there are some).
    func latestEvent() throws -> (time: Double, text: String) {
        let time = try #require(try reader().fetchDouble("SELECT max(last_event_at) FROM collection_session"))
        let milliseconds = Int64((time * 1000).rounded())
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        var text = formatter.string(from: Date(timeIntervalSince1970: Double(milliseconds / 1000))).replacingOccurrences(of: "Z", with: "")
        if milliseconds % 1000 != 0 { text += String(format: ".%03lld", milliseconds % 1000) }
        return (time, text + "+00:00")
    }

    static func number(_ value: Any?) -> Double? { (value as? NSNumber)?.doubleValue }

    // MARK: agents

    @Test("agents --format json: every agent, the state of its latest status, today's figures equal to the occupancy report's")
    func agents() throws {
        let json = try object(["agents", "--db", database, "--tz", "UTC"])
        let (asOf, asOfText) = try latestEvent()
        #expect(json["as_of"] as? String == asOfText)
        #expect(json["as_of_source"] as? String == "latest_event")
        #expect(json["live"] as? Bool == false)
        #expect(json["today_start"] as? String == "2026-11-02T00:00:00+00:00")
        let agents = try #require(json["agents"] as? [[String: Any]])
        let database = try reader()
        #expect(Int64(agents.count) == (try database.fetchInt64("SELECT count(*) FROM agent")))

        // The state each agent's latest status change put it in (another table than the
        // intervals the command reads), and the phone number the server gave.
        let report = try Dictionary(uniqueKeysWithValues: report("occupancy", ["--interval", "total"]).map { ($0["agent_id"] as? String ?? "", $0) })
        let sessionEnd = try #require(try database.fetchDouble("SELECT ended_at FROM collection_session"))
        var states: Set<String> = []
        for agent in agents {
            let id = try #require(agent["agent_id"] as? String)
            let expectedState = try database.fetchString(
                "SELECT state FROM agent_status_change WHERE agent_id = ? AND state IS NOT NULL AND event_time <= ? ORDER BY id DESC LIMIT 1", id, asOf)
            #expect(agent["state"] as? String == expectedState, "agent \(id)")
            if let state = expectedState { states.insert(state) }
            #expect(agent["phone_number"] as? String == (try database.fetchString("SELECT json_extract(status, '$.phonenumber') FROM agent WHERE agent_id = ?", id)))
            if let since = agent["state_since"] as? String {
                #expect(since.hasPrefix("2026-11-02T0"), "\(since)")
            }
            // Today so far ends at the latest event; the day's report runs on to the session's
            // end, a moment later: the same ACD calls, and logged-in time within that moment.
            let row = report[id]
            #expect(Self.number(agent["acd_calls_today"]) == Self.number(row?["acd_calls"]) ?? 0, "agent \(id)")
            let mine = try #require(Self.number(agent["logged_in_today_s"]))
            let theirs = Self.number(row?["logged_in_s"]) ?? 0
            #expect(mine <= theirs + 0.001 && theirs - mine <= sessionEnd - asOf + 0.002, "agent \(id): \(mine) vs \(theirs)")
        }
        // A simulated hour leaves agents in several states.
        #expect(states.count >= 2, "\(states)")
        #expect(agents.contains { ($0["queues"] as? String)?.isEmpty == false })
    }

    // MARK: queues

    @Test("queues --format json: today's offered, answered, missed and service level are the missed report's; now from the latest statistics")
    func queues() throws {
        let json = try object(["queues", "--db", database, "--tz", "UTC"])
        let queues = try #require(json["queues"] as? [[String: Any]])
        let database = try reader()
        #expect(Int64(queues.count) == (try database.fetchInt64("SELECT count(*) FROM queue")))
        let report = try report("missed", ["--interval", "total"]).filter { $0["target_kind"] as? String == "queue" }
        #expect(report.count == queues.count)
        let asOf = try latestEvent().time
        var offered = 0.0
        for row in report {
            let id = try #require(row["target_id"] as? String)
            let queue = try #require(queues.first { $0["queue_id"] as? String == id })
            #expect(Self.number(queue["offered_today"]) == Self.number(row["offered"]), "queue \(id)")
            #expect(Self.number(queue["answered_today"]) == Self.number(row["answered"]), "queue \(id)")
            #expect(Self.number(queue["missed_today"]) == Self.number(row["missed"]), "queue \(id)")
            #expect(Self.number(queue["missed_today_pct"]) == Self.number(row["missed_pct"]), "queue \(id)")
            #expect(Self.number(queue["service_level_today_pct"]) == Self.number(row["service_level_pct"]), "queue \(id)")
            offered += Self.number(row["offered"]) ?? 0
            // Now: the server's own latest statistics in effect at the latest event.
            for (column, key) in [("ewt_s", "Xivo-EWT"), ("logged_agents", "Xivo-LoggedAgents"), ("waiting_calls", "Xivo-WaitingCalls")] {
                let latest = try database.fetchDouble(
                    "SELECT value FROM queue_stat_sample WHERE queue_id = ? AND key = ? AND event_time <= ? ORDER BY event_time DESC, id DESC LIMIT 1",
                    id, key, asOf)
                #expect(Self.number(queue[column]) == latest, "queue \(id) \(column)")
            }
        }
        #expect(offered == Double(try database.fetchInt64("SELECT count(*) FROM queue_visit") ?? -1))
        #expect(offered > 50)
    }

    @Test("CSV headers are exact, as_of first; CSV is the default when standard output is not a terminal")
    func csvHeaders() throws {
        let headers = [
            "agents": "as_of,as_of_source,agent_id,agent_number,agent_name,state,state_since,queues,phone_number,logged_in_today_s,acd_calls_today,occupancy_today_pct",
            "queues": "as_of,as_of_source,queue_id,queue_name,waiting_calls,longest_wait_s,ewt_s,logged_agents,available_agents,talking_agents,offered_today,answered_today,missed_today,missed_today_pct,service_level_today_pct",
            "calls": "as_of,as_of_source,time,kind,direction,caller_number,caller_name,target_id,target_name,callee_number,agent_id,agent_name,wait_s,talk_s,outcome,called_back_at",
        ]
        let asOf = try latestEvent().text
        for (command, header) in headers {
            let result = try run([command, "--db", database, "--tz", "UTC"])
            #expect(result.status == 0, "\(result.stderr)")
            let lines = result.stdout.components(separatedBy: "\r\n")
            #expect(lines.first == header, "\(command)")
            #expect(lines.count > 2)
            #expect(lines.dropFirst().filter { !$0.isEmpty }.allSatisfy { $0.hasPrefix(asOf + ",latest_event,") }, "\(command)")
            #expect(!result.stdout.contains("\u{1B}"))
        }
    }

    @Test("a table on a pipe has no escape codes, and says what now is")
    func tableWithoutTerminal() throws {
        let asOf = try latestEvent().time
        for command in ["agents", "queues", "calls"] {
            let result = try run([command, "--db", database, "--tz", "UTC", "--format", "table"])
            #expect(result.status == 0)
            #expect(!result.stdout.contains("\u{1B}"), "\(command)")
            let formatter = ISO8601DateFormatter()
            formatter.timeZone = TimeZone(identifier: "UTC")
            let shown = formatter.string(from: Date(timeIntervalSince1970: asOf.rounded(.down))).replacingOccurrences(of: "Z", with: "+00:00")
            #expect(result.stdout.hasPrefix("as of \(shown) (latest recorded event; no live collection)\n"), "\(result.stdout.prefix(200))")
        }
    }

    // MARK: calls

    /// `calls --format json` rows.
    func calls(_ extra: [String]) throws -> [[String: Any]] {
        let json = try object(["calls", "--db", database, "--tz", "UTC"] + extra)
        return try #require(json["calls"] as? [[String: Any]])
    }

    @Test("calls: newest first, today's visits and calls all listed with --limit 0, 50 by default")
    func callsAll() throws {
        let database = try reader()
        let all = try calls(["--limit", "0"])
        let visits = try database.fetchInt64("SELECT count(*) FROM queue_visit") ?? -1
        // A queue call is listed once, as its visit.
        let calls = try database.fetchInt64("""
            SELECT count(*) FROM call c WHERE NOT EXISTS (SELECT 1 FROM queue_visit v WHERE v.call_id = c.call_id)
            """) ?? -1
        #expect(try database.fetchInt64("SELECT count(call_id) FROM queue_visit") ?? 0 > 0)
        #expect(Int64(all.count) == visits + calls)
        let times = all.compactMap { $0["time"] as? String }
        #expect(times.count == all.count)
        #expect(times == times.sorted(by: >))
        #expect(Set(all.compactMap { $0["kind"] as? String }) == ["queue", "call"])
        // An answered visit names its agent and has a talk time; a missed one has none.
        let answered = try #require(all.first { $0["kind"] as? String == "queue" && $0["outcome"] as? String == "answered" })
        #expect(answered["agent_id"] is String)
        #expect((Self.number(answered["talk_s"]) ?? -1) >= 0)
        #expect(try self.calls([]).count == 50)
        #expect(try self.calls(["--limit", "7"]).map { $0["time"] as? String } == all.prefix(7).map { $0["time"] as? String })
    }

    @Test("calls --missed: the queue rows are the calls-missed report's, with the same call backs")
    func callsMissed() throws {
        let missed = try calls(["--missed", "--limit", "0"])
        #expect(missed.allSatisfy { $0["outcome"] as? String == "missed" })
        let report = try report("calls-missed")
        func key(_ row: [String: Any]) -> String {
            "\(row["time"] as? String ?? "")|\(row["caller_number"] as? String ?? "")|\(row["called_back_at"] as? String ?? "-")"
        }
        let reportVisits = report.filter { $0["target_kind"] as? String == "queue" }.map(key).sorted()
        let mine = missed.filter { $0["kind"] as? String == "queue" }.map(key).sorted()
        #expect(!mine.isEmpty)
        #expect(mine == reportVisits)
        // Each missed call row is one call; the report has a row per user whose phone rang. A
        // missed call whose abandoned visit is listed is that visit's row.
        let database = try reader()
        let missedCalls = try database.fetchInt64("""
            SELECT count(*) FROM call c WHERE c.outcome = 'missed' AND c.direction IN ('inbound', 'internal')
              AND EXISTS (SELECT 1 FROM call_ring r WHERE r.call_id = c.call_id AND r.user_id IS NOT NULL)
              AND NOT EXISTS (SELECT 1 FROM queue_visit v WHERE v.call_id = c.call_id AND v.outcome = 'abandoned')
            """)
        #expect(Int64(missed.filter { $0["kind"] as? String == "call" }.count) == missedCalls)
    }

    @Test("calls --since, --queue and --user keep what they say, counted against the database")
    func callsFilters() throws {
        let database = try reader()
        let since = 1_793_606_400.0 + 1800 // 08:30 UTC
        let afterHalfPast = try calls(["--since", "08:30", "--limit", "0"])
        let expected = (try database.fetchInt64("SELECT count(*) FROM queue_visit WHERE join_time >= ?", since) ?? 0)
            + (try database.fetchInt64("""
                SELECT count(*) FROM call c WHERE c.started_at >= ?1
                  AND NOT EXISTS (SELECT 1 FROM queue_visit v WHERE v.call_id = c.call_id AND v.join_time >= ?1)
                """, since) ?? 0)
        #expect(Int64(afterHalfPast.count) == expected)
        #expect(afterHalfPast.allSatisfy { ($0["time"] as? String ?? "") >= "2026-11-02T08:30:00+00:00" })
        // The same instant written in full, with an offset; an hour of one digit.
        #expect(try calls(["--since", "2026-11-02T09:30:00+01:00", "--limit", "0"]).count == afterHalfPast.count)
        #expect(try calls(["--since", "8:30", "--limit", "0"]).count == afterHalfPast.count)

        let blue = try calls(["--queue", "blue", "--limit", "0"])
        #expect(Int64(blue.count) == (try database.fetchInt64("SELECT count(*) FROM queue_visit WHERE queue_id = '1'")))
        #expect(blue.allSatisfy { $0["kind"] as? String == "queue" && $0["target_name"] as? String == "Blue" })
        #expect(try calls(["--queue", "1", "--limit", "0"]).count == blue.count)

        let user = try calls(["--user", "3", "--limit", "0"])
        let rang = try database.fetchInt64("SELECT count(DISTINCT call_id) FROM call_ring WHERE user_id = '3'") ?? -1
        #expect(rang > 0)
        #expect(Int64(user.count) == rang)
        #expect(user.allSatisfy { $0["kind"] as? String == "call" })
    }

    // MARK: status

    @Test("status on the demo's database: not live (exit 1), its session and journal as recorded")
    func status() throws {
        let result = try run(["status", "--db", database, "--format", "json"])
        #expect(result.status == 1)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(json["health"] as? String == "not_live")
        #expect(json["collecting"] as? Bool == false)
        #expect(json["sessions"] as? Int == 1)
        #expect(Int64(json["journal_rows"] as? Int ?? -1) == (try JournalReader(database: reader()).lineCount()))
        let text = try run(["status", "--db", database])
        #expect(text.status == 1)
        #expect(text.stdout.hasPrefix("not collecting"))
        #expect(text.stdout.contains("connected"))
    }

    // MARK: Errors

    @Test("bad arguments: one clear line, non-zero exit", arguments: [
        (["agents", "--db", "/nonexistent/calls.db"], "no such database file"),
        (["queues", "--db", "DEMO", "--format", "xml"], "xml"),
        (["agents", "--db", "DEMO", "--tz", "Mars/Base"], "unknown time zone"),
        (["calls", "--db", "DEMO", "--since", "25:99"], "--since 25:99: not a time"),
        (["calls", "--db", "DEMO", "--since", "yesterday-ish"], "not a time"),
        (["calls", "--db", "DEMO", "--queue", "purple"], "no queue has the id or name 'purple'"),
        (["calls", "--db", "DEMO", "--user", "999"], "no user has the id '999'"),
        (["calls", "--db", "DEMO", "--limit", "-3"], "--limit"),
        (["queues", "--db", "DEMO", "--sl-threshold", "soon"], "not a duration"),
        (["watch", "--db", "DEMO", "--every", "0"], "at least 100 ms"),
        (["watch", "--db", "DEMO"], "standard output is not one"),
    ])
    func badArguments(arguments: [String], message: String) throws {
        let result = try run(arguments.map { $0 == "DEMO" ? database : $0 })
        #expect(result.status != 0)
        #expect(result.stderr.contains(message), "\(result.stderr)")
        #expect(result.stdout.isEmpty)
    }

    @Test("a database file that is not there, or holds nothing yet, is said so")
    func emptyDatabase() throws {
        let folder = try TemporaryFolder()
        let missing = try run(["agents", "--db", folder.path("none.db")])
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("no such database file"))
        #expect(!FileManager.default.fileExists(atPath: folder.path("none.db")))
        let migrate = try run(["migrate", "--db", folder.path("new.db")])
        #expect(migrate.status == 0)
        let empty = try run(["queues", "--db", folder.path("new.db")])
        #expect(empty.status != 0)
        #expect(empty.stderr.contains("nothing recorded yet"))
    }

    // MARK: While collecting

    @Test("agents, queues, calls and status succeed while a collector writes; now is live, on the server's clock")
    func whileCollecting() async throws {
        let setup = try CollectorFaultTests.setup()
        // The rounds below need the collector still writing at their end: 15 simulated hours
        // (until 23:00, the same day) at ×200 last 270 s, past the 116 s a loaded CI machine took.
        let (simulator, address) = try CollectorFaultTests.simulator(setup, speed: "200", duration: "15h")
        let collector = try CollectorFaultTests.collector(setup, address: address)
        defer {
            collector.signal(SIGTERM)
            _ = collector.wait()
            simulator.signal(SIGTERM)
            _ = simulator.wait()
        }
        do {
            try await CollectorFaultTests.waitFor(setup) { try CollectorFaultTests.journalCount($0) > 500 }
        } catch {
            // What the collector and the simulator said, to tell a slow start from a failure.
            Issue.record("collector: \(collector.standardError())\nsimulator: \(simulator.standardError())")
            throw error
        }
        var previous = ""
        for round in 0..<3 {
            for command in ["agents", "queues", "calls"] {
                let result = try binary.run([command, "--db", setup.database, "--format", "json", "--tz", "UTC"])
                #expect(result.status == 0, "\(command): \(result.stderr)")
                let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], "\(result.stdout)")
                #expect(json["as_of_source"] as? String == "live", "\(command)")
                #expect(json["live"] as? Bool == true)
                let asOf = try #require(json["as_of"] as? String)
                // The simulated day starts at 08:00 on the server's clock, whatever the machine's.
                #expect(asOf.hasPrefix("2026-11-02T"), "\(asOf)")
                #expect(json[command] is [Any])
                if command == "agents" {
                    #expect(asOf >= previous, "round \(round)")
                    previous = asOf
                }
            }
            let table = try binary.run(["queues", "--db", setup.database, "--format", "table"])
            #expect(table.status == 0)
            #expect(table.stdout.contains("(live: collecting from \(address))"), "\(table.stdout.prefix(300))")
            let status = try binary.run(["status", "--db", setup.database])
            #expect(status.status == 0, "\(status.stdout)")
            // Let the collector record more before the next round.
            let journal = try CollectorFaultTests.journalCount(Database.openReader(path: setup.database))
            try await CollectorFaultTests.waitFor(setup) { try CollectorFaultTests.journalCount($0) > journal + 200 }
        }
        // Today's offered so far never exceeds the visits recorded (the snapshot is the database's).
        let queues = try binary.run(["queues", "--db", setup.database, "--format", "json"])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(queues.stdout.utf8)) as? [String: Any])
        let offered = (json["queues"] as? [[String: Any]] ?? []).compactMap { Self.number($0["offered_today"]) }.reduce(0, +)
        #expect(offered > 0)
        #expect(offered <= Double(try Database.openReader(path: setup.database).fetchInt64("SELECT count(*) FROM queue_visit") ?? 0))
    }
}
