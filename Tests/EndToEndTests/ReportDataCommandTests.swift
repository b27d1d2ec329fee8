import CallStatsTestSupport
import Foundation
import Storage
import Testing

@Suite("callstats-bench report-data: the reports' synthetic center, outside the product")
struct ReportDataCommandTests {
    @Test("it writes a small center that the reports read; a second run refuses the existing file")
    func writesSmallCenter() throws {
        let bench = try CallStatsBinary.built("callstats-bench")
        let binary = try CallStatsBinary.built()
        let folder = try TemporaryFolder()
        let path = folder.path("center.db")
        let arguments = ["report-data", "--db", path, "--agents", "4", "--queues", "2", "--days", "2",
                         "--visits", "200", "--first-day", "2025-03-01", "--tz", "UTC"]
        let result = try bench.run(arguments)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.hasPrefix("2 sessions, "), "\(result.stdout)")
        let database = try Database(path: path, mode: .readOnly)
        #expect(try database.fetchInt64("SELECT count(*) FROM agent") == 4)
        #expect(try database.fetchInt64("SELECT count(*) FROM queue") == 2)
        let visits = try #require(try database.fetchInt64("SELECT count(*) FROM queue_visit"))
        #expect(visits > 0)
        #expect(result.stdout.contains(" \(visits) queue visits, "), "\(result.stdout)")

        let report = try binary.run(["report", "missed", "--db", path, "--date", "2025-03-01", "--tz", "UTC",
                                     "--interval", "total", "--format", "csv"])
        #expect(report.status == 0, "\(report.stderr)")
        #expect(report.stdout.contains(",queue,1,Sales,"), "\(report.stdout)")

        let again = try bench.run(arguments)
        #expect(again.status != 0)
        #expect(again.stderr == "Error: \(path) exists: benchmark data goes into a new file\n")
    }

    @Test("callstats-bench report-data answers --help; callstats report has no benchmark-data any more")
    func movedOutOfTheProduct() throws {
        let help = try CallStatsBinary.built("callstats-bench").run(["report-data", "--help"])
        #expect(help.status == 0, "\(help.stderr)")
        #expect(help.stdout.contains("--visits"), "\(help.stdout)")
        let benchHelp = try CallStatsBinary.built("callstats-bench").run(["--help"])
        #expect(benchHelp.stdout.contains("report-data"), "\(benchHelp.stdout)")

        let folder = try TemporaryFolder()
        let path = folder.path("center.db")
        let old = try CallStatsBinary.built().run(["report", "benchmark-data", "--db", path, "--days", "1"])
        #expect(old.status != 0)
        #expect(!FileManager.default.fileExists(atPath: path))
        let alone = try CallStatsBinary.built().run(["report", "benchmark-data"])
        #expect(alone.status != 0)
        #expect(alone.stderr.hasPrefix("Error: Unexpected argument 'benchmark-data'"), "\(alone.stderr)")
        let reportHelp = try CallStatsBinary.built().run(["report", "--help"])
        #expect(!reportHelp.stdout.contains("benchmark"), "\(reportHelp.stdout)")
    }
}
