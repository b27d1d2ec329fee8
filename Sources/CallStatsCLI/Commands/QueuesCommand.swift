import ArgumentParser
import Reports

/// `callstats queues`: every queue now, and its day so far.
struct QueuesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "queues",
        abstract: "Show every queue now: waiting calls, longest wait, EWT, agents, and today's offered, answered, missed and service level.",
        discussion: """
            Waiting calls are the queue's waiting list now; EWT and the agent counts are the \
            server's latest statistics. Today's figures are the missed-calls report's for the \
            start of today (in --tz) to now. The database is opened read-only.
            """
    )

    @OptionGroup var options: NowOptions

    @Option(name: .customLong("sl-threshold"), help: ArgumentHelp("An answer within this wait counts for the service level (seconds, or with s, m, h).", valueName: "duration"))
    var serviceLevelThreshold: String = "20"

    @Option(name: .customLong("short-abandon"), help: ArgumentHelp("A miss that waited less than this is left out of the service level's denominator.", valueName: "duration"))
    var shortAbandon: String = "5"

    func validate() throws {
        _ = try ReportThresholdOptions.seconds(serviceLevelThreshold, option: "--sl-threshold")
        _ = try ReportThresholdOptions.seconds(shortAbandon, option: "--short-abandon")
    }

    func run() throws {
        var thresholds = NowThresholds()
        thresholds.serviceLevelThreshold = try ReportThresholdOptions.seconds(serviceLevelThreshold, option: "--sl-threshold")
        thresholds.shortAbandon = try ReportThresholdOptions.seconds(shortAbandon, option: "--short-abandon")
        try options.print(thresholds: thresholds) { queries in
            NowListing.queues(try queries.queues(), queries: queries)
        }
    }
}
