/// How a supervisor's view is printed.
public enum ListingFormat: Sendable, Equatable {
    /// Aligned columns for a person, with colours only when `color` is true, wrapped into
    /// groups of columns to fit `width` terminal columns (`TextTable`).
    case table(color: Bool, width: Int = .max)
    /// The exact figures, one row per object, `as_of` and `as_of_source` first.
    case csv
    /// `{"as_of":…, "as_of_source":…, …, "<view>": [one object per row]}`.
    case json
}

/// One of the supervisor's views (`agents`, `queues`, `calls`), ready to print: the exact
/// cells for CSV and JSON, and friendlier ones (wall-clock times, h:mm:ss) for the table.
public struct NowListing: Sendable {
    /// The JSON key of the rows, and the view's name.
    public let name: String
    public let asOf: AsOf
    public let calendar: ReportCalendar
    public let today: TodaySoFar
    public let exact: ReportTable
    public let display: ReportTable
    public let rowStyles: [TerminalStyle?]
    /// The display columns that name a row, repeated in each group when the table wraps.
    public var keyColumns = 0
    /// Extra members of the JSON object, already encoded (`"since": "…"`), in order.
    public var jsonExtras: [(String, String)] = []
    /// Lines printed under the table.
    public var notes: [String] = []

    /// The CSV header: a public contract (README "CSV columns").
    public var csvColumns: [String] { ["as_of", "as_of_source"] + exact.columns }

    public func render(_ format: ListingFormat) -> String {
        switch format {
        case .csv:
            let prefix = [Cell.time(calendar.iso8601(asOf.time)), Cell.text(asOf.source.rawValue)]
            var text = CSV.header(csvColumns)
            for row in exact.rows { text += CSV.line(prefix + row) }
            return text
        case .json:
            var members: [(String, String)] = [
                ("as_of", JSONText.quote(calendar.iso8601(asOf.time))),
                ("as_of_source", JSONText.quote(asOf.source.rawValue)),
                ("live", asOf.isLive ? "true" : "false"),
                ("time_zone", JSONText.quote(calendar.timeZoneIdentifier)),
                ("today_start", JSONText.quote(calendar.iso8601(today.period.start))),
            ]
            members += jsonExtras
            let rows = exact.rows.map { JSONText.object(columns: exact.columns, cells: $0) }
            let list = rows.isEmpty ? "[]" : "[\n" + rows.joined(separator: ",\n") + "\n]"
            members.append((name, list))
            return "{" + members.map { JSONText.quote($0.0) + ":" + $0.1 }.joined(separator: ",\n") + "}\n"
        case .table(let color, let width):
            return NowWords.asOfLine(asOf, calendar: calendar) + "\n" + table(color: color, width: width)
        }
    }

    /// The aligned table and its notes, without the "as of" line.
    public func table(color: Bool, width: Int = .max) -> String {
        var text = TerminalTable.render(display, rowStyles: rowStyles, color: color, width: width, keyColumns: keyColumns)
        for note in notes { text += note + "\n" }
        return text
    }
}

/// Wording of the views for a person.
public enum NowWords {
    /// `as of 2026-11-02T16:00:00+00:00 (latest recorded event; no live collection)`, to the second.
    public static func asOfLine(_ asOf: AsOf, calendar: ReportCalendar) -> String {
        let shown = calendar.iso8601(asOf.time.rounded(.down))
        return "as of " + shown + " (" + TextSanitizer.clean(asOf.explanation, flattenLines: true) + ")"
    }

    /// `0:04:08`, `12:30:00`: hours are not cut at a day.
    static func clock(_ seconds: Double) -> String {
        let total = Int(max(0, seconds).rounded(.down))
        return "\(total / 3600):" + ReportCalendar.Day.pad(total / 60 % 60, 2) + ":" + ReportCalendar.Day.pad(total % 60, 2)
    }

    /// A wall-clock time, with its date when it is not on `day`.
    static func time(_ time: Double, calendar: ReportCalendar, day: ReportCalendar.Day) -> String {
        calendar.wallClock(time, withDate: calendar.day(containing: time) != day)
    }

    /// `67.0 %`: always one decimal, so a column of them lines up on the point.
    static func percent(_ value: Double?) -> Cell {
        guard let value, value.isFinite else { return .empty }
        let tenths = Int64((value * 10).rounded(.toNearestOrAwayFromZero))
        return .number("\(tenths / 10).\(abs(tenths % 10)) %")
    }

    static func number(_ value: Double?) -> Cell {
        guard let value else { return .empty }
        return .number(NumberFormat.decimal(value))
    }
}

