import ArgumentParser
import Foundation
import Reports
import Storage

#if canImport(Glibc)
import Glibc
#endif

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

/// How many columns the terminal tables are fitted to (`TextTable` wraps wider ones):
/// `COLUMNS` when it holds a number (as other tools read it: a script or a test can ask for a
/// width), else the width of the terminal standard output is, else 80, the width of a terminal
/// nobody resized, for a file or a pipe.
enum TerminalColumns {
    static let fallback = 80

    static func current(descriptor: Int32 = STDOUT_FILENO) -> Int {
        if let text = ProcessInfo.processInfo.environment["COLUMNS"], let columns = Int(text), columns > 0 {
            return columns
        }
        var size = winsize()
        guard FileDescriptorOutput.isTerminal(descriptor), ioctl(descriptor, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else {
            return fallback
        }
        return Int(size.ws_col)
    }
}

/// `--db`, `--tz`, `--format`: shared by `agents`, `queues` and `calls`.
struct NowOptions: ParsableArguments {
    @OptionGroup var database: DatabaseOptions

    @Option(help: ArgumentHelp("Time zone of the times shown and of what \"today\" means, e.g. Europe/Paris (default: the machine's).", valueName: "zone"))
    var tz: String?

    @Option(help: ArgumentHelp("table, csv or json (default: table on a terminal, else csv). A table fits COLUMNS, else the terminal's width, else 80.", valueName: "format"))
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
        case .table: return .table(color: TerminalColor.enabled(), width: TerminalColumns.current())
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

/// A read-only connection kept for several snapshots (`watch` reads one per refresh).
final class NowReader {
    let connection: Database
    let path: String

    init(database: DatabaseOptions) throws {
        connection = try database.openReader()
        path = database.db
        try ReportFailures.explained { try ReportQueries.tune(connection) }
    }

    /// One snapshot: "now" and every figure of the view read in the same transaction.
    func read<T>(calendar: ReportCalendar, thresholds: NowThresholds, _ body: (NowQueries) throws -> T) throws -> T {
        try ReportFailures.explained {
            try NowSnapshot.read(database: connection, path: path, calendar: calendar, thresholds: thresholds, body)
        }
    }
}
