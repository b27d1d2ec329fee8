import ArgumentParser

/// The root of `callstats`: every capability is a subcommand in `Commands/`, one file each.
public struct CallStatsCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "callstats",
        abstract: "Record XiVO/Wazo CTI call-center statistics into SQLite and report on them.",
        version: CallStatsVersion.current,
        subcommands: [
            AgentsCommand.self,
            CallsCommand.self,
            CollectCommand.self,
            DemoCommand.self,
            JournalCommand.self,
            MigrateCommand.self,
            PruneCommand.self,
            QueuesCommand.self,
            ReplayCommand.self,
            ReportCommand.self,
            SimulateCommand.self,
            StatusCommand.self,
            WatchCommand.self,
        ]
    )

    public init() {}
}
