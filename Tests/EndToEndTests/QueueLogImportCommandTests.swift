import CallStatsTestSupport
import Foundation
import Testing

/// `callstats import queue-log` as a person runs it: the real binary, real files.
@Suite("import queue-log command")
struct QueueLogImportCommandTests {
    static let lines = [
        "1700000000|NONE|NONE|NONE|QUEUESTART|",
        "1700000005|NONE|NONE|Agent/1001|AGENTCALLBACKLOGIN|1001@default",
        "1700000010|1.1|sales|NONE|ENTERQUEUE||0601020304|1",
        "1700000015|1.1|sales|Agent/1001|CONNECT|5|1.2|1",
        "1700000075|1.1|sales|Agent/1001|COMPLETEAGENT|5|60|1",
        "1700000080|2.1|sales|NONE|ENTERQUEUE||0611111111|1",
        "1700000090|2.1|sales|NONE|ABANDON|1|1|10",
        "not a queue_log line",
        "1700000100|NONE|NONE|Agent/1001|AGENTCALLBACKLOGOFF|1001@default|95|",
    ]

    @Test("imports once, adds nothing the second time; the reports and views read the imported day")
    func importTwice() throws {
        let binary = try CallStatsBinary.built()
        let folder = try TemporaryFolder()
        let db = folder.path("calls.db")
        let file = folder.path("queue_log")
        try Data((Self.lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: file))

        let first = try binary.run(["import", "queue-log", "--db", db, file])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout == "queue_log: 1 file, 9 lines read, 8 added, 1 unreadable\n")
        let second = try binary.run(["import", "queue-log", "--db", db, file])
        #expect(second.stdout == "queue_log: 1 file, 0 lines read, 0 added, 0 unreadable\n")

        let missed = try binary.run(["report", "missed", "--db", db, "--date", "2023-11-14", "--tz", "UTC", "--interval", "1d", "--format", "csv"])
        #expect(missed.status == 0, "\(missed.stderr)")
        #expect(missed.stdout.contains(",queue,sales,sales,2,1,1,50,0,5,10,10,"), "\(missed.stdout)")
        let occupancy = try binary.run(["report", "occupancy", "--db", db, "--date", "2023-11-14", "--tz", "UTC", "--interval", "1d", "--format", "csv"])
        #expect(occupancy.stdout.contains(",Agent/1001,1001,,95,35,60,0,0,0,1,"), "\(occupancy.stdout)")
        let agents = try binary.run(["agents", "--db", db, "--tz", "UTC", "--format", "csv"])
        #expect(agents.status == 0 && agents.stdout.contains("Agent/1001"), "\(agents.stdout)\(agents.stderr)")
    }

    @Test("a missing file is one line and status 1; no file or an unknown zone is a usage error")
    func errors() throws {
        let binary = try CallStatsBinary.built()
        let folder = try TemporaryFolder()
        let db = folder.path("calls.db")
        let missing = try binary.run(["import", "queue-log", "--db", db, folder.path("nothing")])
        #expect(missing.status == 1)
        #expect(missing.stderr == "Error: \(folder.path("nothing")): no such file\n")
        #expect(try binary.run(["import", "queue-log", "--db", db]).status == 64)
        #expect(try binary.run(["import", "queue-log", "--db", db, "--pbx-tz", "Mars/Olympus", folder.path("x")]).status == 64)
        // Options of the other source, or of --follow, are refused with what is wrong.
        let url = "postgres://stats@127.0.0.1/asterisk"
        for (arguments, message) in [
            (["--postgres", url, folder.path("x")], "give queue_log files or --postgres, not both"),
            (["--password-file", folder.path("pw"), folder.path("x")], "--password-file is for --postgres"),
            (["--table", "queue_log_2", folder.path("x")], "--table is for --postgres"),
            (["--poll-interval", "1", folder.path("x")], "--poll-interval is for --follow"),
            (["--postgres", "mysql://stats@pbx/asterisk"], "--postgres: not a PostgreSQL URL"),
            (["--postgres", url + "?sslmode=maybe"], "--postgres: sslmode must be disable, prefer, require or verify-full, not 'maybe'"),
        ] {
            let result = try binary.run(["import", "queue-log", "--db", db] + arguments)
            #expect(result.status == 64, "\(arguments)")
            #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
        }
    }
}
