import CallStatsTestSupport
import Foundation
import Storage
import Testing
@testable import QueueLog
@testable import Recording

/// A database and queue_log files in a temporary folder, imported through the real importer.
final class QueueLogFixture {
    let folder: TemporaryFolder
    let path: String
    let database: Database
    var clock = 1_800_000_000.0

    init() throws {
        folder = try TemporaryFolder()
        path = folder.path("calls.db")
        (database, _) = try Database.openWriter(path: path)
    }

    func write(_ name: String, _ lines: [String], complete: Bool = true) throws {
        let text = lines.joined(separator: "\n") + (complete && !lines.isEmpty ? "\n" : "")
        try Data(text.utf8).write(to: URL(fileURLWithPath: folder.path(name)))
    }

    func append(_ name: String, _ text: String) throws {
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: folder.path(name)))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(text.utf8))
        try handle.close()
    }

    /// gzip -c NAME > NAME.gz, through zlib's own tool when present, else gzip.
    func gzip(_ name: String, to target: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "gzip -c '\(folder.path(name))' > '\(folder.path(target))'"]
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
    }

    @discardableResult
    func importFiles(_ names: [String]) throws -> QueueLogImportSummary {
        let recorder = try Recorder(database: database)
        clock += 60
        let now = clock
        return try QueueLogFileImport(recorder: recorder, now: { now }, commitEvery: 3).run(paths: names.map { folder.path($0) })
    }

    func rows(_ sql: String) throws -> [[DatabaseValue]] {
        var result: [[DatabaseValue]] = []
        try database.makeStatement(sql).forEachRow { row in
            result.append((0..<row.columnCount).map { row.value($0) })
        }
        return result
    }

    /// Seconds per agent and state.
    func stateSeconds() throws -> [String: Double] {
        var result: [String: Double] = [:]
        for row in try rows("SELECT agent_id, state, sum(end_time - start_time) FROM agent_state_interval WHERE state != 'logged_out' GROUP BY agent_id, state") {
            if case .text(let agent) = row[0], case .text(let state) = row[1], case .real(let seconds) = row[2], seconds > 0 {
                result["\(agent) \(state)"] = seconds
            }
        }
        return result
    }

    func visits() throws -> [String] {
        try rows("SELECT queue_id, uniqueid, caller_number, join_time, leave_time, outcome, agent_id FROM queue_visit ORDER BY visit_id")
            .map { $0.map(\.text).joined(separator: " ") }
    }
}

extension DatabaseValue {
    var text: String {
        switch self {
        case .null: return "-"
        case .integer(let value): return String(value)
        case .real(let value): return value == value.rounded() ? String(Int64(value)) : String(value)
        case .text(let value): return value
        case .blob(let value): return "<\(value.count) bytes>"
        }
    }
}

@Suite("queue_log import")
struct QueueLogImportTests {
    static let t0 = 1_700_000_000 // 2023-11-14T22:13:20Z

    static func line(_ offset: Int, _ rest: String) -> String { "\(t0 + offset)|\(rest)" }

    /// An Asterisk 13+ day on Wazo: a login, an answered call with wrap-up, a pause, an
    /// abandoned caller, a refused one, a logoff.
    static let day: [String] = [
        line(0, "NONE|NONE|NONE|QUEUESTART|"),
        line(10, "NONE|NONE|Agent/1001|AGENTCALLBACKLOGIN|1001@default"),
        line(10, "NONE|sales|Local/id-1@agentcallback|ADDMEMBER|"),
        line(100, "1.1|sales|NONE|ENTERQUEUE||0601020304|1"),
        line(104, "1.1|sales|Agent/1001|RINGNOANSWER|3000"),
        line(110, "1.1|sales|Agent/1001|CONNECT|10|1.2|4"),
        line(170, "1.1|sales|Agent/1001|COMPLETECALLER|10|60|1"),
        line(170, "1.1|sales|Agent/1001|WRAPUPSTART|15"),
        line(200, "NONE|NONE|Agent/1001|PAUSEALL|lunch"),
        line(300, "2.1|sales|NONE|ENTERQUEUE||0611111111|1"),
        line(330, "2.1|sales|NONE|ABANDON|1|1|30"),
        line(340, "3.1|sales|NONE|FULL|"),
        line(400, "NONE|NONE|Agent/1001|UNPAUSEALL|"),
        line(500, "NONE|NONE|Agent/1001|AGENTCALLBACKLOGOFF|1001@default|490|"),
    ]

