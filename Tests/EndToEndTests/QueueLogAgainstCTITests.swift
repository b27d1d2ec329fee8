import CallStatsTestSupport
import Foundation
import Storage
import Testing

/// One simulated day seen through both sources: collected over CTI into one database, and
/// imported from the queue_log the simulator wrote into another. The file's times are whole
/// seconds (Asterisk's `time(NULL)`), so what differs is bounded by that, and by what only CTI
/// knows (an agent's non-ACD calls). docs/METRICS.md, "Two sources of one day".
@Suite("A simulated day through CTI and through its queue_log")
struct QueueLogAgainstCTITests {
    struct Sources {
        let cti: String
        let queueLog: String
        /// Kept so that their folders live as long as the test.
        let day: CollectorTruthTests.Day
        let folder: TemporaryFolder
    }

    static func bothSources() throws -> Sources {
        let binary = try CallStatsBinary.built()
        let folder = try TemporaryFolder()
        let queueLogFile = folder.path("queue_log")
        let day = try CollectorTruthTests.collectDay(seed: 5, hours: 6, agents: 25, queues: 3, simulatorArguments: ["--queue-log", queueLogFile])
        let imported = folder.path("imported.db")
        let result = try binary.run(["import", "queue-log", "--db", imported, queueLogFile])
        guard result.status == 0, result.stdout.hasSuffix(", 0 unreadable\n") else {
            throw TestFailure("import exited \(result.status): \(result.stdout)\(result.stderr)")
        }
        return Sources(cti: day.database, queueLog: imported, day: day, folder: folder)
    }

    /// `report missed` for the whole day, one row per queue, keyed by the queue's name in
    /// lower case (CTI names it by its display name, the queue_log by its Asterisk name).
    static func missedByQueue(_ database: String) throws -> [String: [String: String]] {
        let result = try CallStatsBinary.built().run([
            "report", "missed", "--db", database, "--from", "2026-11-01T00:00:00Z", "--to", "2026-11-04T00:00:00Z",
            "--tz", "UTC", "--interval", "total", "--format", "csv",
        ])
        guard result.status == 0 else { throw TestFailure(result.stderr) }
        let lines = result.stdout.split(whereSeparator: \.isNewline).map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        guard let header = lines.first else { throw TestFailure("no CSV") }
        var rows: [String: [String: String]] = [:]
        for fields in lines.dropFirst() where fields.count == header.count && fields[2] == "queue" {
            rows[fields[4].lowercased()] = Dictionary(uniqueKeysWithValues: zip(header, fields))
        }
        return rows
    }

    struct Span: Equatable {
        var start: Double
        var end: Double
    }

    /// Each agent's spans in `state`, by agent number, consecutive intervals joined (both
    /// databases cut intervals at every hour).
    static func spans(_ path: String, state: String) throws -> [String: [Span]] {
        let database = try Database.openReader(path: path)
        var spans: [String: [Span]] = [:]
        try database.makeStatement("""
            SELECT a.number, i.start_time, i.end_time FROM agent_state_interval i
            JOIN agent a ON a.ipbx = i.ipbx AND a.agent_id = i.agent_id
            WHERE i.state = ? AND i.end_time IS NOT NULL ORDER BY a.number, i.start_time
            """).forEachRow([state]) { row in
            let number = row.string(0) ?? ""
            let span = Span(start: row.double(1), end: row.optionalDouble(2) ?? row.double(1))
            var agentSpans = spans[number] ?? []
            if let last = agentSpans.last, last.end == span.start {
                agentSpans[agentSpans.count - 1].end = span.end
            } else {
                agentSpans.append(span)
            }
            spans[number] = agentSpans
        }
        return spans
    }

    static func seconds(_ spans: [Span]?) -> Double { (spans ?? []).reduce(0) { $0 + $1.end - $1.start } }

