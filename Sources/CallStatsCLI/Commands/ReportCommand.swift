import ArgumentParser
import Foundation
import Reports
import Storage

/// `callstats report KIND`: the reports of metrics.md, from a read-only connection, so they
/// run while the collector writes.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Print a report: agent occupancy, queue EWT, missed calls, pause reasons, XiVO's own figures, or the nightly set of files.",
        discussion: """
            Every figure is defined in docs/METRICS.md. The database is opened read-only and \
            each report reads one consistent snapshot, so reports run while the collector writes.
            """,
        subcommands: [
            ReportOccupancyCommand.self,
            ReportEWTCommand.self,
            ReportMissedCommand.self,
            ReportCallsMissedCommand.self,
            ReportPausesCommand.self,
            ReportXiVOQueuesCommand.self,
            ReportXiVOAgentsCommand.self,
            ReportNightlyCommand.self,
        ]
    )
}

/// Runs one report with what its command's options say: the options a kind does not take
/// keep the defaults of `ReportParameters` (which its queries do not read).
struct ReportRun {
    var database: DatabaseOptions
    var range: ReportRangeOptions
    var output: ReportOutputOptions
    var interval: ReportInterval = .minutes(60)
    var queues: [String] = []
    var agents: [String] = []
    var serviceLevel: ReportServiceLevelOptions?
    var callback: ReportCallbackOption?
    var qos: ReportQoSOption?

    func run(_ kind: ReportKind) throws {
        try ReportFailures.explained {
            let calendar = try range.calendar()
            let (period, _) = try range.range(calendar)
            var parameters = ReportParameters(calendar: calendar, range: period, interval: interval, queues: queues, agents: agents)
            try serviceLevel?.apply(to: &parameters)
            try callback?.apply(to: &parameters)
            try qos?.apply(to: &parameters)
            let format = output.resolvedFormat
            // Learnt before anything is written: the width of the terminal (or COLUMNS, or 80).
            let width = TerminalColumns.current()
            if format == .xlsx {
                try runWorkbook(kind, parameters: parameters)
                return
            }
            let connection = try database.openReader()
            if let path = output.output {
                var file = try AtomicFileOutput(path: path)
                try Self.render(kind, format: format, database: connection, parameters: parameters, width: width, into: &file)
                try file.commit()
            } else {
                var standardOutput = FileDescriptorOutput(descriptor: STDOUT_FILENO)
                try Self.render(kind, format: format, database: connection, parameters: parameters, width: width, into: &standardOutput)
                try standardOutput.flush()
            }
        }
    }

    /// The workbook goes to `--output`, else to standard output unless that is a terminal
    /// (where its bytes would be noise).
    func runWorkbook(_ kind: ReportKind, parameters: ReportParameters) throws {
        let warnings: SheetWarnings
        if let path = output.output {
            let file = try AtomicFileOutput(path: path)
            let connection = try database.openReader()
            warnings = try ReportRendering.renderWorkbook(kind, database: connection, parameters: parameters, into: file)
            try file.commit()
        } else {
            try WorkbookOutput.refuseTerminal()
            let standardOutput = FileDescriptorOutput(descriptor: STDOUT_FILENO)
            let connection = try database.openReader()
            warnings = try ReportRendering.renderWorkbook(kind, database: connection, parameters: parameters, into: standardOutput)
            try standardOutput.flush()
        }
        WorkbookOutput.warn(warnings)
    }

    /// The reports' one rendering path, shared with `serve` (`ReportRendering`).
    static func render<Output: TextOutput>(_ kind: ReportKind, format: ReportFormat, database: Database, parameters: ReportParameters, width: Int, into output: inout Output) throws {
        try ReportRendering.render(kind, format: format, database: database, parameters: parameters, width: width, into: &output)
    }
}

/// What `--format xlsx` shares between the reports and the views.
enum WorkbookOutput {
    /// A workbook is binary: on a terminal it would only scramble the screen.
    static func refuseTerminal() throws {
        if FileDescriptorOutput.isTerminal(STDOUT_FILENO) {
            throw CLIError.badArgument("--format xlsx writes a binary workbook: give --output FILE.xlsx, or redirect standard output to a file")
        }
    }

    static func warn(_ warnings: SheetWarnings) {
        if let message = warnings.message { FileHandle.standardError.write(Data((message + "\n").utf8)) }
    }
}

/// Turns the reports' (and the supervisor's views') errors into one line for the person at
/// the terminal.
enum ReportFailures {
    static func explained<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as ReportError {
            // `--queue purple` where the database knows no such queue: the option's value.
            if error.isBadArgument { throw CLIError.badArgument(error.description) }
            throw CLIError(error.description)
        } catch let error as ReportTimeError {
            throw CLIError(error.description)
        } catch let error as AtomicFile.Failure {
            throw CLIError(error.description)
        } catch let error as StorageError {
            throw CLIError("the database could not be read: \(error.explanation)")
        } catch let error as ZipError {
            throw CLIError(error.description)
        }
    }
}

struct ReportOccupancyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "occupancy",
        abstract: "Time per agent state, ACD calls, occupancy and utilization, per period and agent."
    )
    @OptionGroup var database: DatabaseOptions
    @OptionGroup var range: ReportRangeOptions
    @OptionGroup var interval: ReportIntervalOption
    @OptionGroup var agents: ReportAgentFilter
    @OptionGroup var output: ReportOutputOptions

    func run() throws {
        try ReportRun(database: database, range: range, output: output, interval: interval.value, agents: agents.agents).run(.occupancy)
    }
}