    @Test("visits and agent states from a day's lines")
    func mapping() throws {
        let fixture = try QueueLogFixture()
        try fixture.write("queue_log", Self.day)
        let summary = try fixture.importFiles(["queue_log"])
        #expect(summary == { var s = QueueLogImportSummary(); s.files = 1; s.linesRead = 14; s.added = 14; return s }())
        let t = Self.t0
        #expect(try fixture.visits() == [
            "sales 1.1 0601020304 \(t + 100) \(t + 110) answered Agent/1001",
            "sales 2.1 0611111111 \(t + 300) \(t + 330) abandoned -",
        ])
        // Available 10-110, ACD call 110-170, wrap-up 170-185, available 185-200, paused
        // 200-400, available 400-500.
        let expected: [String: Double] = [
            "Agent/1001 available": 215, "Agent/1001 acd_call": 60, "Agent/1001 wrapup": 15, "Agent/1001 paused": 200,
        ]
        let actual = try fixture.stateSeconds()
        #expect(actual == expected, "\(actual)")
        #expect(try fixture.rows("SELECT count(*) FROM agent_state_interval WHERE state = 'acd_call' AND began = 1").first == [.integer(1)])
        #expect(try fixture.rows("SELECT agent_id, number FROM agent") == [[.text("Agent/1001"), .text("1001")]])
        #expect(try fixture.rows("SELECT queue_id, name FROM queue") == [[.text("sales"), .text("sales")]])
        let session = try fixture.rows("SELECT started_at, ended_at, end_reason, source_id IS NOT NULL FROM collection_session")
        #expect(session == [[.real(Double(t)), .real(Double(t + 500) + 0.001), .text("end_of_input"), .integer(1)]])
    }

    @Test("the same files twice add nothing; a grown file adds only its new lines; rotation and gzip keep their place")
    func incremental() throws {
        let fixture = try QueueLogFixture()
        try fixture.write("queue_log", Array(Self.day[0..<6]), complete: true)
        // A last line Asterisk has not finished writing is left for later.
        try fixture.append("queue_log", String(Self.day[6].prefix(12)))
        let first = try fixture.importFiles(["queue_log"])
        #expect((first.linesRead, first.added) == (6, 6))
        let again = try fixture.importFiles(["queue_log"])
        #expect((again.linesRead, again.added) == (0, 0))

        // The line completed, more lines, then a rotation: queue_log compressed to
        // queue_log.1.gz, a new queue_log; both given, newest first.
        try fixture.append("queue_log", String(Self.day[6].dropFirst(12)) + "\n" + Self.day[7...9].joined(separator: "\n") + "\n")
        try fixture.gzip("queue_log", to: "queue_log.1.gz")
        try fixture.write("queue_log", Array(Self.day[10...]))
        let rotated = try fixture.importFiles(["queue_log", "queue_log.1.gz"])
        #expect((rotated.linesRead, rotated.added, rotated.unreadable) == (8, 8, 0))
        let twice = try fixture.importFiles(["queue_log.1.gz", "queue_log"])
        #expect((twice.linesRead, twice.added) == (0, 0))

        // The same figures as one import of the whole day.
        let whole = try QueueLogFixture()
        try whole.write("queue_log", Self.day)
        try whole.importFiles(["queue_log"])
        #expect(try fixture.visits() == whole.visits())
        #expect(try fixture.stateSeconds() == whole.stateSeconds())
        #expect(try fixture.rows("SELECT count(*) FROM agent_state_interval WHERE state = 'acd_call' AND began = 1").first == [.integer(1)])
        // Coverage without a gap between the imports.
        let sessions = try fixture.rows("SELECT started_at, ended_at FROM collection_session ORDER BY session_id")
        for (previous, next) in zip(sessions, sessions.dropFirst()) {
            #expect(previous[1] == next[0])
        }
    }

    @Test("unreadable lines are kept with their reason and counted; unknown events are added; one bad line stops nothing")
    func unreadable() throws {
        let fixture = try QueueLogFixture()
        try fixture.write("queue_log", [
            Self.line(0, "NONE|NONE|NONE|QUEUESTART|"),
            "garbage without fields",
            "notatime|x|q|NONE|ENTERQUEUE||1|1",
            Self.line(5, "9.9|sales|NONE|DID|0123"),
            Self.line(6, "9.9|sales|NONE|ENTERQUEUE||0123|1"),
            "",
        ])
        let summary = try fixture.importFiles(["queue_log"])
        #expect((summary.linesRead, summary.added, summary.unreadable) == (6, 3, 3))
        #expect(try fixture.rows("SELECT count(*) FROM journal_malformed").first == [.integer(3)])
        #expect(try fixture.rows("SELECT count(*) FROM queue_visit").first == [.integer(1)])
    }

    @Test("a file of many reader chunks: a line across a chunk's end is read whole, however the buffer moves")
    func longFile() throws {
        let fixture = try QueueLogFixture()
        // About 1.3 MB: five 256 KiB reads, lines of every offset against their ends.
        let lines = (0..<30_000).map { Self.line($0, "NONE|NONE|Agent/\($0 % 50)|CONFIGRELOAD|" + String(repeating: "x", count: $0 % 17)) }
        try fixture.write("queue_log", lines)
        let summary = try fixture.importFiles(["queue_log"])
        #expect(summary.linesRead == 30_000 && summary.added == 30_000 && summary.unreadable == 0, "\(summary.line)")
    }

    @Test("replay rebuilds what the imports wrote")
    func replay() throws {
        let fixture = try QueueLogFixture()
        try fixture.write("queue_log", Array(Self.day[0..<5]))
        try fixture.importFiles(["queue_log"])
        try fixture.write("queue_log", Self.day)
        try fixture.importFiles(["queue_log"])
        let before = try Self.dump(fixture.database)
        _ = try Recorder(database: fixture.database).replay()
        #expect(try Self.dump(fixture.database) == before)
    }

    @Test("Asterisk 1.4 and 11 layouts, transfers, a call answered before the log began")
    func layouts() throws {
        let fixture = try QueueLogFixture()
        try fixture.write("queue_log", [
            // 1.4: ENTERQUEUE url|callerid, CONNECT holdtime|bridged channel.
            Self.line(0, "1.1|q1|NONE|ENTERQUEUE||0600000001"),
            Self.line(5, "1.1|q1|Agent/7|CONNECT|5|1.2"),
            Self.line(65, "1.1|q1|Agent/7|TRANSFER|200|default|5|60"),
            // 11: a member by its interface; EXITWITHTIMEOUT position|origposition|wait.
            Self.line(70, "2.1|q1|NONE|ENTERQUEUE||0600000002|1"),
            Self.line(100, "2.1|q1|NONE|EXITWITHTIMEOUT|1|1|30"),
            // The CONNECT was before the log: the end tells wait 4 and talk 20.
            Self.line(120, "3.1|q1|Local/8@from-queue/n|COMPLETEAGENT|4|20|1"),
        ])
        try fixture.importFiles(["queue_log"])
        let t = Self.t0
        #expect(try fixture.visits() == [
            "q1 1.1 0600000001 \(t) \(t + 5) answered Agent/7",
            "q1 2.1 0600000002 \(t + 70) \(t + 100) abandoned -",
            "q1 3.1 - \(t + 96) \(t + 100) answered Agent/8",
        ])
        #expect(try fixture.stateSeconds()["Agent/7 acd_call"] == 60)
    }

    static func dump(_ database: Database) throws -> [String: [String]] {
        var dump: [String: [String]] = [:]
        for table in Recorder.derivedTables + ["collection_session"] {
            var rows: [String] = []
            try database.makeStatement("SELECT * FROM \(table)").forEachRow { row in
                rows.append((0..<row.columnCount).map { row.value($0).text }.joined(separator: "|"))
            }
            dump[table] = rows.sorted()
        }
        return dump
    }

    /// docs/METRICS.md "One database, two sources": where a CTI session of the database has
    /// the time, the queue_log's lines are journaled and derive nothing; before and after, they do.
    @Test("lines in a CTI session's time are journaled only: a caller waiting when it begins is the collector's; before and after, the log counts")
    func ctiTimeIsTheCollectors() throws {
        let fixture = try QueueLogFixture()
        try fixture.database.execute("""
            INSERT INTO collection_session (server, connected_at, started_at, ended_at, end_reason)
            VALUES ('pbx:5003', ?, ?, ?, 'shutdown')
            """, Double(Self.t0 + 1000), Double(Self.t0 + 1000), Double(Self.t0 + 2000))
        try fixture.write("queue_log", [
            Self.line(0, "NONE|NONE|Agent/1001|AGENTCALLBACKLOGIN|1001@default"),
            Self.line(100, "1.1|sales|NONE|ENTERQUEUE||0601020304|1"),
            Self.line(130, "1.1|sales|NONE|ABANDON|1|1|30"),
            Self.line(900, "2.1|sales|NONE|ENTERQUEUE||0611111111|1"),
            Self.line(1500, "3.1|sales|NONE|ENTERQUEUE||0622222222|1"),
            Self.line(1520, "3.1|sales|Agent/1001|CONNECT|20|3.2|2"),
            Self.line(1600, "3.1|sales|Agent/1001|COMPLETEAGENT|20|80|1"),
            Self.line(2100, "4.1|sales|NONE|ENTERQUEUE||0633333333|1"),
            Self.line(2110, "4.1|sales|Agent/1001|CONNECT|10|4.2|2"),
            Self.line(2200, "4.1|sales|Agent/1001|COMPLETEAGENT|10|90|1"),
        ])
        let summary = try fixture.importFiles(["queue_log"])
        #expect(summary.added == 10)
        #expect(try fixture.visits() == [
            "sales 1.1 0601020304 \(Self.t0 + 100) \(Self.t0 + 130) abandoned -",
            "sales 4.1 0633333333 \(Self.t0 + 2100) \(Self.t0 + 2110) answered Agent/1001",
        ])
        // Logged in until the collector's time, then again from the call after it (seen answering).
        let intervals = try fixture.rows("SELECT state, start_time, end_time FROM agent_state_interval WHERE state != 'logged_out' ORDER BY start_time")
            .map { $0.map(\.text).joined(separator: " ") }
        #expect(intervals.first == "available \(Self.t0) \(Self.t0 + 1000)")
        #expect(intervals.contains("acd_call \(Self.t0 + 2110) \(Self.t0 + 2200)"))
        #expect(!intervals.contains { $0.hasPrefix("acd_call \(Self.t0 + 1520)") })
    }
}