// In the display tables, `.number` marks a right-aligned cell (durations, percentages): they
// are never written as JSON.
extension NowListing {
    public static func agents(_ rows: [AgentNow], queries: NowQueries) -> NowListing {
        let calendar = queries.calendar
        let day = queries.today.day
        let now = queries.asOf.time
        var exact = ReportTable(columns: AgentNow.columns)
        var display = ReportTable(columns: [
            "id", "number", "name", "state", "since", "for", "queues", "phone", "logged in today", "ACD calls", "occupancy",
        ])
        var styles: [TerminalStyle?] = []
        for row in rows {
            exact.rows.append(row.cells(calendar))
            display.rows.append([
                .text(row.agentID), row.agentNumber.map(Cell.text) ?? .empty, row.agentName.map(Cell.text) ?? .empty,
                .text(row.state ?? "unknown"),
                row.stateSince.map { .text(NowWords.time($0, calendar: calendar, day: day)) } ?? .empty,
                row.stateSince.map { .number(NowWords.clock(now - $0)) } ?? .empty,
                row.queueNames.isEmpty ? .empty : .text(row.queueNames.joined(separator: ", ")),
                row.phoneNumber.map(Cell.text) ?? .empty,
                // Rounded to the nearest second as `report occupancy` shows the same figure.
                .number(ReadableTable.clock(Double(row.loggedInToday) / 1000)), .number(String(row.acdCallsToday)),
                NowWords.percent(row.occupancyToday),
            ])
            styles.append(style(ofState: row.state))
        }
        var listing = NowListing(name: "agents", asOf: queries.asOf, calendar: calendar, today: queries.today,
                                 exact: exact, display: display, rowStyles: styles)
        listing.keyColumns = 3    // id, number, name
        return listing
    }

    static func style(ofState state: String?) -> TerminalStyle? {
        switch state {
        case "available": return .green
        case "acd_call": return .yellow
        case "nonacd_call": return .blue
        case "wrapup": return .cyan
        case "paused": return .magenta
        case "logged_out": return .dim
        default: return nil
        }
    }

    /// A queue is yellow while callers wait, red once one has waited past the service-level threshold.
    public static func queues(_ rows: [QueueNow], queries: NowQueries) -> NowListing {
        var exact = ReportTable(columns: QueueNow.columns)
        var display = ReportTable(columns: [
            "id", "queue", "waiting", "longest wait", "EWT", "logged", "available", "talking",
            "offered", "answered", "missed", "missed %", "SL %",
        ])
        var styles: [TerminalStyle?] = []
        let threshold = queries.todayParameters.serviceLevelThreshold
        for row in rows {
            exact.rows.append(row.cells())
            display.rows.append([
                .text(row.queueID), row.queueName.map(Cell.text) ?? .empty,
                .number(String(row.waitingCalls)), .number(NowWords.clock(row.longestWait)),
                row.ewt.map { .number(NowWords.clock($0)) } ?? .empty,
                NowWords.number(row.loggedAgents), NowWords.number(row.availableAgents), NowWords.number(row.talkingAgents),
                .number(String(row.offeredToday)), .number(String(row.answeredToday)), .number(String(row.missedToday)),
                NowWords.percent(row.missedTodayPercent), NowWords.percent(row.serviceLevelTodayPercent),
            ])
            styles.append(row.waitingCalls == 0 ? nil : row.longestWait > threshold ? .red : .yellow)
        }
        var listing = NowListing(name: "queues", asOf: queries.asOf, calendar: queries.calendar, today: queries.today,
                                 exact: exact, display: display, rowStyles: styles)
        listing.keyColumns = 2    // id, queue
        return listing
    }

    public static func calls(_ rows: [RecentCall], queries: NowQueries, filter: RecentCallsFilter) -> NowListing {
        let calendar = queries.calendar
        let day = queries.today.day
        var exact = ReportTable(columns: RecentCall.columns)
        var display = ReportTable(columns: [
            "time", "type", "caller", "caller name", "to", "answered by", "wait", "talk", "outcome", "called back",
        ])
        var styles: [TerminalStyle?] = []
        for row in rows {
            exact.rows.append(row.cells(calendar))
            let target = row.kind == .queue
                ? (row.targetName ?? row.targetID).map { "queue " + $0 }
                : row.targetName ?? row.calleeNumber
            let calledBack: Cell = row.outcome == .missed
                ? .text(row.calledBackAt.map { NowWords.time($0, calendar: calendar, day: day) } ?? "no")
                : .empty
            display.rows.append([
                .text(NowWords.time(row.time, calendar: calendar, day: day)),
                .text(row.kind == .queue ? "queue" : row.direction ?? "call"),
                row.callerNumber.map(Cell.text) ?? .empty, row.callerName.map(Cell.text) ?? .empty,
                target.map(Cell.text) ?? .empty, row.agentName.map(Cell.text) ?? .empty,
                row.wait.map { .number(NowWords.clock($0)) } ?? .empty,
                row.talk.map { .number(NowWords.clock($0)) } ?? .empty,
                .text(row.outcome.rawValue), calledBack,
            ])
            switch row.outcome {
            case .missed: styles.append(row.calledBackAt == nil ? .red : .magenta)
            case .waiting, .pending: styles.append(.yellow)
            case .unknown, .unanswered: styles.append(.dim)
            case .answered: styles.append(nil)
            }
        }
        var listing = NowListing(name: "calls", asOf: queries.asOf, calendar: calendar, today: queries.today,
                                 exact: exact, display: display, rowStyles: styles)
        listing.keyColumns = 3    // time, type, caller
        listing.jsonExtras = [
            ("since", JSONText.quote(calendar.iso8601(filter.since))),
            ("limit", filter.limit.map(String.init) ?? "null"),
        ]
        let from = NowWords.time(filter.since, calendar: calendar, day: day)
        if let limit = filter.limit, rows.count >= limit {
            listing.notes.append("the \(limit) most recent since \(from) (--limit 0 for all)")
        } else {
            listing.notes.append("\(rows.count) since \(from)")
        }
        return listing
    }
}