    @Test("per queue: the same offered, answered and missed, waits within 1 s; per agent: each ACD call and wrap-up within 1 s, pauses bounded by what only CTI knows")
    func sameDay() throws {
        let sources = try Self.bothSources()
        let cti = try Self.missedByQueue(sources.cti)
        let imported = try Self.missedByQueue(sources.queueLog)
        #expect(cti.count == 3)
        #expect(Set(cti.keys) == Set(imported.keys))
        for (queue, expected) in cti {
            let got = imported[queue] ?? [:]
            for column in ["offered", "answered", "missed", "called_back"] {
                #expect(got[column] == expected[column], "\(queue) \(column)")
            }
            #expect(Int(expected["offered"] ?? "") ?? 0 > 50, "\(queue) has traffic")
            for column in ["avg_wait_answered_s", "avg_wait_missed_s", "max_wait_missed_s"] {
                let (a, b) = (Double(expected[column] ?? "") ?? -100, Double(got[column] ?? "") ?? 100)
                #expect(abs(a - b) <= 1, "\(queue) \(column): \(a) against \(b)")
            }
        }

        // ACD calls and wrap-ups: the same spans, each end within the second the file keeps.
        // Those still open when the day ended are left out: the collector closes them when the
        // server's day ends, the import at the file's last line.
        let lastLine = try Database.openReader(path: sources.queueLog).fetchDouble("SELECT max(end_time) FROM agent_state_interval") ?? 0
        for state in ["acd_call", "wrapup"] {
            let expected = try Self.spans(sources.cti, state: state).mapValues { $0.filter { $0.start < lastLine - 3600 } }
            let got = try Self.spans(sources.queueLog, state: state).mapValues { $0.filter { $0.start < lastLine - 3600 } }
            #expect(expected.values.map(\.count).reduce(0, +) > 100, "\(state) spans")
            #expect(Set(expected.keys) == Set(got.keys), "\(state)")
            for (agent, spans) in expected {
                let other = got[agent] ?? []
                #expect(spans.count == other.count, "agent \(agent) \(state)")
                for (a, b) in zip(spans, other) {
                    #expect(abs(a.start - b.start) < 1 && abs(a.end - b.end) < 1, "agent \(agent) \(state) \(a.start)-\(a.end) against \(b.start)-\(b.end)")
                }
            }
        }

        // Pauses: the queue_log does not know non-ACD calls, so one made while paused is
        // paused there (CTI says nonacd_call); each pause's ends move by less than a second.
        let paused = try Self.spans(sources.cti, state: "paused")
        let nonACD = try Self.spans(sources.cti, state: "nonacd_call")
        let importedPauses = try Self.spans(sources.queueLog, state: "paused")
        #expect(importedPauses.values.map(\.count).reduce(0, +) > 10)
        for agent in Set(paused.keys).union(importedPauses.keys) {
            let pauses = Double(importedPauses[agent]?.count ?? 0) + 1
            let got = Self.seconds(importedPauses[agent])
            #expect(got >= Self.seconds(paused[agent]) - pauses, "agent \(agent) paused")
            #expect(got <= Self.seconds(paused[agent]) + Self.seconds(nonACD[agent]) + pauses, "agent \(agent) paused")
        }
    }

    /// docs/METRICS.md "One database, two sources": the queue_log of a day the collector
    /// recorded, imported into the collector's own database, is journaled but counts nothing
    /// more: the same missed calls, the same agent time.
    @Test("the queue_log imported into the database that collected the same day over CTI adds no call, visit or agent time")
    func oneDatabaseTwoSources() throws {
        let binary = try CallStatsBinary.built()
        let sources = try Self.bothSources()
        let range = ["--from", "2026-11-01T00:00:00Z", "--to", "2026-11-04T00:00:00Z", "--tz", "UTC", "--interval", "total", "--format", "csv"]
        let missedBefore = try binary.run(["report", "missed", "--db", sources.cti] + range)
        let occupancyBefore = try binary.run(["report", "occupancy", "--db", sources.cti] + range)
        let imported = try binary.run(["import", "queue-log", "--db", sources.cti, sources.folder.path("queue_log")])
        #expect(imported.status == 0, "\(imported.stderr)")
        let missedAfter = try binary.run(["report", "missed", "--db", sources.cti] + range)
        let occupancyAfter = try binary.run(["report", "occupancy", "--db", sources.cti] + range)
        // All but coverage_pct, the last column: the queue_log covers the hour before the day too.
        func withoutCoverage(_ csv: String) -> [String] {
            csv.split(whereSeparator: \.isNewline).map { $0.split(separator: ",", omittingEmptySubsequences: false).dropLast().joined(separator: ",") }
        }
        #expect(missedBefore.status == 0 && withoutCoverage(missedAfter.stdout) == withoutCoverage(missedBefore.stdout))
        #expect(occupancyAfter.stdout.count > 1000)
        // The queue_log's lines of the day's first second come before the collector's session
        // began (the file keeps whole seconds): at most that second more per agent.
        let before = occupancyBefore.stdout.split(whereSeparator: \.isNewline)
        let after = occupancyAfter.stdout.split(whereSeparator: \.isNewline)
        #expect(before.count == after.count)
        for (a, b) in zip(before.dropFirst(), after.dropFirst()) {
            let (x, y) = (a.split(separator: ","), b.split(separator: ","))
            #expect(x[2] == y[2], "the same agents")
            let (loggedIn, loggedInAfter) = (Double(x[5]) ?? -10, Double(y[5]) ?? 10)
            #expect(loggedInAfter >= loggedIn && loggedInAfter < loggedIn + 1, "agent \(x[2]): logged in \(loggedIn) then \(loggedInAfter)")
            #expect(x[7] == y[7] && x[11] == y[11], "agent \(x[2]): ACD time and calls")
        }
        let database = try Database.openReader(path: sources.cti)
        #expect(try database.fetchInt64("SELECT count(*) FROM queue_visit v JOIN collection_session s ON s.session_id = v.session_id WHERE s.source_id IS NOT NULL") == 0)
        #expect(try database.fetchInt64("SELECT count(*) FROM journal_block b JOIN collection_session s ON s.session_id = b.session_id WHERE s.source_id IS NOT NULL") ?? 0 > 0)
    }
}
