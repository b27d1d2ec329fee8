import ArgumentParser

@main
struct CallStatsBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "callstats-bench",
        abstract: "Benchmarks that print numbers; their commands and results are kept in BENCHMARKS.md.",
        subcommands: [JournalInsertBenchmark.self, RecordBenchmark.self, DecodeBenchmark.self, ReportDataBenchmark.self, QueueLogDaysBenchmark.self]
    )
}
