/// The queue_log of simulated days without a CTI client: the model run headless, day after
/// day, each from `configuration.start` plus its day and with its own seed, appended to one
/// file (`callstats-bench queue-log-days`: years of history to import).
public enum QueueLogDays {
    /// Writes `days` days to `path` and returns the number of lines.
    public static func write(_ configuration: SimulatorConfiguration, days: Int, to path: String) throws -> Int {
        let file = try LineFileWriter(path: path, what: "queue_log")
        let counter = CountingLineSink(file)
        for day in 0..<days {
            var c = configuration
            c.start = configuration.start + Int64(day) * 86_400 * SimTime.second
            c.seed = configuration.seed &+ UInt64(day)
            let model = CallCenterModel(configuration: c, truth: LineDiscard(), queueLog: counter)
            while !model.finished {
                _ = model.advance(until: model.end, maxEvents: 100_000)
                // Nobody listens: what the model said on the wire is dropped as it goes.
                model.outbox.removeAll(keepingCapacity: true)
            }
        }
        file.close()
        if file.failed { throw SimulatorError.outputFile(path: path, what: "queue_log", reason: "write failed") }
        return counter.lines
    }
}

/// Passes lines on, counting them.
final class CountingLineSink: LineSink {
    private let next: LineSink
    private(set) var lines = 0

    init(_ next: LineSink) {
        self.next = next
    }

    func write(_ body: (inout [UInt8]) -> Void) {
        lines += 1
        next.write(body)
    }
}
