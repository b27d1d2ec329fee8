import Storage

/// `callstats report nightly`: every report of one day, as CSV files and one HTML page.
///
/// Each report is queried once, per hour: the CSV files hold those rows (byte for byte what
/// `callstats report KIND --interval 1h` prints), and the page's day totals are composed from
/// them (durations added, means combined from their sums, maxima of maxima). The page shows
/// the totals, charts (occupancy per agent, EWT and waiting calls per queue per hour, missed
/// calls per hour), the missed calls one by one and the coverage gaps. Nothing in it depends
/// on when it was made: the same database gives the same bytes.
public struct NightlyReport: Sendable {
    public let day: ReportCalendar.Day
    public let parameters: ReportParameters
    public let coverage: Coverage
    public let hours: [Period]
    public let occupancyHourly: [OccupancyRow]
    public let ewtHourly: [EWTRow]
    public let missedHourly: [MissedRow]
    public let missedCalls: [MissedCallRow]
    public let pausesHourly: [PauseRow]
    public let xivoQueuesHourly: [XiVOQueueRow]
    public let xivoAgentsHourly: [XiVOAgentRow]

    public static let csvInterval = ReportInterval.minutes(60)

    /// Reads everything for `day` in one snapshot of the database.
    public static func build(database: Database, day: ReportCalendar.Day, parameters base: ReportParameters) throws -> NightlyReport {
        var parameters = base
        parameters.range = try base.calendar.range(of: day)
        parameters.interval = csvInterval
        try ReportQueries.tune(database)
        return try database.read {
            let queries = try ReportQueries(database: database, parameters: parameters)
            var occupancy: [OccupancyRow] = []
            try queries.occupancy { occupancy.append($0) }
            var ewt: [EWTRow] = []
            try queries.ewt { ewt.append($0) }
            var missed: [MissedRow] = []
            try queries.missed { missed.append($0) }
            var missedCalls: [MissedCallRow] = []
            try queries.missedCalls { missedCalls.append($0) }
            var pauses: [PauseRow] = []
            try queries.pauses { pauses.append($0) }
            var xivoQueues: [XiVOQueueRow] = []
            try queries.xivoQueues { xivoQueues.append($0) }
            var xivoAgents: [XiVOAgentRow] = []
            try queries.xivoAgents { xivoAgents.append($0) }
            return NightlyReport(
                day: day, parameters: parameters, coverage: queries.coverage, hours: queries.periods,
                occupancyHourly: occupancy, ewtHourly: ewt, missedHourly: missed, missedCalls: missedCalls,
                pausesHourly: pauses, xivoQueuesHourly: xivoQueues, xivoAgentsHourly: xivoAgents
            )
        }
    }

    // MARK: Day totals, composed from the hours

    /// Combines the rows of each object (in first-seen order, which is id order within a
    /// period) into one row for the whole day.
    static func totals<Row>(_ rows: [Row], key: (Row) -> String, combine: (Row, Row) -> Row, finish: (Row) -> Row) -> [Row] {
        var order: [String] = []
        var byKey: [String: Row] = [:]
        for row in rows {
            let id = key(row)
            if let existing = byKey[id] {
                byKey[id] = combine(existing, row)
            } else {
                byKey[id] = row
                order.append(id)
            }
        }
        return order.compactMap { byKey[$0] }.map(finish)
    }

    var dayPeriod: Period { parameters.range }

    public var occupancyTotal: [OccupancyRow] {
        let coveragePercent = coverage.percent(dayPeriod)
        return Self.totals(occupancyHourly, key: \.agentID, combine: { $0.combined(with: $1) }) { row in
            var row = row
            row.period = dayPeriod
            row.coveragePercent = coveragePercent
            return row
        }.sorted { IDOrder.less($0.agentID, $1.agentID) }
    }

    public var ewtTotal: [EWTRow] {
        let coveragePercent = coverage.percent(dayPeriod)
        return Self.totals(ewtHourly, key: \.queueID, combine: { $0.combined(with: $1) }) { row in
            var row = row
            row.period = dayPeriod
            row.coveragePercent = coveragePercent
            return row
        }.sorted { IDOrder.less($0.queueID, $1.queueID) }
    }

    public var missedTotal: [MissedRow] {
        let coveragePercent = coverage.percent(dayPeriod)
        return Self.totals(missedHourly, key: { $0.targetKind.rawValue + "\u{0}" + $0.targetID }, combine: { $0.combined(with: $1) }) { row in
            var row = row
            row.period = dayPeriod
            row.coveragePercent = coveragePercent
            return row
        }.sorted { $0.targetKind != $1.targetKind ? $0.targetKind < $1.targetKind : IDOrder.less($0.targetID, $1.targetID) }
    }

