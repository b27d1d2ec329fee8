import ArgumentParser
import Foundation
import Reports
import Storage

/// `callstats status`: is the collector recording, and is it keeping up? Made for a human and
/// for a monitoring system (the exit status).
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the collection sessions and how fresh the data is; exit non-zero when collection is not live.",
        discussion: """
            Exit status: 0 when a collector is running with a live session whose last message is \
            at most --stale seconds old; 1 when no collection session is live; 2 when the last \
            message is older than --stale; 1 also when the database cannot be read, and 64 for a \
            usage error (a bad option value). The database is opened read-only.
            """
    )

    @OptionGroup var database: DatabaseOptions

    @Option(help: ArgumentHelp("Seconds without a message after which the data is stale.", valueName: "seconds"))
    var stale: Double = 300

    @Option(help: ArgumentHelp("table or json.", valueName: "format"))
    var format: String = "table"

    func validate() throws {
        guard stale > 0 else { throw ValidationError("--stale must be a positive number of seconds") }
        guard ["table", "json"].contains(format) else { throw ValidationError("--format must be table or json") }
    }

    func run() throws {
        let connection = try database.openReader()
        let report = try database.explainingFailures {
            try CollectionStatus(database: connection, path: database.db, now: Date().timeIntervalSince1970)
        }
        switch format {
        case "json":
            print(report.jsonText(stale: stale), terminator: "")
        default:
            print(report.text(stale: stale), terminator: "")
        }
        switch report.health(stale: stale) {
        case .live: return
        case .notLive: throw ExitCode(1)
        case .stale: throw ExitCode(2)
        }
    }
}