/// A damaged .gz among the files (a copy cut short, a bit flipped): zcat's lines, then its
/// error; the import keeps what it read of it, reads every other file, and says which is damaged.
@Suite("queue_log import of damaged compressed files")
struct QueueLogDamagedFileTests {
    static func gzip(_ path: String) throws {
        let gzip = try CallStatsBinary(url: URL(fileURLWithPath: "/bin/gzip")).run(["-n", path])
        #expect(gzip.status == 0, "\(gzip.stderr)")
    }

    static func journalLines(_ path: String) throws -> Int64 {
        try JournalReader(database: Database.openReader(path: path)).lineCount()
    }

    @Test("a truncated .gz: the lines before its end are imported, the import says it ends early and exits 1; the whole file later adds the rest")
    func truncated() throws {
        let binary = try CallStatsBinary.built()
        let folder = try TemporaryFolder()
        let db = folder.path("calls.db")
        let full = folder.path("queue_log.2")
        let lines = QueueLogCalls.lines(3_000)
        try Data(QueueLogCalls.text(lines).utf8).write(to: URL(fileURLWithPath: full))
        try Self.gzip(full)
        let compressed = try Data(contentsOf: URL(fileURLWithPath: full + ".gz"))
        let cut = folder.path("cut.gz")
        try compressed.prefix(compressed.count / 2).write(to: URL(fileURLWithPath: cut))

        let result = try binary.run(["import", "queue-log", "--db", db, cut])
        #expect(result.status == 1)
        let read = try Self.journalLines(db)
        #expect(result.stderr == "Error: \(cut): damaged: ends early (truncated); its first \(read) lines are imported\n")
        #expect(read > 1_000 && read < Int64(lines.count))
        #expect(result.stdout == "queue_log: 1 file, \(read) lines read, \(read) added, 0 unreadable, 1 damaged\n")

        // The whole file (same first line): only what the cut copy lacked.
        let whole = try binary.run(["import", "queue-log", "--db", db, full + ".gz"])
        #expect(whole.status == 0, "\(whole.stderr)")
        #expect(whole.stdout == "queue_log: 1 file, \(Int64(lines.count) - read) lines read, \(Int64(lines.count) - read) added, 0 unreadable\n")
    }