    /// Each agent's pauses per reason over the day.
    public var pausesTotal: [PauseRow] {
        Self.totals(pausesHourly, key: { $0.agentID + "\u{0}" + $0.reason }, combine: { $0.combined(with: $1) }) { row in
            var row = row
            row.period = dayPeriod
            return row
        }.sorted { $0.agentID != $1.agentID ? IDOrder.less($0.agentID, $1.agentID) : $0.reason < $1.reason }
    }

    // MARK: Files

    public static let fileNames = [
        "index.html", "occupancy.csv", "ewt.csv", "missed.csv", "calls-missed.csv", "pauses.csv", "xivo-queues.csv", "xivo-agents.csv",
    ]

    /// File name to contents, in `fileNames` order.
    public func files() throws -> [(name: String, contents: String)] {
        let calendar = parameters.calendar
        var times = PeriodCellCache(calendar: calendar)
        return [
            ("index.html", try page()),
            ("occupancy.csv", CSV.render(ReportTable(columns: OccupancyRow.columns, rows: occupancyHourly.map { $0.cells(calendar, periodCells: times[$0.period]) }))),
            ("ewt.csv", CSV.render(ReportTable(columns: EWTRow.columns, rows: ewtHourly.map { $0.cells(calendar, periodCells: times[$0.period]) }))),
            ("missed.csv", CSV.render(ReportTable(columns: MissedRow.columns, rows: missedHourly.map { $0.cells(calendar, periodCells: times[$0.period]) }))),
            ("calls-missed.csv", CSV.render(ReportTable(columns: MissedCallRow.columns, rows: missedCalls.map { $0.cells(calendar) }))),
            ("pauses.csv", CSV.render(ReportTable(columns: PauseRow.columns, rows: pausesHourly.map { $0.cells(calendar, periodCells: times[$0.period]) }))),
            ("xivo-queues.csv", CSV.render(ReportTable(columns: XiVOQueueRow.columns, rows: xivoQueuesHourly.map { $0.cells(calendar, periodCells: times[$0.period]) }))),
            ("xivo-agents.csv", CSV.render(ReportTable(columns: XiVOAgentRow.columns, rows: xivoAgentsHourly.map { $0.cells(calendar, periodCells: times[$0.period]) }))),
        ]
    }

    // MARK: Headline

    public struct Headline: Sendable, Equatable {
        public var offered = 0
        public var answered = 0
        public var missed = 0
        public var missedShort = 0
        public var answeredInThreshold = 0
        public var directOffered = 0
        public var directMissed = 0
        public var busy: Int64 = 0
        public var available: Int64 = 0
        public var coveragePercent = 0.0

        public var missedPercent: Double? { NumberFormat.percent(Double(missed), of: Double(offered)) }
        public var serviceLevelPercent: Double? { NumberFormat.percent(Double(answeredInThreshold), of: Double(offered - missedShort)) }
        /// The pooled occupancy of all agents: 100 x sum of busy time / sum of (logged in - paused).
        public var occupancyPercent: Double? { NumberFormat.percent(Double(busy), of: Double(available)) }
    }

    /// The day's figures: queue visits (offered, answered, missed, service level), direct calls
    /// to users apart, and the pooled occupancy of all agents.
    public var headline: Headline {
        var headline = Headline()
        for row in missedHourly {
            switch row.targetKind {
            case .queue:
                headline.offered += row.offered
                headline.answered += row.answered
                headline.missed += row.missed
                headline.missedShort += row.missedShort
                headline.answeredInThreshold += row.answeredInThreshold
            case .user:
                headline.directOffered += row.offered
                headline.directMissed += row.missed
            }
        }
        for row in occupancyHourly {
            headline.busy += row.busy
            headline.available += row.loggedIn - row.paused
        }
        headline.coveragePercent = coverage.percent(parameters.range)
        return headline
    }

    // MARK: Page

