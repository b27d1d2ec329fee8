import ArgumentParser
import Foundation
import Reports
import Storage

/// `--format` of the supervisor's views.
enum ListingFormatArgument: String, CaseIterable, ExpressibleByArgument {
    case table, csv, json
}

/// Whether to colour: only on a terminal, never with `NO_COLOR` set (https://no-color.org;
/// any value, even empty, turns colours off here) nor on a `dumb` terminal.
enum TerminalColor {
    static func enabled(descriptor: Int32 = STDOUT_FILENO) -> Bool {
        guard FileDescriptorOutput.isTerminal(descriptor) else { return false }
        let environment = ProcessInfo.processInfo.environment
        if environment["NO_COLOR"] != nil { return false }
        return environment["TERM"] != "dumb"
    }
}

/// `--db`, `--tz`, `--format`: shared by `agents`, `queues` and `calls`.
struct NowOptions: ParsableArguments {
    @OptionGroup var database: DatabaseOptions

    @Option(help: ArgumentHelp("Time zone of the times shown and of what \"today\" means, e.g. Europe/Paris (default: the machine's).", valueName: "zone"))
    var tz: String?

    @Option(help: ArgumentHelp("table, csv or json (default: table on a terminal, else csv).", valueName: "format"))
    var format: ListingFormatArgument?

    func validate() throws {
        _ = try calendar()
    }

    func calendar() throws -> ReportCalendar {
        try Self.calendar(tz)
    }

    /// `--tz` as every command reads it: the machine's zone when absent; an unknown zone is a
    /// usage error (`ValidationError`, exit status 64).
    static func calendar(_ tz: String?) throws -> ReportCalendar {
        guard let tz else { return ReportCalendar(timeZone: .current) }
        guard let calendar = ReportCalendar(timeZoneIdentifier: tz) else {
            throw ValidationError("--tz \(tz): unknown time zone (use a name such as Europe/Paris, America/New_York or UTC)")
        }
        return calendar
    }

    var listingFormat: ListingFormat {
        switch format ?? (FileDescriptorOutput.isTerminal(STDOUT_FILENO) ? .table : .csv) {
        case .table: return .table(color: TerminalColor.enabled())
        case .csv: return .csv
        case .json: return .json
        }
    }

    /// Opens the database read-only, reads one snapshot, and prints what `body` makes of it.
    func print(thresholds: NowThresholds = NowThresholds(), _ body: (NowQueries) throws -> NowListing) throws {
        let calendar = try calendar()
        let reader = try NowReader(database: database)
        let listing = try reader.read(calendar: calendar, thresholds: thresholds, body)
        let output = FileDescriptorOutput(descriptor: STDOUT_FILENO)
        try ReportFailures.explained {
            try output.write(listing.render(listingFormat))
            try output.flush()
        }
    }
}

/// The thresholds of the "today so far" figures (the reports' defaults unless given).
struct NowThresholds {
    var serviceLevelThreshold = 20.0
    var shortAbandon = 5.0
    var callbackWindow = 86_400.0
}

/// A read-only connection kept for several snapshots (`watch` reads one per refresh).
final class NowReader {
    let connection: Database
    let lockPath: String
    let path: String

    init(database: DatabaseOptions) throws {
        connection = try database.openReader()
        path = database.db
        lockPath = database.db + ".lock"
        try ReportFailures.explained { try ReportQueries.tune(connection) }
    }

    /// One snapshot: "now" and every figure of the view read in the same transaction.
    func read<T>(calendar: ReportCalendar, thresholds: NowThresholds, _ body: (NowQueries) throws -> T) throws -> T {
        // Checked before the snapshot: a collector that stops between the two is seen as
        // live once more, which only carries the clock forward by the instant between them.
        let collectorRunning = CollectionStatus.writerLockHeld(lockPath)
        return try ReportFailures.explained {
            try connection.read {
                guard let asOf = try AsOf.find(in: connection, collectorRunning: collectorRunning, wallClock: Date().timeIntervalSince1970) else {
                    throw CLIError("\(path): nothing recorded yet (no collection session has heard from the CTI server): run callstats collect")
                }
                let queries = try NowQueries(
                    database: connection, asOf: asOf, calendar: calendar,
                    serviceLevelThreshold: thresholds.serviceLevelThreshold, shortAbandon: thresholds.shortAbandon,
                    callbackWindow: thresholds.callbackWindow
                )
                return try body(queries)
            }
        }
    }
}
