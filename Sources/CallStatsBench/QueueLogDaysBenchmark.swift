import ArgumentParser
import Foundation
import Simulator

/// Writes the queue_log of many simulated days (the load of the queue_log import benchmark).
struct QueueLogDaysBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "queue-log-days",
        abstract: "Write the queue_log of simulated days, one after the other, to a file (the import benchmark's load)."
    )

    @Option(help: ArgumentHelp("The file to write.", valueName: "path")) var output: String
    @Option(help: "Days.") var days = 365
    @Option(help: "Agents.") var agents = 60
    @Option(help: "Queues.") var queues = 10
    @Option(help: "Hours of each day, from 08:00 UTC.") var hours = 12
    @Option(help: "Random seed of the first day (the next days add one each).") var seed: UInt64 = 1
    /// In the past, with room for a year of copies (bench/queue_log_repeat.py): an import reads
    /// no line dated after this machine's clock.
    @Option(help: "The first day (YYYY-MM-DD, UTC).") var start = "2025-11-03"

    func validate() throws {
        guard ISO8601Instant.parse("\(start)T08:00:00Z") != nil else {
            throw ValidationError("--start \(start): not a date (YYYY-MM-DD)")
        }
    }

    func run() throws {
        var c = SimulatorConfiguration()
        c.agents = agents
        c.queues = queues
        c.seed = seed
        c.start = ISO8601Instant.parse("\(start)T08:00:00Z")?.micros ?? c.start
        c.duration = Int64(hours) * 3600 * 1_000_000
        let started = Date()
        let lines = try QueueLogDays.write(c, days: days, to: output)
        print("\(lines) lines, \(days) days, in \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
    }
}
