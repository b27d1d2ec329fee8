import CallStatsTestSupport
import Foundation
import Testing

/// What a queue_log import records beyond visits and agent states (migration 0012), read back
/// through `report pauses`, `xivo-queues` and `xivo-agents` by the real binary.
@Suite("queue_log: pause reasons, XiVO's figures, ring-no-answer attempts")
struct XiVOFactsTests {
    static let t0 = 1_700_000_000 // 2023-11-14T22:13:20Z

    static func line(_ offset: Int, _ rest: String) -> String { "\(t0 + offset)|\(rest)" }

    static let day: [String] = [
        line(0, "NONE|NONE|NONE|QUEUESTART|"),
        line(10, "NONE|NONE|Agent/1001|AGENTCALLBACKLOGIN|1001@default"),
        line(100, "1.1|sales|NONE|ENTERQUEUE||0601020304|1"),
        line(104, "1.1|sales|Agent/1001|RINGNOANSWER|3000"),
        line(110, "1.1|sales|Agent/1001|CONNECT|10|1.2|4"),
        line(170, "1.1|sales|Agent/1001|COMPLETECALLER|10|60|1"),
        line(170, "NONE|NONE|Agent/1001|WRAPUPSTART|15"),
        line(200, "NONE|NONE|Agent/1001|PAUSEALL|lunch"),
        line(300, "2.1|sales|NONE|ENTERQUEUE||0611111111|1"),
        line(330, "2.1|sales|NONE|ABANDON|1|1|30"),
        line(340, "3.1|sales|NONE|FULL|"),
        line(345, "4.1|=HYPERLINK(\"http://x\")|NONE|CLOSED|"),
        line(400, "NONE|NONE|Agent/1001|UNPAUSEALL|"),
        // Paused in each queue with a reason (Asterisk 13+: data1), unpaused queue by queue.
        line(450, "NONE|sales|Agent/1001|PAUSE|training"),
        line(460, "NONE|support|Agent/1001|PAUSE|training"),
        line(520, "NONE|sales|Agent/1001|UNPAUSE|"),
        line(530, "NONE|support|Agent/1001|UNPAUSE|"),
        // Asterisk 11: PAUSEALL without a reason.
        line(600, "NONE|NONE|Agent/1001|PAUSEALL|"),
        line(650, "NONE|NONE|Agent/1001|UNPAUSEALL|"),
        line(700, "NONE|NONE|Agent/1001|AGENTCALLBACKLOGOFF|1001@default|690|"),
    ]

    /// An imported database; the folder lives as long as this does.
    struct Imported {
        let binary: CallStatsBinary
        let database: String
        let folder: TemporaryFolder
    }

