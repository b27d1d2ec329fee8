import ArgumentParser
import Foundation
import Reports
import Storage

/// `callstats report benchmark-data`: fills a new database with a synthetic center, to time
/// the reports (BENCHMARKS.md "Reports"). Hidden from the help: a tool for developers.
struct ReportBenchmarkDataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "benchmark-data",
        abstract: "Write a synthetic call center into a new database, for timing reports.",
        shouldDisplay: false
    )

    @OptionGroup var database: DatabaseOptions

    @Option(help: "Agents.") var agents = 500
    @Option(help: "Queues.") var queues = 50
    @Option(help: "Days, from --first-day.") var days = 365
    @Option(help: "Queue visits over all days.") var visits = 10_000_000
    @Option(name: .customLong("first-day"), help: "The first day, YYYY-MM-DD.") var firstDay = "2025-01-01"
    @Option(help: "Time zone of the days.") var tz = "Europe/Paris"
    @Option(help: "Random seed.") var seed: UInt64 = 42

    func validate() throws {
        guard agents > 0, queues > 0, days > 0, visits >= 0 else {
            throw ValidationError("--agents, --queues and --days must be positive, --visits not negative")
        }
    }

    func run() throws {
        if FileManager.default.fileExists(atPath: database.db) {
            throw CLIError("\(database.db) exists: benchmark data goes into a new file")
        }
        guard let calendar = ReportCalendar(timeZoneIdentifier: tz) else { throw CLIError("--tz \(tz): unknown time zone") }
        let day: ReportCalendar.Day
        do { day = try calendar.parseDay(firstDay, now: 0) } catch { throw CLIError("--first-day \(firstDay): \(error)") }
        let (connection, _) = try database.openWriter()
        let center = SyntheticCenter(agents: agents, queues: queues, days: days, visits: visits, firstDay: day, calendar: calendar, seed: seed)
        let started = Date()
        let counts = try center.generate(into: connection) { done, counts in
            if done % 10 == 0 || done == days {
                FileHandle.standardError.write(Data("day \(done)/\(days): \(counts.visits) visits, \(counts.intervals) intervals, \(counts.samples) samples\n".utf8))
            }
        }
        print("\(counts.sessions) sessions, \(counts.intervals) agent state intervals, \(counts.visits) queue visits, \(counts.samples) statistic samples, \(counts.calls) calls in \(Int(Date().timeIntervalSince(started))) s")
    }
}
