import ArgumentParser
import Foundation
import Reports
import Storage

/// `callstats-bench report-data`: fills a new database with a synthetic center, to time the
/// reports at scale (BENCHMARKS.md "Reports").
struct ReportDataBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report-data",
        abstract: "Write a synthetic call center into a new database, for timing reports."
    )

    @Option(help: ArgumentHelp("The new database file to write (it must not exist).", valueName: "path")) var db: String
    @Option(help: "Agents.") var agents = 500
    @Option(help: "Queues.") var queues = 50
    @Option(help: "Days, from --first-day.") var days = 365
    @Option(help: "Queue visits over all days.") var visits = 10_000_000
    @Option(name: .customLong("first-day"), help: "The first day, YYYY-MM-DD.") var firstDay = "2025-01-01"
    @Option(help: "Time zone of the days.") var tz = "Europe/Paris"
    @Option(help: "Random seed.") var seed: UInt64 = 42

    func validate() throws {
        guard !db.isEmpty else { throw ValidationError("--db needs a file path") }
        guard agents > 0, queues > 0, days > 0, visits >= 0 else {
            throw ValidationError("--agents, --queues and --days must be positive, --visits not negative")
        }
    }

    func run() throws {
        if FileManager.default.fileExists(atPath: db) {
            throw BenchError("\(db) exists: benchmark data goes into a new file")
        }
        guard let calendar = ReportCalendar(timeZoneIdentifier: tz) else { throw BenchError("--tz \(tz): unknown time zone") }
        let day: ReportCalendar.Day
        do { day = try calendar.parseDay(firstDay, now: 0) } catch { throw BenchError("--first-day \(firstDay): \(error)") }
        let center = SyntheticCenter(agents: agents, queues: queues, days: days, visits: visits, firstDay: day, calendar: calendar, seed: seed)
        let counts: SyntheticCenter.Counts
        let started: Date
        do {
            let (connection, _) = try Database.openWriter(path: db)
            started = Date()
            counts = try center.generate(into: connection) { done, counts in
                if done % 10 == 0 || done == days {
                    FileHandle.standardError.write(Data("day \(done)/\(days): \(counts.visits) visits, \(counts.intervals) intervals, \(counts.samples) samples\n".utf8))
                }
            }
        } catch let error as StorageError {
            throw BenchError("\(db): \(error.explanation)")
        }
        print("\(counts.sessions) sessions, \(counts.intervals) agent state intervals, \(counts.visits) queue visits, \(counts.samples) statistic samples, \(counts.calls) calls in \(Int(Date().timeIntervalSince(started))) s")
    }
}

/// A failure worded for the person at the terminal: ArgumentParser prints it as
/// `Error: <message>`, without the usage text a `ValidationError` brings, and exits 1.
struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
