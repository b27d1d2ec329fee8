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

    @Test("a line dated more than a day after this machine's clock is unreadable: the lines after it, and the next import's, keep their own times")
    func lineFromTheFuture() throws {
        let fixture = try QueueLogFixture()
        // The next import's clock is fixture.clock + 60: two days after it.
        let future = Int(fixture.clock) + 60 + 2 * 86_400
        let head = Array(Self.day[0..<4]) + ["\(future)|NONE|NONE|Agent/1001|PAUSEALL|oops"]
        try fixture.write("queue_log", head)
        let first = try fixture.importFiles(["queue_log"])
        #expect((first.linesRead, first.added, first.unreadable) == (5, 4, 1), "\(first.line)")
        let reasons = try fixture.rows("SELECT reason FROM journal_malformed").map(\.[0].text)
        #expect(reasons.count == 1 && reasons[0].contains("future"), "\(reasons)")

        try fixture.write("queue_log", head + Array(Self.day[4...]))
        let second = try fixture.importFiles(["queue_log"])
        #expect((second.linesRead, second.added, second.older) == (10, 10, 0), "\(second.line)")
        let t0 = Self.t0
        #expect(try fixture.visits() == [
            "sales 1.1 0601020304 \(t0 + 100) \(t0 + 110) answered Agent/1001",
            "sales 2.1 0611111111 \(t0 + 300) \(t0 + 330) abandoned -",
        ])
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

    @Test("Asterisk 20 layouts: PJSIP members, AGENTLOGIN, RINGCANCELED, WITHDRAW, attended and blind transfers, PAUSE with a reason")
    func asterisk20Layouts() throws {
        let fixture = try QueueLogFixture()
        try fixture.write("queue_log", [
            Self.line(0, "NONE|NONE|NONE|QUEUESTART|"),
            // A static member by its interface; an app_agent_pool agent by its login.
            Self.line(1, "NONE|support|PJSIP/2001|ADDMEMBER|"),
            Self.line(2, "NONE|NONE|Agent/3001|AGENTLOGIN|PJSIP/3001-00000001"),
            // ENTERQUEUE url|callerid|position; CONNECT holdtime|bridged uniqueid|ringtime.
            Self.line(10, "1.1|support|NONE|ENTERQUEUE||0600000001|1"),
            Self.line(13, "1.1|support|PJSIP/2001|RINGNOANSWER|3000"),
            Self.line(15, "1.1|support|Agent/3001|CONNECT|5|1.2|2"),
            // ATTENDEDTRANSFER BRIDGE|bridge id|holdtime|calltime|origposition.
            Self.line(45, "1.1|support|Agent/3001|ATTENDEDTRANSFER|BRIDGE|b-1|5|30|1"),
            Self.line(50, "2.1|support|NONE|ENTERQUEUE||0600000002|1"),
            Self.line(52, "2.1|support|PJSIP/2001|RINGCANCELED|800"),
            // WITHDRAW position|origposition|waittime|info: the caller was taken out of the queue.
            Self.line(62, "2.1|support|NONE|WITHDRAW|1|1|12|moved"),
            Self.line(70, "3.1|support|NONE|ENTERQUEUE||0600000003|1"),
            Self.line(74, "3.1|support|PJSIP/2001|CONNECT|4|3.2|1"),
            // BLINDTRANSFER extension|context|holdtime|calltime|origposition.
            Self.line(94, "3.1|support|PJSIP/2001|BLINDTRANSFER|200|default|4|20|1"),
            Self.line(100, "NONE|support|PJSIP/2001|PAUSE|coffee"),
            Self.line(160, "NONE|support|PJSIP/2001|UNPAUSE|"),
            Self.line(170, "NONE|support|PJSIP/2001|REMOVEMEMBER|"),
            // AGENTLOGOFF channel|logged-in seconds.
            Self.line(180, "NONE|NONE|Agent/3001|AGENTLOGOFF|PJSIP/3001-00000001|178"),
        ])
        let summary = try fixture.importFiles(["queue_log"])
        #expect(summary.unreadable == 0, "\(summary.line)")
        let t = Self.t0
        #expect(try fixture.visits() == [
            "support 1.1 0600000001 \(t + 10) \(t + 15) answered Agent/3001",
            "support 2.1 0600000002 \(t + 50) \(t + 62) abandoned -",
            "support 3.1 0600000003 \(t + 70) \(t + 74) answered Agent/2001",
        ])
        #expect(try fixture.stateSeconds() == ["Agent/3001 acd_call": 30, "Agent/3001 available": 148,
                                               "Agent/2001 acd_call": 20, "Agent/2001 paused": 60, "Agent/2001 available": 89])
        #expect(try fixture.rows("SELECT agent_id, ring_ms FROM queue_log_ring_no_answer") == [[.text("Agent/2001"), .integer(3000)]])
        #expect(try fixture.rows("SELECT agent_id, start_time, end_time, reason FROM queue_log_agent_span WHERE kind = 'pause'")
            == [[.text("Agent/2001"), .real(Double(t + 100)), .real(Double(t + 160)), .text("coffee")]])
        // XiVO's figures: the two transfers answered, the WITHDRAW in none of its statuses.
        #expect(try fixture.rows("SELECT callid, status, wait_s, talk_s FROM queue_log_call ORDER BY callid") == [
            [.text("1.1"), .text("answered"), .real(5), .real(30)],
            [.text("3.1"), .text("answered"), .real(4), .real(20)],
        ])
    }

    /// A busy day: 20 agents, three queues, and every kind of line that makes rows (answered
    /// calls with wrap-ups, abandons, refusals, RINGNOANSWERs, pauses with reasons), in time order.
    static func busyDay(calls: Int) -> [String] {
        var lines: [(time: Int, text: String)] = [(0, "NONE|NONE|NONE|QUEUESTART|")]
        for agent in 0..<20 {
            lines.append((1, "NONE|NONE|Agent/\(2000 + agent)|AGENTCALLBACKLOGIN|\(2000 + agent)@default"))
        }
        for n in 0..<calls {
            let time = 10 + n * 7
            let call = "\(t0 + time).\(n)"
            let queue = ["sales", "support", "billing"][n % 3]
            let agent = "Agent/\(2000 + n % 20)"
            lines.append((time, "\(call)|\(queue)|NONE|ENTERQUEUE||06\(100_000 + n)|1"))
            switch n % 10 {
            case 0:
                lines.append((time + 9, "\(call)|\(queue)|NONE|ABANDON|1|1|9"))
            case 1:
                lines.append((time, "\(call)|\(queue)|NONE|FULL|"))
            default:
                if n % 10 == 2 { lines.append((time + 2, "\(call)|\(queue)|\(agent)|RINGNOANSWER|2000")) }
                lines.append((time + 4, "\(call)|\(queue)|\(agent)|CONNECT|4|\(call)|1"))
                lines.append((time + 34, "\(call)|\(queue)|\(agent)|COMPLETECALLER|4|30|1"))
                lines.append((time + 34, "NONE|NONE|\(agent)|WRAPUPSTART|10"))
            }
            if n % 40 == 5 {
                lines.append((time + 50, "NONE|NONE|\(agent)|PAUSEALL|break \(n % 3)"))
                lines.append((time + 120, "NONE|NONE|\(agent)|UNPAUSEALL|"))
            }
        }
        return lines.enumerated().sorted { ($0.element.time, $0.offset) < ($1.element.time, $1.offset) }.map { line($0.element.time, $0.element.text) }
    }

    @Test("rows the import writes in batches on its row thread are those written one statement each")
    func batchedRows() async throws {
        let folder = try TemporaryFolder()
        let file = folder.path("queue_log")
        try Data((Self.busyDay(calls: 3000).joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: file))
        // One statement a row: a recorder that writes each row at once.
        let oneByOnePath = folder.path("one-by-one.db")
        let (oneByOne, _) = try Database.openWriter(path: oneByOnePath)
        let summary = try QueueLogFileImport(recorder: Recorder(database: oneByOne), now: { 1_800_000_000 }).run(paths: [file])
        #expect(summary.unreadable == 0 && summary.added > 10_000, "\(summary.line)")
        // Batches: the import's writer, its rows on a thread of their own.
        let batchedPath = folder.path("batched.db")
        let writer = try CatchUpIndexTests.writer(batchedPath, deferAfter: .max)
        try await writer.importFiles([file])
        _ = try await writer.finishFiles(reason: "end_of_input")

        let expected = try Self.dump(oneByOne)
        let batched = try Self.dump(Database(path: batchedPath, mode: .readOnly))
        for table in Recorder.derivedTables {
            #expect(batched[table] == expected[table], "\(table)")
        }
        for table in ["queue_visit", "agent_state_interval", "queue_log_call", "queue_log_agent_span", "queue_log_ring_no_answer"] {
            #expect((expected[table]?.count ?? 0) > 100, "\(table)")
        }
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

    /// The lines of `lines` through a second queue_log source of the database (the same PBX's
    /// table beside its file), as `QueueLogWriter` records a table's rows.
    static func importAsTable(_ fixture: QueueLogFixture, _ lines: [String]) throws -> Int {
        let recorder = try Recorder(database: fixture.database)
        let source = try recorder.queueLogSource(name: "postgres://pbx:5432/asterisk?table=queue_log", kind: .table)
        fixture.clock += 60
        try recorder.beginQueueLogSession(source: source, server: "queue_log table", connectedAt: fixture.clock)
        for line in lines { _ = try recorder.recordQueueLog(line: Array(line.utf8), receivedAt: fixture.clock) }
        try recorder.commit()
        try recorder.endSession(reason: "end_of_input", at: nil)
        return recorder.statistics.heldByOtherSource
    }

    /// docs/METRICS.md "One database, two sources": a second queue_log source of the same PBX
    /// (its table, after its file) counts only the time the first did not read.
    @Test("the same PBX's file then its table: the lines the file read are journaled only, its open spans end where the file's time begins")
    func secondQueueLogSource() throws {
        let fixture = try QueueLogFixture()
        try fixture.write("queue_log", Self.day)
        try fixture.importFiles(["queue_log"])
        let fileOnly = try Self.dump(fixture.database).filter { $0.key != "collection_session" }

        // The table begins earlier (an agent logged in before the file's first line) and holds
        // the file's lines too, then one more call after them.
        let before = Self.line(-1000, "NONE|NONE|Agent/1002|AGENTCALLBACKLOGIN|1002@default")
        let after = [Self.line(2000, "4.1|sales|NONE|ENTERQUEUE||0622222222|1"), Self.line(2010, "4.1|sales|NONE|ABANDON|1|1|10")]
        let held = try Self.importAsTable(fixture, [before] + Self.day + after)
        #expect(held == Self.day.count)

        let t0 = Self.t0
        #expect(try fixture.visits() == [
            "sales 1.1 0601020304 \(t0 + 100) \(t0 + 110) answered Agent/1001",
            "sales 2.1 0611111111 \(t0 + 300) \(t0 + 330) abandoned -",
            "sales 4.1 0622222222 \(t0 + 2000) \(t0 + 2010) abandoned -",
        ])
        // What the file counted is as it was; the table added its own time alone.
        let both = try Self.dump(fixture.database)
        for (table, rows) in fileOnly where table != "queue_visit" && table != "agent_state_interval" && table != "queue_log_call"
            && table != "queue_log_agent_span" && table != "agent" {
            #expect(both[table] == rows, "\(table)")
        }
        #expect(try fixture.rows("SELECT count(*) FROM queue_log_call").first == [.integer(4)])
        #expect(try fixture.rows("SELECT start_time, end_time FROM queue_log_agent_span WHERE agent_id = 'Agent/1002'")
            == [[.real(Double(t0 - 1000)), .real(Double(t0))]])
        #expect(try fixture.stateSeconds() == ["Agent/1001 acd_call": 60, "Agent/1001 wrapup": 15, "Agent/1001 paused": 200,
                                               "Agent/1001 available": 215, "Agent/1002 available": 1000])
        _ = try Recorder(database: fixture.database).replay()
        #expect(try Self.dump(fixture.database) == both)
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
