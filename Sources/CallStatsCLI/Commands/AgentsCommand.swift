import ArgumentParser
import Reports

/// `callstats agents`: every agent now, and its day so far.
struct AgentsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agents",
        abstract: "Show every agent now: state, since when, queues, phone, and today's logged-in time, ACD calls and occupancy.",
        discussion: """
            States are those of the occupancy report (docs/METRICS.md). "Now" is the CTI \
            server's clock while a collector records; otherwise the latest recorded event, and \
            the output says so. Today's figures are the occupancy report's for the start of today \
            (in --tz) to now. The database is opened read-only.
            """
    )

    @OptionGroup var options: NowOptions

    func run() throws {
        try options.print { queries in
            NowListing.agents(try queries.agents(), queries: queries)
        }
    }
}
