import ArgumentParser
import Dispatch
import Foundation
import Reports

#if canImport(Glibc)
import Glibc
#endif

/// `callstats watch`: the queues and agents views, redrawn in place until Ctrl-C.
struct WatchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Redraw the queues and agents views in the terminal every few seconds, until Ctrl-C.",
        discussion: """
            Each refresh reads one snapshot of the database, read-only, like `callstats queues` \
            and `callstats agents`. Ctrl-C (or SIGTERM) restores the terminal and exits 0. \
            Standard output must be a terminal: for a file, use those commands with --format.
            """
    )

    @OptionGroup var database: DatabaseOptions

    @Option(help: ArgumentHelp("Time between refreshes: seconds, or with ms, s, m (at least 100 ms).", valueName: "duration"))
    var every: String = "2s"

    @Option(help: ArgumentHelp("Time zone of the times shown and of what \"today\" means (default: the machine's).", valueName: "zone"))
    var tz: String?

    @Option(name: .customLong("sl-threshold"), help: ArgumentHelp("An answer within this wait counts for the service level; a caller waiting longer turns the queue red.", valueName: "duration"))
    var serviceLevelThreshold: String = "20"

    func validate() throws {
        let interval = try ReportThresholdOptions.seconds(every, option: "--every")
        guard interval >= 0.1 else { throw ValidationError("--every \(every): at least 100 ms between refreshes") }
        _ = try ReportThresholdOptions.seconds(serviceLevelThreshold, option: "--sl-threshold")
        _ = try NowOptions.calendar(tz)
    }

    func run() throws {
        // The database first: a bad --db reads the same as in every other command.
        let reader = try NowReader(database: database)
        guard FileDescriptorOutput.isTerminal(STDOUT_FILENO) else {
            throw CLIError("watch redraws a terminal, and standard output is not one: use callstats agents or callstats queues with --format csv or json")
        }
        let interval = try ReportThresholdOptions.seconds(every, option: "--every")
        var thresholds = NowThresholds()
        thresholds.serviceLevelThreshold = try ReportThresholdOptions.seconds(serviceLevelThreshold, option: "--sl-threshold")
        let calendar = try NowOptions.calendar(tz)
        let color = TerminalColor.enabled()

        let wake = WatchSignals()
        let screen = TerminalScreen()
        screen.enter()
        defer { screen.leave() }
        var refresh = 0
        while !wake.stopRequested {
            refresh += 1
            let header = "callstats watch: refresh \(refresh), every \(Self.describe(interval)); Ctrl-C to quit"
            screen.draw([color ? TerminalStyle.bold.apply(header) : header] + frame(reader, calendar: calendar, thresholds: thresholds, color: color))
            wake.wait(seconds: interval)
        }
    }

    /// The views' lines, or what went wrong this time (the next refresh tries again).
    func frame(_ reader: NowReader, calendar: ReportCalendar, thresholds: NowThresholds, color: Bool) -> [String] {
        do {
            let text = try reader.read(calendar: calendar, thresholds: thresholds) { queries in
                let queues = NowListing.queues(try queries.queues(), queries: queries)
                let agents = NowListing.agents(try queries.agents(), queries: queries)
                // Fitted to the window as it is now: a resize redraws at once (SIGWINCH).
                let width = TerminalScreen.size().0
                return NowWords.asOfLine(queries.asOf, calendar: calendar) + "\n\nQueues\n" + queues.table(color: color, width: width)
                    + "\nAgents\n" + agents.table(color: color, width: width)
            }
            return text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        } catch {
            return ["", "\(error)", "", "(trying again at the next refresh)"]
        }
    }

    static func describe(_ seconds: Double) -> String {
        seconds < 1 ? "\(Int((seconds * 1000).rounded())) ms" : NumberFormat.decimal(seconds) + " s"
    }
}

/// SIGINT, SIGTERM and SIGHUP ask the loop to stop; SIGWINCH redraws at once. The signals
/// are taken from their default action so the terminal is always restored before exiting.
final class WatchSignals: @unchecked Sendable {
    private let lock = NSLock()
    private var stop = false
    private let semaphore = DispatchSemaphore(value: 0)
    private var sources: [DispatchSourceSignal] = []

    init() {
        let queue = DispatchQueue(label: "callstats.watch.signals")
        let handled = [(SIGINT, true), (SIGTERM, true), (SIGHUP, true), (SIGWINCH, false)]
        for (number, stops) in handled {
            #if canImport(Darwin)
            // Dispatch sees signals through kqueue there, below the default action: ignore them.
            signal(number, SIG_IGN)
            #endif
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { [self] in
                if stops { lock.withLock { stop = true } }
                semaphore.signal()
            }
            source.resume()
            sources.append(source)
        }
        // A process can be started with these signals blocked (its parent's mask is
        // inherited): Ctrl-C must still reach this one.
        var unblocked = sigset_t()
        sigemptyset(&unblocked)
        for (number, _) in handled { sigaddset(&unblocked, number) }
        pthread_sigmask(SIG_UNBLOCK, &unblocked, nil)
    }

    var stopRequested: Bool { lock.withLock { stop } }

    /// Until the next refresh is due, a stop is asked for or the window changes size.
    func wait(seconds: Double) {
        _ = semaphore.wait(timeout: .now() + .nanoseconds(Int(seconds * 1e9)))
    }
}

/// The terminal's alternate screen, with the cursor hidden: left as it was found on exit.
final class TerminalScreen {
    private let output = FileDescriptorOutput(descriptor: STDOUT_FILENO)

    func enter() {
        emit("\u{1B}[?1049h\u{1B}[?25l\u{1B}[H\u{1B}[2J")
    }

    func leave() {
        emit("\u{1B}[?25h\u{1B}[?1049l")
    }

    /// Overwrites the screen from its top-left corner, each line cut to the window's width and
    /// the frame to its height, so nothing wraps or scrolls.
    func draw(_ lines: [String]) {
        let (width, height) = Self.size()
        var shown = lines
        while shown.last?.isEmpty == true { shown.removeLast() }
        if shown.count > height {
            let hidden = shown.count - (height - 1)
            shown = Array(shown.prefix(height - 1)) + ["… \(hidden) more lines: enlarge the window"]
        }
        var text = "\u{1B}[H"
        for (index, line) in shown.enumerated() {
            text += Self.fit(line, width: width) + "\u{1B}[K"
            if index < shown.count - 1 { text += "\r\n" }
        }
        emit(text + "\u{1B}[J")
    }

    private func emit(_ text: String) {
        try? output.write(text)
        try? output.flush()
    }

    /// Columns and rows of the window (80 x 24 when it cannot be asked).
    static func size() -> (Int, Int) {
        var size = winsize()
        guard ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0, size.ws_row > 1 else { return (80, 24) }
        return (Int(size.ws_col), Int(size.ws_row))
    }

    /// `line` cut to `width` visible characters; SGR sequences take no width, and a cut
    /// coloured line is reset.
    static func fit(_ line: String, width: Int) -> String {
        var visible = 0
        var result = ""
        var scalars = line.unicodeScalars.makeIterator()
        var inEscape = false
        var cut = false
        while let scalar = scalars.next() {
            if inEscape {
                result.unicodeScalars.append(scalar)
                if scalar == "m" { inEscape = false }
                continue
            }
            if scalar == "\u{1B}" {
                inEscape = true
                result.unicodeScalars.append(scalar)
                continue
            }
            if visible >= width {
                cut = true
                continue
            }
            result.unicodeScalars.append(scalar)
            visible += 1
        }
        return cut && line.contains("\u{1B}") ? result + TerminalStyle.reset : result
    }
}