    @Test("a corrupt .gz among rotated files: every other file is imported and committed, the damaged one is named in one line, exit 1")
    func corruptAmongOthers() throws {
        let binary = try CallStatsBinary.built()
        let folder = try TemporaryFolder()
        let db = folder.path("calls.db")
        let lines = QueueLogCalls.lines(300)
        for (name, range) in [("q.2", 0..<400), ("q.1", 400..<800), ("q", 800..<1200)] {
            try Data(QueueLogCalls.text(lines[range]).utf8).write(to: URL(fileURLWithPath: folder.path(name)))
        }
        try Self.gzip(folder.path("q.2"))
        try Self.gzip(folder.path("q.1"))
        // A bit flipped in q.1.gz's checksum (its last 8 bytes: CRC-32, then the size).
        var damaged = try Data(contentsOf: URL(fileURLWithPath: folder.path("q.1.gz")))
        damaged[damaged.count - 8] ^= 0x01
        try damaged.write(to: URL(fileURLWithPath: folder.path("q.1.gz")))

        let result = try binary.run(["import", "queue-log", "--db", db, folder.path("q"), folder.path("q.1.gz"), folder.path("q.2.gz")])
        #expect(result.status == 1)
        // zlib gives nothing of its last inflate before the error: of a file this small, no line.
        let imported = try Self.journalLines(db)
        #expect((800...1200).contains(imported))
        let ofDamaged = imported - 800
        let named = ofDamaged == 0 ? "none of its lines is imported" : "its first \(ofDamaged) lines are imported"
        #expect(result.stderr == "Error: \(folder.path("q.1.gz")): damaged: incorrect data check; \(named)\n")
        #expect(result.stdout == "queue_log: 3 files, \(imported) lines read, \(imported) added, 0 unreadable, 1 damaged\n")
        // What was read is recorded: nothing is read twice.
        let again = try binary.run(["import", "queue-log", "--db", db, folder.path("q"), folder.path("q.2.gz")])
        #expect(again.stdout == "queue_log: 2 files, 0 lines read, 0 added, 0 unreadable\n", "\(again.stderr)")
    }
}