    static func imported(_ lines: [String]) throws -> Imported {
        let binary = try CallStatsBinary.built()
        let folder = try TemporaryFolder()
        let file = folder.path("queue_log")
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: file))
        let database = folder.path("calls.db")
        let result = try binary.run(["import", "queue-log", "--db", database, file])
        #expect(result.status == 0, "\(result.stderr)")
        return Imported(binary: binary, database: database, folder: folder)
    }

    static func report(_ binary: CallStatsBinary, _ arguments: [String]) throws -> [String] {
        let result = try binary.run(["report"] + arguments + ["--date", "2023-11-14", "--tz", "UTC", "--interval", "total"])
        #expect(result.status == 0, "\(result.stderr)")
        return result.stdout.split(whereSeparator: \.isNewline).map(String.init)
    }

    @Test("pauses per reason: PAUSEALL's and PAUSE's data1, empty when none was given")
    func pauseReasons() throws {
        let imported = try Self.imported(Self.day)
        // The folder (the database) lives to the test's end.
        defer { withExtendedLifetime(imported) {} }
        let lines = try Self.report(imported.binary, ["pauses", "--db", imported.database, "--format", "csv"])
        #expect(lines == [
            "period_start,period_end,agent_id,agent_number,agent_name,reason,pauses,paused_s",
            "2023-11-14T00:00:00+00:00,2023-11-15T00:00:00+00:00,Agent/1001,1001,,,1,50",
            "2023-11-14T00:00:00+00:00,2023-11-15T00:00:00+00:00,Agent/1001,1001,,lunch,1,200",
            "2023-11-14T00:00:00+00:00,2023-11-15T00:00:00+00:00,Agent/1001,1001,,training,1,80",
        ])
    }

    @Test("XiVO's figures: refused calls received but not offered, waits and talk from the fields, login from the logoff, PAUSEALL only")
    func xivoFigures() throws {
        let imported = try Self.imported(Self.day)
        // The folder (the database) lives to the test's end.
        defer { withExtendedLifetime(imported) {} }
        let (binary, database) = (imported.binary, imported.database)
        let queues = try Self.report(binary, ["xivo-queues", "--db", database, "--format", "csv", "--queue", "sales"])
        #expect(queues.dropFirst() == ["2023-11-14T00:00:00+00:00,2023-11-15T00:00:00+00:00,sales,sales,3,1,1,0,1,0,0,33.333,100,20"])
        let strict = try Self.report(binary, ["xivo-queues", "--db", database, "--format", "csv", "--queue", "sales", "--qos-threshold", "9"])
        #expect(strict.dropFirst().first?.hasSuffix(",33.333,0,20") == true, "\(strict)")
        // The missed report counts visits: the refused call is not offered.
        let missed = try Self.report(binary, ["missed", "--db", database, "--format", "csv", "--queue", "sales"])
        #expect(missed.dropFirst().first?.contains(",queue,sales,sales,2,1,1,") == true, "\(missed)")
        let agents = try Self.report(binary, ["xivo-agents", "--db", database, "--format", "csv"])
        #expect(agents.dropFirst() == ["2023-11-14T00:00:00+00:00,2023-11-15T00:00:00+00:00,Agent/1001,1001,,1,60,690,250,15"])
    }

    @Test("a queue name from the log is defused in CSV and escaped in HTML")
    func hostileQueueName() throws {
        let imported = try Self.imported(Self.day)
        // The folder (the database) lives to the test's end.
        defer { withExtendedLifetime(imported) {} }
        let (binary, database) = (imported.binary, imported.database)
        let csv = try Self.report(binary, ["xivo-queues", "--db", database, "--format", "csv"]).joined(separator: "\n")
        #expect(csv.contains(",\"'=HYPERLINK(\"\"http://x\"\")\",") && !csv.contains(",=HYPERLINK"), "\(csv)")
        let html = try Self.report(binary, ["xivo-queues", "--db", database, "--format", "html"]).joined(separator: "\n")
        #expect(html.contains("=HYPERLINK(&quot;http://x&quot;)") && !html.contains("HYPERLINK(\"http"))
    }

    @Test("each RINGNOANSWER is kept with its agent, queue, call and milliseconds", RequiredTool.sqlite3.trait)
    func ringNoAnswer() throws {
        let imported = try Self.imported(Self.day)
        // The folder (the database) lives to the test's end.
        defer { withExtendedLifetime(imported) {} }
        let result = try CallStatsBinary(url: URL(fileURLWithPath: try RequiredTool.sqlite3.require())).run([
            imported.database, "SELECT queue_id, callid, agent_id, rang_at, ring_ms FROM queue_log_ring_no_answer",
        ])
        try #require(result.status == 0, "sqlite3: \(result.stderr)")
        #expect(result.stdout == "sales|1.1|Agent/1001|\(Double(Self.t0 + 104))|3000\n")
    }

    @Test("a login and a pause open when one import ends go on in the next: one span each")
    func acrossImports() throws {
        let imported = try Self.imported(Array(Self.day[0..<9]))
        // The folder (the database) lives to the test's end.
        defer { withExtendedLifetime(imported) {} }
        let (binary, database) = (imported.binary, imported.database)
        let file = imported.folder.path("queue_log")
        try Data((Self.day.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: file))
        #expect(try binary.run(["import", "queue-log", "--db", database, file]).status == 0)
        let agents = try Self.report(binary, ["xivo-agents", "--db", database, "--format", "csv"])
        #expect(agents.dropFirst() == ["2023-11-14T00:00:00+00:00,2023-11-15T00:00:00+00:00,Agent/1001,1001,,1,60,690,250,15"])
        let pauses = try Self.report(binary, ["pauses", "--db", database, "--format", "csv"])
        #expect(pauses.contains { $0.hasSuffix(",lunch,1,200") }, "\(pauses)")
    }

    @Test("Wazo's EXITEMPTY then LEAVEEMPTY is one blocking call, its wait from the times; EXITWITHKEY counts nowhere in XiVO's figures")
    func leaveEmpty() throws {
        let imported = try Self.imported([
            Self.line(0, "5.1|sales|NONE|ENTERQUEUE||0601020304|1"),
            Self.line(20, "5.1|sales|NONE|EXITEMPTY|1|1|20"),
            Self.line(20, "5.1|sales|NONE|LEAVEEMPTY|"),
            Self.line(30, "6.1|sales|NONE|ENTERQUEUE||0602020304|1"),
            Self.line(35, "6.1|sales|NONE|EXITWITHKEY|1|1|1|5"),
        ])
        defer { withExtendedLifetime(imported) {} }
        let queues = try Self.report(imported.binary, ["xivo-queues", "--db", imported.database, "--format", "csv"])
        #expect(queues.dropFirst() == ["2023-11-14T00:00:00+00:00,2023-11-15T00:00:00+00:00,sales,sales,1,0,0,0,0,1,0,0,,20"])
        let missed = try Self.report(imported.binary, ["missed", "--db", imported.database, "--format", "csv"])
        #expect(missed.dropFirst().first?.contains(",queue,sales,sales,2,0,2,") == true, "\(missed)")
    }

    @Test("logins that began days before the report: one ended in it, one still open when the log was read")
    func longLogins() throws {
        let threeDays = 3 * 86_400
        let imported = try Self.imported([
            Self.line(-threeDays, "NONE|NONE|Agent/1|AGENTCALLBACKLOGIN|1@default"),
            Self.line(-threeDays, "NONE|NONE|Agent/2|AGENTCALLBACKLOGIN|2@default"),
            Self.line(100, "NONE|NONE|Agent/1|AGENTCALLBACKLOGOFF|1@default|\(threeDays + 100)|"),
        ])
        defer { withExtendedLifetime(imported) {} }
        let agents = try Self.report(imported.binary, ["xivo-agents", "--db", imported.database, "--format", "csv"])
        // 2023-11-14: agent 1 until its logoff at 22:15:00 (80,100 s), agent 2 the whole day.
        #expect(agents.dropFirst() == [
            "2023-11-14T00:00:00+00:00,2023-11-15T00:00:00+00:00,Agent/1,1,,0,0,80100,0,0",
            "2023-11-14T00:00:00+00:00,2023-11-15T00:00:00+00:00,Agent/2,2,,0,0,86400,0,0",
        ])
    }

    @Test("numbers no PBX writes (1e300 seconds, 99999999999 ms) are no numbers: the import and the reports go on")
    func absurdFields() throws {
        let imported = try Self.imported([
            Self.line(0, "1.1|sales|NONE|ENTERQUEUE||0601|1"),
            Self.line(5, "1.1|sales|Agent/1|RINGNOANSWER|99999999999"),
            Self.line(10, "1.1|sales|Agent/1|COMPLETEAGENT|1e300|1e300|1"),
            Self.line(20, "NONE|NONE|Agent/1|WRAPUPSTART|1e300"),
            Self.line(30, "NONE|NONE|Agent/1|AGENTCALLBACKLOGOFF|1@default|1e300|"),
        ])
        defer { withExtendedLifetime(imported) {} }
        let queues = try Self.report(imported.binary, ["xivo-queues", "--db", imported.database, "--format", "csv"])
        // Answered, with no wait to count: its wait field was not a number.
        #expect(queues.dropFirst() == ["2023-11-14T00:00:00+00:00,2023-11-15T00:00:00+00:00,sales,sales,1,1,0,0,0,0,0,100,0,0"])
        let agents = try Self.report(imported.binary, ["xivo-agents", "--db", imported.database, "--format", "csv"])
        #expect(agents.dropFirst() == ["2023-11-14T00:00:00+00:00,2023-11-15T00:00:00+00:00,Agent/1,1,,1,0,0,0,0"])
    }
}