struct ReportEWTCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ewt",
        abstract: "Estimated waiting time, waiting calls and agents per period and queue."
    )
    @OptionGroup var database: DatabaseOptions
    @OptionGroup var range: ReportRangeOptions
    @OptionGroup var interval: ReportIntervalOption
    @OptionGroup var queues: ReportQueueFilter
    @OptionGroup var output: ReportOutputOptions

    func run() throws {
        try ReportRun(database: database, range: range, output: output, interval: interval.value, queues: queues.queues).run(.ewt)
    }
}

struct ReportMissedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "missed",
        abstract: "Offered, answered and missed calls, waits, service level and call backs, per period and queue or user."
    )
    @OptionGroup var database: DatabaseOptions
    @OptionGroup var range: ReportRangeOptions
    @OptionGroup var interval: ReportIntervalOption
    @OptionGroup var queues: ReportQueueFilter
    @OptionGroup var agents: ReportAgentFilter
    @OptionGroup var serviceLevel: ReportServiceLevelOptions
    @OptionGroup var callback: ReportCallbackOption
    @OptionGroup var output: ReportOutputOptions

    func run() throws {
        try ReportRun(database: database, range: range, output: output, interval: interval.value, queues: queues.queues,
                      agents: agents.agents, serviceLevel: serviceLevel, callback: callback).run(.missed)
    }
}

struct ReportCallsMissedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calls-missed",
        abstract: "Every missed queue visit and missed call, one per row."
    )
    @OptionGroup var database: DatabaseOptions
    @OptionGroup var range: ReportRangeOptions
    @OptionGroup var queues: ReportQueueFilter
    @OptionGroup var agents: ReportAgentFilter
    @OptionGroup var callback: ReportCallbackOption
    @OptionGroup var output: ReportOutputOptions

    func run() throws {
        try ReportRun(database: database, range: range, output: output, queues: queues.queues, agents: agents.agents, callback: callback).run(.callsMissed)
    }
}

struct ReportPausesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pauses",
        abstract: "Pauses and paused time per period, agent and pause reason (reasons come from an imported queue_log)."
    )
    @OptionGroup var database: DatabaseOptions
    @OptionGroup var range: ReportRangeOptions
    @OptionGroup var interval: ReportIntervalOption
    @OptionGroup var agents: ReportAgentFilter
    @OptionGroup var output: ReportOutputOptions

    func run() throws {
        try ReportRun(database: database, range: range, output: output, interval: interval.value, agents: agents.agents).run(.pauses)
    }
}

struct ReportXiVOQueuesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "xivo-queues",
        abstract: "XiVO's queue statistics (received, answered, abandoned, closed, saturated, blocking, answered rate, QoS, AWT) from an imported queue_log."
    )
    @OptionGroup var database: DatabaseOptions
    @OptionGroup var range: ReportRangeOptions
    @OptionGroup var interval: ReportIntervalOption
    @OptionGroup var queues: ReportQueueFilter
    @OptionGroup var qos: ReportQoSOption
    @OptionGroup var output: ReportOutputOptions

    func run() throws {
        try ReportRun(database: database, range: range, output: output, interval: interval.value, queues: queues.queues, qos: qos).run(.xivoQueues)
    }
}

struct ReportXiVOAgentsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "xivo-agents",
        abstract: "XiVO's agent statistics (answered, conversation, login, pause and wrap-up time) from an imported queue_log."
    )
    @OptionGroup var database: DatabaseOptions
    @OptionGroup var range: ReportRangeOptions
    @OptionGroup var interval: ReportIntervalOption
    @OptionGroup var agents: ReportAgentFilter
    @OptionGroup var output: ReportOutputOptions

    func run() throws {
        try ReportRun(database: database, range: range, output: output, interval: interval.value, agents: agents.agents).run(.xivoAgents)
    }
}

struct ReportNightlyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nightly",
        abstract: "Write one day's reports: DIR/YYYY-MM-DD/ with index.html, a CSV file per report kind and report.xlsx.",
        discussion: """
            Each file is written to a temporary name and renamed, so a reader never sees half a \
            file. The output depends only on the database: running it twice gives the same bytes.
            """
    )

    @OptionGroup var database: DatabaseOptions

    @Option(help: ArgumentHelp("The day: YYYY-MM-DD, today or yesterday.", valueName: "day"))
    var date: String = "yesterday"

    @Option(help: ArgumentHelp("The folder to write the day's folder into.", valueName: "dir"))
    var out: String

    @Option(help: ArgumentHelp("Time zone of the day (default: the machine's).", valueName: "zone"))
    var tz: String?

    @OptionGroup var thresholds: ReportThresholdOptions

    func validate() throws {
        _ = try day()
    }

    /// The day asked for, in its zone; errors are the options' (`ValidationError`). Not
    /// through `ReportRangeOptions.parse`, whose errors ArgumentParser wraps as another
    /// command's, which would exit 1.
    private func day() throws -> (calendar: ReportCalendar, range: Period, day: ReportCalendar.Day) {
        let calendar = try NowOptions.calendar(tz)
        do {
            let day = try calendar.parseDay(date, now: Date().timeIntervalSince1970)
            return (calendar, try calendar.range(of: day), day)
        } catch {
            throw ValidationError(error.description)
        }
    }

    func run() throws {
        try ReportFailures.explained {
            let (calendar, range, day) = try day()
            var parameters = ReportParameters(calendar: calendar, range: range, interval: NightlyReport.csvInterval)
            try thresholds.apply(to: &parameters)
            let connection = try database.openReader()
            let report = try NightlyReport.build(database: connection, day: day, parameters: parameters)
            let (folder, warnings) = try report.writeFiles(into: out)
            WorkbookOutput.warn(warnings)
            print(folder)
        }
    }
}