    public func page() throws -> String {
        let calendar = parameters.calendar
        let template = try ReportAssets.template("nightly.html")
        let headline = self.headline
        let title = "Call center day report – \(day)"
        var subtitle = Words.rangeDescription(parameters)
        if let last = coverage.spans.last {
            subtitle += " · data up to \(calendar.wallClock(last.end))"
        }
        return try template.render([
            "title": .text(title),
            "style": try ReportAssets.stylesheet(),
            "heading": .text(title),
            "subtitle": .text(subtitle),
            "headline": headlineCards(headline),
            "coverage": Words.coverage(coverage, calendar: calendar),
            "occupancy_chart": occupancyChart(),
            "occupancy_table": dayTable(OccupancyRow.columns, occupancyTotal.map { $0.cells(calendar) }),
            "ewt_charts": ewtCharts(),
            "ewt_table": dayTable(EWTRow.columns, ewtTotal.map { $0.cells(calendar) }),
            "missed_chart": missedChart(),
            "missed_table": dayTable(MissedRow.columns, missedTotal.map { $0.cells(calendar) }),
            "calls_missed_table": callsMissedTable(),
            "pauses_table": pausesTotal.isEmpty
                ? HTML(trusted: "<p class=\"none\">No agent was paused during the covered time.</p>")
                : dayTable(PauseRow.columns, pausesTotal.map { $0.cells(calendar) }, keepLast: true),
            "sl_threshold": .text(NumberFormat.decimal(parameters.serviceLevelThreshold)),
            "short_abandon": .text(NumberFormat.decimal(parameters.shortAbandon)),
            "callback_window": .text(Words.duration(parameters.callbackWindow)),
            "time_zone": .text(calendar.timeZoneIdentifier),
        ])
    }

    func headlineCards(_ headline: Headline) -> HTML {
        func card(_ label: String, _ value: String, _ note: String, _ style: String = "") -> String {
            "<div class=\"card\(style.isEmpty ? "" : " " + style)\"><div class=\"card-label\">\(HTML.escape(label))</div>"
                + "<div class=\"card-value\">\(HTML.escape(value))</div><div class=\"card-note\">\(HTML.escape(note))</div></div>"
        }
        var markup = ""
        markup += card("Offered", String(headline.offered), "calls that joined a queue")
        markup += card("Answered", String(headline.answered), "by an agent of the queue")
        markup += card("Missed", Words.percent(headline.missedPercent), "\(headline.missed) abandoned in a queue", "alert")
        markup += card("Service level", Words.percent(headline.serviceLevelPercent), "answered within \(NumberFormat.decimal(parameters.serviceLevelThreshold)) s")
        markup += card("Occupancy", Words.percent(headline.occupancyPercent), "all agents, time not paused")
        markup += card("Coverage", Words.percent(headline.coveragePercent), headline.coveragePercent >= 100 ? "whole day collected" : "of the day collected", headline.coveragePercent >= 100 ? "" : "warn")
        markup += card("Direct calls", String(headline.directOffered), "\(headline.directMissed) missed (rang a user, nobody answered)")
        return HTML(trusted: markup)
    }

    /// A table of the day's totals, rounded for reading (the CSV files carry the exact figures):
    /// state durations as h:mm:ss, other seconds and averages to 1 decimal, percentages to 1.
    func dayTable(_ columns: [String], _ rows: [[Cell]], keepLast: Bool = false) -> HTML {
        // The day is the page's period, and its coverage is the page's: those columns would
        // repeat the same values on every row (`keepLast`: a table without coverage).
        let shown = Array(columns.dropFirst(2).dropLast(keepLast ? 0 : 1))
        let readable = rows.map { row in
            zip(shown, row.dropFirst(2)).map { column, cell in Self.readable(cell, column: column) }
        }
        // The words of the terminal table (ColumnLabels); a duration shown as h:mm:ss needs no "(s)".
        let headers = shown.map { Self.clockColumns.contains($0) ? ColumnLabels.label($0).header : ColumnLabels.htmlHeader($0) }
        return HTML.table(ReportTable(columns: shown, rows: readable), headers: headers)
    }

    static let clockColumns: Set<String> = [
        "logged_in_s", "available_s", "acd_call_s", "wrapup_s", "nonacd_call_s", "paused_s", "conversation_s", "login_s", "pause_s",
    ]

    static func readable(_ cell: Cell, column: String) -> Cell {
        guard case .number(let text) = cell, let value = Double(text) else { return cell }
        if clockColumns.contains(column) {
            let seconds = Int(value.rounded())
            let minutes = seconds / 60 % 60
            let rest = seconds % 60
            return .number("\(seconds / 3600):" + (minutes < 10 ? "0" : "") + "\(minutes):" + (rest < 10 ? "0" : "") + "\(rest)")
        }
        if column.hasSuffix("_s") || column.hasSuffix("_pct") || column.hasSuffix("_avg") {
            return .number(NumberFormat.decimal((value * 10).rounded() / 10))
        }
        return cell
    }

