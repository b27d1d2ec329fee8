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

    func run() throws {
        var c = SimulatorConfiguration()
        c.agents = agents
        c.queues = queues
        c.seed = seed
        c.duration = Int64(hours) * 3600 * 1_000_000
        let started = Date()
        let lines = try QueueLogDays.write(c, days: days, to: output)
        print("\(lines) lines, \(days) days, in \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
    }
}
