import ArgumentParser
import Foundation

/// The root of `callstats`: every capability is a subcommand in `Commands/`, one file each.
public struct CallStatsCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "callstats",
        abstract: "Record XiVO/Wazo CTI call-center statistics into SQLite and report on them.",
        discussion: ExitStatus.help,
        version: CallStatsVersion.current,
        subcommands: [
            AgentsCommand.self,
            CallsCommand.self,
            CollectCommand.self,
            DemoCommand.self,
            ImportCommand.self,
            JournalCommand.self,
            MigrateCommand.self,
            PruneCommand.self,
            QueuesCommand.self,
            ReplayCommand.self,
            ReportCommand.self,
            ServeCommand.self,
            SimulateCommand.self,
            StatusCommand.self,
            WatchCommand.self,
        ]
    )

    public init() {}

    /// ArgumentParser's own `main`, except that a `CLIError` exits with its own status (a
    /// bad argument found by the command is 64, like one found while parsing): ArgumentParser
    /// gives every error it does not know status 1.
    public static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let error as CLIError {
            FileHandle.standardError.write(Data("Error: \(error.message)\n".utf8))
            exit(withError: error.exitCode)
        } catch {
            exit(withError: error)
        }
    }
}
