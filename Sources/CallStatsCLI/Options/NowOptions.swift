import ArgumentParser
import Foundation
import Reports
import Storage

#if canImport(Glibc)
import Glibc
#endif

/// `--format` of the supervisor's views.
enum ListingFormatArgument: String, CaseIterable, ExpressibleByArgument {
    case table, csv, json, xlsx

    /// The format an `--output` extension names (as the reports' `--output` reads it), nil
    /// for one a view does not write (an HTML page).
    init?(_ format: ReportFormat) {
        switch format {
        case .table: self = .table
        case .csv: self = .csv
        case .json: self = .json
        case .xlsx: self = .xlsx
        case .html: return nil
        }
    }
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

    @Option(help: ArgumentHelp("table, csv, json or xlsx (default: with --output, from its extension; else table on a terminal, csv otherwise). A table fits COLUMNS, else the terminal's width, else 80. xlsx needs --output or standard output that is not a terminal.", valueName: "format"))
    var format: ListingFormatArgument?

    @Option(help: ArgumentHelp(
        "Write to this file (atomically) instead of standard output. Its extension is the format: .csv, .json, .txt (table), .xlsx; another extension, or one that disagrees with --format, is refused; a name without one gets --format, else csv.",
        valueName: "path"))
    var output: String?

    func validate() throws {
        _ = try calendar()
        _ = try outputFormat()
    }

    /// The format for `--output` (nil without one), by the reports' extension rule.
    private func outputFormat() throws -> ListingFormatArgument? {
        guard let output else { return nil }
        let pathExtension = (output as NSString).pathExtension.lowercased()
        if pathExtension.isEmpty { return format ?? .csv }
        guard let named = ReportOutputOptions.format(ofExtension: pathExtension).flatMap(ListingFormatArgument.init) else {
            throw ValidationError("--output \(output): the views write no .\(pathExtension) files: name it .csv, .xlsx (spreadsheets), .json or .txt (a table)")
        }
        if let format, format != named {
            throw ValidationError("--output \(output) names a .\(pathExtension) file but --format is \(format.rawValue): make them agree (or leave out --format)")
        }
        return named
    }

    var resolvedFormat: ListingFormatArgument {
        if let chosen = try? outputFormat() { return chosen }
        return format ?? (FileDescriptorOutput.isTerminal(STDOUT_FILENO) ? .table : .csv)
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

    /// The text formats; colours only on a terminal, never in a file.
    func listingFormat(_ format: ListingFormatArgument) -> ListingFormat {
        switch format {
        case .table: return .table(color: output == nil && TerminalColor.enabled(), width: TerminalColumns.current())
        case .csv, .xlsx: return .csv
        case .json: return .json
        }
    }

    /// Opens the database read-only, reads one snapshot, and prints what `body` makes of it
    /// (to `--output` when given).
    func print(thresholds: NowThresholds = NowThresholds(), _ body: (NowQueries) throws -> NowListing) throws {
        let format = resolvedFormat
        if format == .xlsx && output == nil { try WorkbookOutput.refuseTerminal() }
        let calendar = try calendar()
        let reader = try NowReader(database: database)
        let listing = try reader.read(calendar: calendar, thresholds: thresholds, body)
        try ReportFailures.explained {
            let file = try output.map { try AtomicFileOutput(path: $0) }
            let standardOutput = FileDescriptorOutput(descriptor: STDOUT_FILENO)
            if format == .xlsx {
                let writer = XLSXWriter(output: file ?? standardOutput)
                try listing.writeWorkbook(writer)
                WorkbookOutput.warn(try writer.finish())
            } else {
                let text = listing.render(listingFormat(format))
                if let file { try file.write(text) } else { try standardOutput.write(text) }
            }
            try file?.commit()
            try standardOutput.flush()
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
