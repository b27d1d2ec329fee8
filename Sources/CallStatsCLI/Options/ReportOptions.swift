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

    /// The time zone and the range are the options' values: a usage error (exit status 64),
    /// found before the database is opened or a file written.
    func validate() throws {
        _ = try range(calendar())
    }

    /// Every error here is about the options' values: a `ValidationError` (exit status 64).
    func calendar() throws -> ReportCalendar {
        try NowOptions.calendar(tz)
    }

    /// The range asked for; `defaultDay` applies when neither --date nor --from/--to is given.
    func range(_ calendar: ReportCalendar, defaultDay: String? = nil) throws -> (range: Period, day: ReportCalendar.Day?) {
        do {
            return try ParameterText.range(date: date, from: from, to: to, calendar: calendar, now: Date().timeIntervalSince1970, defaultDay: defaultDay)
        } catch {
            throw ValidationError(error.description)
        }
    }
}

// Each report kind's command takes only the option groups that change its report, so its
// `--help` lists those alone and an option that would be ignored is refused.

/// `--interval`: the length of each period (not for `calls-missed`, one row per call).
struct ReportIntervalOption: ParsableArguments {
    @Option(help: ArgumentHelp("Period length: 15m, 30m, 1h, 1d or total (the whole range as one period).", valueName: "interval"))
    var interval: String = "1h"

    func validate() throws {
        if ReportInterval(argument: interval) == nil {
            throw ValidationError("--interval \(interval): use 15m, 30m, 1h, 1d or total")
        }
    }

    var value: ReportInterval { ReportInterval(argument: interval) ?? .minutes(60) }
}

/// `--queue`: which queues.
struct ReportQueueFilter: ParsableArguments {
    @Option(name: .customLong("queue"), help: ArgumentHelp("Only this queue (its id or name); repeat for several.", valueName: "id|name"))
    var queues: [String] = []
}

/// `--agent`: which agents (for the missed-calls reports: the users who log in as them).
struct ReportAgentFilter: ParsableArguments {
    @Option(name: .customLong("agent"), help: ArgumentHelp("Only this agent (its id or number); repeat for several.", valueName: "id|number"))
    var agents: [String] = []
}

/// `--sl-threshold`, `--short-abandon`: the service level of `missed` and `nightly`.
struct ReportServiceLevelOptions: ParsableArguments {
    @Option(name: .customLong("sl-threshold"), help: ArgumentHelp("An answer within this wait counts for the service level (seconds, or with s, m, h).", valueName: "duration"))
    var serviceLevelThreshold: String = "20"

    @Option(name: .customLong("short-abandon"), help: ArgumentHelp("A miss that waited less than this is also counted in missed_short.", valueName: "duration"))
    var shortAbandon: String = "5"

    func validate() throws {
        _ = try ReportThresholdOptions.seconds(serviceLevelThreshold, option: "--sl-threshold")
        _ = try ReportThresholdOptions.seconds(shortAbandon, option: "--short-abandon")
    }

    func apply(to parameters: inout ReportParameters) throws {
        parameters.serviceLevelThreshold = try ReportThresholdOptions.seconds(serviceLevelThreshold, option: "--sl-threshold")
        parameters.shortAbandon = try ReportThresholdOptions.seconds(shortAbandon, option: "--short-abandon")
    }
}

/// `--callback-window`: when a missed call counts as called back.
struct ReportCallbackOption: ParsableArguments {
    @Option(name: .customLong("callback-window"), help: ArgumentHelp("A miss is called back when the same number is answered within this time after it.", valueName: "duration"))
    var callbackWindow: String = "24h"

    func validate() throws {
        _ = try ReportThresholdOptions.seconds(callbackWindow, option: "--callback-window")
    }

    func apply(to parameters: inout ReportParameters) throws {
        parameters.callbackWindow = try ReportThresholdOptions.seconds(callbackWindow, option: "--callback-window")
    }
}

/// `--qos-threshold`: XiVO's quality of service (`xivo-queues`).
struct ReportQoSOption: ParsableArguments {
    @Option(name: .customLong("qos-threshold"), help: ArgumentHelp("An answer within this wait counts for XiVO's QoS (seconds, or with s, m, h).", valueName: "duration"))
    var qosThreshold: String = "10"

    func validate() throws {
        _ = try ReportThresholdOptions.seconds(qosThreshold, option: "--qos-threshold")
    }

    func apply(to parameters: inout ReportParameters) throws {
        parameters.qosThreshold = try ReportThresholdOptions.seconds(qosThreshold, option: "--qos-threshold")
    }
}

/// `--sl-threshold`, `--short-abandon`, `--callback-window`, `--qos-threshold`.
struct ReportThresholdOptions: ParsableArguments {
    @OptionGroup var serviceLevel: ReportServiceLevelOptions
    @OptionGroup var callback: ReportCallbackOption
    @OptionGroup var qos: ReportQoSOption

    func apply(to parameters: inout ReportParameters) throws {
        try serviceLevel.apply(to: &parameters)
        try callback.apply(to: &parameters)
        try qos.apply(to: &parameters)
    }

    /// `20`, `20s`, `5m`, `1.5h`, `1d` to seconds.
    static func seconds(_ text: String, option: String) throws -> Double {
        guard let value = ParameterText.seconds(text) else {
            throw ValidationError("\(option) \(text): not a duration (use e.g. 20, 20s, 5m, 24h)")
        }
        return value
    }
}

extension ReportFormat: ExpressibleByArgument {}

/// `--format`, `--output`.
///
/// A file's extension and its contents agree: `--output missed.xlsx` would otherwise get CSV
/// under a name a spreadsheet opens as Excel and refuses. Without `--format` the extension
/// chooses the format; with it, an extension that says another format is refused.
struct ReportOutputOptions: ParsableArguments {
    @Option(help: ArgumentHelp("csv, html, table, json or xlsx (default: with --output, from its extension; else table on a terminal, csv otherwise). A table fits COLUMNS, else the terminal's width, else 80. xlsx needs --output or standard output that is not a terminal.", valueName: "format"))
    var format: ReportFormat?

    @Option(help: ArgumentHelp(
        "Write to this file (atomically) instead of standard output. Its extension is the format: .csv, .html (.htm), .json, .txt (table), .xlsx; another extension, or one that disagrees with --format, is refused; a name without one gets --format, else csv.",
        valueName: "path"))
    var output: String?

    /// The extensions of each format's files.
    static let extensions: [(ReportFormat, [String])] = [(.csv, ["csv"]), (.html, ["html", "htm"]), (.json, ["json"]), (.table, ["txt"]), (.xlsx, ["xlsx"])]

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
            throw ValidationError("--output \(output): callstats writes no .\(pathExtension) files: name it .csv, .xlsx (spreadsheets), .html, .json or .txt (a table)")
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
