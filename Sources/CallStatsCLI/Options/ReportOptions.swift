import ArgumentParser
import Foundation
import Reports

/// `--date`, `--from`/`--to`, `--tz`: which time a report covers, in which time zone.
struct ReportRangeOptions: ParsableArguments {
    @Option(help: ArgumentHelp("A calendar day of the report's time zone: YYYY-MM-DD, today or yesterday.", valueName: "day"))
    var date: String?

    @Option(help: ArgumentHelp("Start of the range: YYYY-MM-DD, YYYY-MM-DDTHH:MM[:SS] (wall clock of --tz) or with an offset (…+02:00, …Z).", valueName: "time"))
    var from: String?

    @Option(help: ArgumentHelp("End of the range (excluded), in the same forms as --from.", valueName: "time"))
    var to: String?

    @Option(help: ArgumentHelp("Time zone of the report's days and periods, e.g. Europe/Paris (default: the machine's).", valueName: "zone"))
    var tz: String?

    /// Every error here is about the options' values: a `ValidationError` (exit status 64).
    func calendar() throws -> ReportCalendar {
        try NowOptions.calendar(tz)
    }

    /// The range asked for; `defaultDay` applies when neither --date nor --from/--to is given.
    /// Checked in the commands' `validate()` too, so a bad value is a usage error before the
    /// database is opened.
    func range(_ calendar: ReportCalendar, defaultDay: String? = nil) throws -> (range: Period, day: ReportCalendar.Day?) {
        let now = Date().timeIntervalSince1970
        do {
            switch (date, from, to) {
            case (let date?, nil, nil):
                let day = try calendar.parseDay(date, now: now)
                return (try calendar.range(of: day), day)
            case (nil, let from?, let to?):
                let start = try calendar.parseInstant(from)
                let end = try calendar.parseInstant(to)
                guard end > start else {
                    throw ValidationError("--to \(to) must come after --from \(from)")
                }
                return (Period(start: start, end: end), nil)
            case (nil, nil, nil):
                guard let defaultDay else {
                    throw ValidationError("say which time to report on: --date YYYY-MM-DD (or today, yesterday), or --from and --to")
                }
                let day = try calendar.parseDay(defaultDay, now: now)
                return (try calendar.range(of: day), day)
            case (_?, _, _):
                throw ValidationError("give either --date or --from and --to, not both")
            default:
                throw ValidationError("--from and --to go together: give both")
            }
        } catch let error as ReportTimeError {
            throw ValidationError(error.description)
        }
    }
}

/// `--queue`, `--agent`: which objects.
struct ReportFilterOptions: ParsableArguments {
    @Option(name: .customLong("queue"), help: ArgumentHelp("Only this queue (its id or name); repeat for several.", valueName: "id|name"))
    var queues: [String] = []

    @Option(name: .customLong("agent"), help: ArgumentHelp("Only this agent (its id or number); repeat for several.", valueName: "id|number"))
    var agents: [String] = []
}

/// `--sl-threshold`, `--short-abandon`, `--callback-window`.
struct ReportThresholdOptions: ParsableArguments {
    @Option(name: .customLong("sl-threshold"), help: ArgumentHelp("An answer within this wait counts for the service level (seconds, or with s, m, h).", valueName: "duration"))
    var serviceLevelThreshold: String = "20"

    @Option(name: .customLong("short-abandon"), help: ArgumentHelp("A miss that waited less than this is also counted in missed_short.", valueName: "duration"))
    var shortAbandon: String = "5"

    @Option(name: .customLong("callback-window"), help: ArgumentHelp("A miss is called back when the same number is answered within this time after it.", valueName: "duration"))
    var callbackWindow: String = "24h"

    func validate() throws {
        for (name, value) in [("--sl-threshold", serviceLevelThreshold), ("--short-abandon", shortAbandon), ("--callback-window", callbackWindow)] {
            _ = try Self.seconds(value, option: name)
        }
    }

    /// `20`, `20s`, `5m`, `1.5h`, `1d` to seconds.
    static func seconds(_ text: String, option: String) throws -> Double {
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86_400)]
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        var number = Substring(trimmed)
        var scale = 1.0
        for (suffix, factor) in units where trimmed.hasSuffix(suffix) {
            number = trimmed.dropLast(suffix.count)
            scale = factor
            break
        }
        guard !number.isEmpty, number.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }),
              let value = Double(number), value.isFinite, value >= 0
        else {
            throw ValidationError("\(option) \(text): not a duration (use e.g. 20, 20s, 5m, 24h)")
        }
        return value * scale
    }

    func apply(to parameters: inout ReportParameters) throws {
        parameters.serviceLevelThreshold = try Self.seconds(serviceLevelThreshold, option: "--sl-threshold")
        parameters.shortAbandon = try Self.seconds(shortAbandon, option: "--short-abandon")
        parameters.callbackWindow = try Self.seconds(callbackWindow, option: "--callback-window")
    }
}

extension ReportFormat: ExpressibleByArgument {}

/// `--format`, `--output`.
///
/// A file's extension and its contents agree: `--output missed.xlsx` would otherwise get CSV
/// under a name a spreadsheet opens as Excel and refuses. Without `--format` the extension
/// chooses the format; with it, an extension that says another format is refused.
struct ReportOutputOptions: ParsableArguments {
    @Option(help: ArgumentHelp("csv, html, table or json (default: with --output, from its extension; else table on a terminal, csv otherwise).", valueName: "format"))
    var format: ReportFormat?

    @Option(help: ArgumentHelp(
        "Write to this file (atomically) instead of standard output. Its extension is the format: .csv, .html (.htm), .json, .txt (table); another extension, or one that disagrees with --format, is refused; a name without one gets --format, else csv.",
        valueName: "path"))
    var output: String?

    /// The extensions of each format's files.
    static let extensions: [(ReportFormat, [String])] = [(.csv, ["csv"]), (.html, ["html", "htm"]), (.json, ["json"]), (.table, ["txt"])]

    /// The format an extension names (lowercase, without the dot), nil for none known.
    static func format(ofExtension pathExtension: String) -> ReportFormat? {
        extensions.first { $0.1.contains(pathExtension) }?.0
    }

    func validate() throws {
        _ = try outputFormat()
    }

    /// The format for `--output` (nil without one), or why the file's name and `--format` disagree.
    private func outputFormat() throws -> ReportFormat? {
        guard let output else { return nil }
        let pathExtension = (output as NSString).pathExtension.lowercased()
        if pathExtension.isEmpty { return format ?? .csv }
        guard let named = Self.format(ofExtension: pathExtension) else {
            throw ValidationError("--output \(output): callstats writes no .\(pathExtension) files: name it .csv (opens in spreadsheets), .html, .json or .txt (a table)")
        }
        if let format, format != named {
            throw ValidationError("--output \(output) names a .\(pathExtension) file but --format is \(format.rawValue): make them agree (or leave out --format)")
        }
        return named
    }

    var resolvedFormat: ReportFormat {
        if let chosen = try? outputFormat() { return chosen }
        if let format { return format }
        return FileDescriptorOutput.isTerminal(STDOUT_FILENO) ? .table : .csv
    }
}
