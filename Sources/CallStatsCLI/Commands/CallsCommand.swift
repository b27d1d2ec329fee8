import ArgumentParser
import Foundation
import Reports

/// `callstats calls`: the latest calls and queue visits, newest first.
struct CallsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calls",
        abstract: "List recent calls and queue visits, newest first: caller, target, wait, talk, outcome, called back.",
        discussion: """
            One row per queue visit (kind queue) and per call (kind call), as docs/METRICS.md \
            defines them, from --since (default: the start of today in --tz) to now. With only \
            --queue, calls are left out; with only --user, visits are left out. The database is \
            opened read-only.
            """
    )

    @OptionGroup var options: NowOptions

    @Flag(help: "Only missed ones: abandoned visits, and inbound or internal calls that rang a user's phone and were never answered.")
    var missed = false

    @Option(help: ArgumentHelp("From this time: HH:MM[:SS] (today, in --tz), YYYY-MM-DD, or YYYY-MM-DDTHH:MM[:SS] with an optional offset.", valueName: "time"))
    var since: String?

    @Option(name: .customLong("queue"), help: ArgumentHelp("Only visits of this queue (its id or name); repeat for several.", valueName: "id|name"))
    var queues: [String] = []

    @Option(name: .customLong("user"), help: ArgumentHelp("Only calls that rang this user's phone (the user's id); repeat for several.", valueName: "id"))
    var users: [String] = []

    @Option(help: ArgumentHelp("At most this many rows, the newest (0: all).", valueName: "n"))
    var limit = 50

    @Option(name: .customLong("callback-window"), help: ArgumentHelp("A miss is called back when the same number is answered within this time after it.", valueName: "duration"))
    var callbackWindow: String = "24h"

    func validate() throws {
        guard limit >= 0 else { throw ValidationError("--limit must be 0 (all) or a positive number of rows") }
        _ = try ReportThresholdOptions.seconds(callbackWindow, option: "--callback-window")
        if let since {
            // The syntax is checked here, against any zone; the instant once "today" is known.
            _ = try Self.instant(since, calendar: ReportCalendar(timeZone: TimeZone(identifier: "UTC") ?? .current), today: ReportCalendar.Day(year: 2026, month: 1, day: 1))
        }
    }

    func run() throws {
        var thresholds = NowThresholds()
        thresholds.callbackWindow = try ReportThresholdOptions.seconds(callbackWindow, option: "--callback-window")
        try options.print(thresholds: thresholds) { queries in
            let start = try since.map { try Self.instant($0, calendar: queries.calendar, today: queries.today.day) } ?? queries.today.period.start
            let filter = RecentCallsFilter(since: start, queues: queues, users: users, missedOnly: missed, limit: limit == 0 ? nil : limit)
            return NowListing.calls(try queries.recentCalls(filter), queries: queries, filter: filter)
        }
    }

    /// `08:00`, `8:00` or `08:00:30` is that time today; anything else is a date or an instant.
    static func instant(_ text: String, calendar: ReportCalendar, today: ReportCalendar.Day) throws -> Double {
        guard let instant = ParameterText.since(text, calendar: calendar, today: today) else {
            throw ValidationError("--since \(text): not a time: use HH:MM (today), YYYY-MM-DD, or YYYY-MM-DDTHH:MM[:SS] with an optional offset (Z, +02:00)")
        }
        return instant
    }
}
