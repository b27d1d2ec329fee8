import CallStatsTestSupport
import Foundation
import Storage
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `callstats journal` and the journal's conversion by `callstats migrate`, with the real binary.
@Suite("callstats journal and the journal's conversion", .serialized)
struct JournalCommandTests {
    struct Line {
        let seq: Int64
        let sessionID: Int64
        let receivedAt: Double
        let eventTime: Double
        let bytes: Data
    }

    static func lines(_ path: String) throws -> [Line] {
        var lines: [Line] = []
        try JournalReader(database: Database(path: path, mode: .readOnly)).forEachLine { line in
            lines.append(Line(seq: line.seq, sessionID: line.sessionID, receivedAt: line.receivedAt, eventTime: line.eventTime,
                              bytes: Data(line.bytes)))
        }
        return lines
    }

    static func printed(_ lines: [Line]) -> Data {
        lines.reduce(into: Data()) { $0 += $1.bytes + Data("\n".utf8) }
    }

    static func utc(_ time: Double) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: Date(timeIntervalSince1970: time))
    }

    @Test("journal prints every line byte for byte, in order, by session, class and received time; bad arguments get one clear line")
    func printsLines() throws {
        let day = try CollectorTruthTests.collectDay(seed: 14, hours: 1)
        let binary = try CallStatsBinary.built()
        let lines = try Self.lines(day.database)
        #expect(lines.count > 5_000)

        let all = try binary.run(["journal", "--db", day.database])
        #expect(all.status == 0, "\(all.stderr)")
        #expect(all.stdoutBytes == Self.printed(lines))

        let stats = try binary.run(["journal", "--db", day.database, "--class", "getqueuesstats"])
        #expect(stats.status == 0, "\(stats.stderr)")
        let isStats = { (line: Line) in
            ((try? JSONSerialization.jsonObject(with: line.bytes)) as? [String: Any])?["class"] as? String == "getqueuesstats"
        }
        #expect(lines.contains(where: isStats))
        #expect(stats.stdoutBytes == Self.printed(lines.filter(isStats)))

        let timed = try binary.run(["journal", "--db", day.database, "--session", "1", "--with-times"])
        #expect(timed.status == 0, "\(timed.stderr)")
        let fields = timed.stdout.split(separator: "\n").map { $0.split(separator: "\t", maxSplits: 3).map(String.init) }
        #expect(fields.map { Int64($0[0]) } == lines.map(\.seq))
        #expect(fields.map { Double($0[1]) } == lines.map(\.receivedAt), "times print exactly")
        #expect(fields.map { Double($0[2]) } == lines.map(\.eventTime))
        #expect(try binary.run(["journal", "--db", day.database, "--session", "2"]).stdout.isEmpty)

        // Whole seconds around the middle of the day's reception (received at full speed).
        let middle = lines[lines.count / 2].receivedAt.rounded(.down)
        let window = try binary.run(["journal", "--db", day.database, "--tz", "UTC",
                                     "--from", Self.utc(middle), "--to", Self.utc(middle + 1)])
        #expect(window.status == 0, "\(window.stderr)")
        let inWindow = lines.filter { $0.receivedAt >= middle && $0.receivedAt < middle + 1 }
        #expect(!inWindow.isEmpty && inWindow.count < lines.count)
        #expect(window.stdoutBytes == Self.printed(inWindow))

        for (arguments, message) in [
            (["--session", "0"], "--session must be"),
            (["--from", "soon"], "--from 'soon' is not a time"),
            (["--from", "2026-11-02", "--to", "2026-11-01"], "must come after --from"),
            (["--tz", "Mars/Olympus"], "unknown time zone"),
        ] {
            let result = try binary.run(["journal", "--db", day.database] + arguments)
            #expect(result.status != 0, "\(arguments)")
            #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
            #expect(result.stdout.isEmpty)
        }
        let missing = try binary.run(["journal", "--db", day.folder.path("none.db")])
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("no such database file"), "\(missing.stderr)")
    }

    @Test("migrate moves a schema-7 journal into blocks beside a running collector: every line kept, the collector's lines after them")
    func migrateBesideACollector() async throws {
        let recorded = try CollectorTruthTests.collectDay(seed: 16, hours: 2)
        let expected = try Self.lines(recorded.database)
        #expect(expected.count > 10_000)

        // The same lines as schema 7 kept them, one per row.
        let setup = try CollectorFaultTests.setup()
        do {
            let old = try Database(path: setup.database)
            try Migrator(migrations: Array(try Migrator.embedded().migrations.prefix(7))).migrate(old)
            try old.execute("ATTACH DATABASE ? AS recorded", recorded.database)
            try old.write {
                // Schema 7's columns (schema 10 added source_id).
                try old.execute(sql: """
                    INSERT INTO main.collection_session
                    SELECT session_id, server, protocol, tls, connected_at, logged_in_at, started_at, ended_at, end_reason, last_event_at
                    FROM recorded.collection_session
                    """)
                let insert = try old.makeStatement(
                    "INSERT INTO journal (seq, session_id, received_at, event_time, line) VALUES (?, ?, ?, ?, ?)")
                for line in expected {
                    try insert.execute(line.seq, line.sessionID, line.receivedAt, line.eventTime, DatabaseValue.blob(Array(line.bytes)))
                }
            }
            try old.execute(sql: "DETACH DATABASE recorded")
        }

        // A collector upgrades the schema when it starts, and records a live day meanwhile.
        let (simulator, address) = try CollectorFaultTests.simulator(setup, seed: 17, speed: "300")
        let collector = try CollectorFaultTests.collector(setup, address: address)
        try await CollectorFaultTests.waitFor(setup) { try JournalReader(database: $0).lineCount(sessionID: 2) > 500 }
        let migrate = try setup.binary.run(["migrate", "--db", setup.database])
        #expect(migrate.status == 0, "\(migrate.stderr)")
        #expect(migrate.stdout.contains("journal: \(expected.count) lines moved into"), "\(migrate.stdout)")
        try await CollectorFaultTests.waitFor(setup) { try JournalReader(database: $0).lineCount(sessionID: 2) > 1_500 }
        collector.signal(SIGTERM)
        #expect(collector.wait() == 0, "\(collector.standardError())")
        simulator.signal(SIGTERM)
        _ = simulator.wait()

        let database = try Database(path: setup.database, mode: .readOnly)
        #expect(try database.fetchInt64("SELECT count(*) FROM journal_line") == 0)
        #expect(try database.fetchString("PRAGMA integrity_check") == "ok")
        let after = try Self.lines(setup.database)
        #expect(after.prefix(expected.count).map(\.bytes) == expected.map(\.bytes))
        #expect(after.prefix(expected.count).map(\.receivedAt) == expected.map(\.receivedAt))
        let live = after.dropFirst(expected.count)
        #expect(live.allSatisfy { $0.sessionID == 2 })
        #expect(live.map(\.seq) == Array((Int64(expected.count) + 1)...(Int64(expected.count) + Int64(live.count))))
        let log = collector.standardError()
        let received = try #require(log.firstMatch(of: /(\d+) lines received, all committed/).flatMap { Int($0.1) }, "\(log)")
        #expect(live.count == received)
        let again = try setup.binary.run(["migrate", "--db", setup.database])
        #expect(again.stdout == "schema version \(try Migrator.embedded().latestVersion) (up to date)\n")
    }
}
