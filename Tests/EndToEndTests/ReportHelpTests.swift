import CallStatsTestSupport
import Foundation
import Testing

/// `callstats report KIND --help` lists the options that change that report and no other, and
/// `--format table` fits the terminal's width (80 on a pipe, or `COLUMNS`).
@Suite("report: options per kind, and the table's width")
struct ReportHelpTests {
    static let everyOption = [
        "--db", "--date", "--from", "--to", "--tz", "--interval", "--queue", "--agent",
        "--sl-threshold", "--short-abandon", "--callback-window", "--format", "--output",
    ]
    static let common = ["--db", "--date", "--from", "--to", "--tz", "--format", "--output"]
    static let relevant: [String: [String]] = [
        "occupancy": common + ["--interval", "--agent"],
        "ewt": common + ["--interval", "--queue"],
        "missed": common + ["--interval", "--queue", "--agent", "--sl-threshold", "--short-abandon", "--callback-window"],
        "calls-missed": common + ["--queue", "--agent", "--callback-window"],
    ]

    @Test("each kind's --help lists only its options", arguments: ["occupancy", "ewt", "missed", "calls-missed"])
    func help(kind: String) throws {
        let result = try CallStatsBinary.built().run(["report", kind, "--help"])
        #expect(result.status == 0, "\(result.stderr)")
        let wanted = Set(Self.relevant[kind] ?? [])
        for option in Self.everyOption {
            let listed = result.stdout.contains(try Regex("(^|\\s)" + NSRegularExpression.escapedPattern(for: option) + "\\s"))
            #expect(listed == wanted.contains(option), "\(kind) \(option): \(result.stdout)")
        }
    }

    @Test("an option that would not change the report is refused, not ignored")
    func irrelevantRefused() throws {
        let binary = try CallStatsBinary.built()
        for (kind, option, value) in [("occupancy", "--queue", "1"), ("ewt", "--agent", "1"), ("occupancy", "--sl-threshold", "30"),
                                      ("calls-missed", "--interval", "1h"), ("ewt", "--callback-window", "1h")] {
            let result = try binary.run(["report", kind, "--db", "/nonexistent/calls.db", "--date", "2025-03-01", option, value])
            #expect(result.status == 64, "\(kind) \(option): \(result.stderr)")
            #expect(result.stderr.contains("Unknown option '\(option)'"), "\(kind) \(option): \(result.stderr)")
        }
    }

    @Test("--format table on a pipe fits 80 columns, or COLUMNS; CSV is unchanged by either")
    func tableWidth() throws {
        let bench = try CallStatsBinary.built("callstats-bench")
        let binary = try CallStatsBinary.built()
        let folder = try TemporaryFolder()
        let path = folder.path("center.db")
        let made = try bench.run(["report-data", "--db", path, "--agents", "4", "--queues", "2", "--days", "1",
                                  "--visits", "100", "--first-day", "2025-03-01", "--tz", "UTC"])
        try #require(made.status == 0, "\(made.stderr)")
        var environment = ProcessInfo.processInfo.environment
        environment["COLUMNS"] = nil
        for kind in ["occupancy", "ewt", "missed", "calls-missed"] {
            let arguments = ["report", kind, "--db", path, "--date", "2025-03-01", "--tz", "UTC"]
            let interval = kind == "calls-missed" ? [] : ["--interval", "total"]
            for (columns, width) in [(nil, 80), ("60", 60), ("200", 200)] as [(String?, Int)] {
                environment["COLUMNS"] = columns
                let table = try binary.run(arguments + interval + ["--format", "table"], environment: environment)
                #expect(table.status == 0, "\(table.stderr)")
                let lines = table.stdout.split(separator: "\n").map(String.init)
                #expect(lines.count > 2, "\(kind)")
                #expect(lines.allSatisfy { $0.count <= width }, "\(kind) at \(width):\n\(table.stdout)")
                #expect(!table.stdout.contains("_s ") && !table.stdout.contains("_pct"), "\(kind): \(table.stdout)")
                let csv = try binary.run(arguments + interval + ["--format", "csv"], environment: environment)
                #expect(csv.stdout.hasPrefix(kind == "calls-missed" ? "time," : "period_start,"))
            }
        }
    }
}