    func callsMissedTable() -> HTML {
        let calendar = parameters.calendar
        let rows: [[Cell]] = missedCalls.map { row in
            var cells = row.cells(calendar)
            cells[0] = .time(calendar.wallClock(row.time, withDate: false))
            if let back = row.calledBackAt {
                cells[7] = .time(calendar.day(containing: back) == day ? calendar.wallClock(back, withDate: false) : calendar.wallClock(back))
            }
            return cells
        }
        return HTML.table(ReportTable(columns: MissedCallRow.columns, rows: rows), headers: MissedCallRow.columns.map(ColumnLabels.htmlHeader))
    }

    func occupancyChart() -> HTML {
        let bars = occupancyTotal
            .sorted { ($0.occupancyPercent ?? -1, $1.agentID) > ($1.occupancyPercent ?? -1, $0.agentID) }
            .map { row in
                Charts.Bar(
                    label: row.agentName ?? row.agentNumber ?? row.agentID,
                    value: row.occupancyPercent,
                    note: row.occupancyPercent.map { Words.percent($0) + " of " + Words.duration(Double(row.loggedIn - row.paused) / 1000) } ?? "paused whenever logged in"
                )
            }
        return Charts.percentBars(bars, title: "Occupancy per agent over the day", emptyNote: "No agent was logged in during the covered time.")
    }

    func ewtCharts() -> HTML {
        let calendar = parameters.calendar
        var byQueue: [String: [Period: EWTRow]] = [:]
        for row in ewtHourly { byQueue[row.queueID, default: [:]][row.period] = row }
        guard !byQueue.isEmpty else {
            return HTML(trusted: "<p class=\"none\">No queue statistics were received during the covered time.</p>")
        }
        var ticks: [(Double, String)] = []
        for hour in hours where calendar.hourMinute(hour.start).hasPrefix("00") || ["03", "06", "09", "12", "15", "18", "21"].contains(String(calendar.hourMinute(hour.start).prefix(2))) {
            if calendar.hourMinute(hour.start).hasSuffix(":00") { ticks.append((hour.start, String(calendar.hourMinute(hour.start).prefix(2)) + "h")) }
        }
        var markup = "<div class=\"legend\"><span class=\"key ewt\"></span>EWT, seconds (left axis) <span class=\"key waiting\"></span>waiting calls (right axis) · hourly averages</div><div class=\"small-multiples\">"
        for id in byQueue.keys.sorted(by: IDOrder.less) {
            let rows = byQueue[id] ?? [:]
            let name = rows.values.first?.queueName ?? id
            let ewt = Charts.Series(name: "EWT", cssClass: "ewt", points: hours.map { ($0, rows[$0]?.ewtAverage) })
            let waiting = Charts.Series(name: "Waiting calls", cssClass: "waiting", points: hours.map { ($0, rows[$0]?.waitingCallsAverage) })
            let peak = rows.values.compactMap(\.ewtMax).max()
            markup += "<figure class=\"queue-chart\"><figcaption><strong>" + HTML.escape(name) + "</strong> <span class=\"muted\">queue " + HTML.escape(id)
                + (peak.map { " · EWT peak " + NumberFormat.decimal($0) + " s" } ?? "") + "</span></figcaption>"
            markup += Charts.timeSeries(title: "EWT and waiting calls of queue \(name) over the day", range: parameters.range, line: ewt, area: waiting, ticks: ticks).markup
            markup += "</figure>"
        }
        return HTML(trusted: markup + "</div>")
    }

    func missedChart() -> HTML {
        let calendar = parameters.calendar
        var bars: [Charts.HourBar] = hours.map { Charts.HourBar(label: String(calendar.hourMinute($0.start).prefix(2)), offered: 0, missedQueue: 0, missedUser: 0) }
        let index = Dictionary(uniqueKeysWithValues: hours.enumerated().map { ($1, $0) })
        for row in missedHourly {
            guard let position = index[row.period] else { continue }
            bars[position].offered += row.offered
            switch row.targetKind {
            case .queue: bars[position].missedQueue += row.missed
            case .user: bars[position].missedUser += row.missed
            }
        }
        let legend = "<div class=\"legend\"><span class=\"key offered\"></span>offered (queue visits and direct calls) <span class=\"key missed-queue\"></span>missed in a queue <span class=\"key missed-user\"></span>missed direct calls</div>"
        return HTML(trusted: legend) + Charts.hourBars(bars, title: "Offered and missed calls per hour")
    }
}
