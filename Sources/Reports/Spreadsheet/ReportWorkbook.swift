/// A report's rows as a sheet: the CSV's columns as the header, each cell typed from what the
/// report made of it (`Cell`) and what its column holds (`ColumnLabels`).
public final class ReportSheet {
    let writer: XLSXWriter
    let units: [ColumnUnit]
    /// Each column's last time and its cell: the rows of one period share their period's
    /// times, and parsing them again for every row was a quarter of a month's workbook.
    private var lastTimes: [(iso: String, cell: SheetCell)?]

    /// Begins the sheet; every column of times gets a note naming the report's zone.
    public init(_ writer: XLSXWriter, name: String, columns: [String], calendar: ReportCalendar) throws {
        self.writer = writer
        units = columns.map { ColumnLabels.label($0).unit }
        lastTimes = Array(repeating: nil, count: columns.count)
        var notes: [Int: String] = [:]
        for (index, unit) in units.enumerated() where unit == .time {
            notes[index] = ReportSheet.timeNote(calendar)
        }
        try writer.beginSheet(name, columns: columns, notes: notes)
    }

    public func add(_ cells: [Cell]) throws {
        var row: [SheetCell] = []
        row.reserveCapacity(cells.count)
        for (index, cell) in cells.enumerated() {
            guard index < units.count else {
                row.append(Self.cell(cell, unit: .text))
                continue
            }
            if case .time(let iso) = cell {
                if let last = lastTimes[index], last.iso == iso {
                    row.append(last.cell)
                } else {
                    let typed = Self.cell(cell, unit: units[index])
                    lastTimes[index] = (iso, typed)
                    row.append(typed)
                }
            } else {
                row.append(Self.cell(cell, unit: units[index]))
            }
        }
        try writer.addRow(row)
    }

    public static func timeNote(_ calendar: ReportCalendar) -> String {
        "Times on the wall clock of \(calendar.timeZoneIdentifier), the report's time zone (the CSV and JSON times carry their UTC offset)."
    }

    /// Numbers stay the CSV's exact decimals; seconds become fractions of a day; times
    /// become date-times of their own wall clock; text stays text, whatever it looks like.
    public static func cell(_ cell: Cell, unit: ColumnUnit) -> SheetCell {
        switch cell {
        case .empty:
            return .empty
        case .text(let text):
            return .text(text)
        case .time(let iso):
            guard let serial = serial(iso) else { return .text(iso) }
            return .number(serial, .dateTime)
        case .number(let literal):
            guard !literal.isEmpty else { return .empty }
            switch unit {
            case .seconds:
                guard let seconds = Double(literal) else { return .text(literal) }
                return .number(seconds == 0 ? "0" : String(seconds / 86_400), .duration)
            case .percent:
                return .number(literal, .percent)
            case .text, .time, .count, .average:
                return .number(literal, .general)
            }
        }
    }

    /// `2026-03-29T01:00:00.250+01:00` as a spreadsheet date-time (days since 1899-12-30) of
    /// its own wall clock, 01:00:00.250 on 2026-03-29: the report's zone, whose offset the
    /// string carries. Nil for anything else.
    static func serial(_ iso: String) -> String? {
        let (date, clock) = ReadableTable.parts(iso)
        guard let day = ReadableTable.dayNumber(date) else { return nil }
        let fields = clock.split(separator: ":")
        guard fields.count == 3, let hours = Int(fields[0]), let minutes = Int(fields[1]), let seconds = Double(fields[2]) else { return nil }
        let daySeconds = Double(hours * 3600 + minutes * 60) + seconds
        // 25569: the serial of 1970-01-01, day 0 of `dayNumber`.
        return String(Double(day + 25_569) + daySeconds / 86_400)
    }
}

extension XLSXWriter {
    /// Writes the `calendar`'s zone notes and rows of one report into a sheet named `name`.
    public func reportSheet(_ name: String, columns: [String], calendar: ReportCalendar, rows: [[Cell]]) throws {
        let sheet = try ReportSheet(self, name: name, columns: columns, calendar: calendar)
        for row in rows { try sheet.add(row) }
    }
}

extension NowListing {
    /// The view's CSV columns and exact cells as one sheet named after the view.
    public func writeWorkbook(_ writer: XLSXWriter) throws {
        let sheet = try ReportSheet(writer, name: name, columns: csvColumns, calendar: calendar)
        let prefix = [Cell.time(calendar.iso8601(asOf.time)), Cell.text(asOf.source.rawValue)]
        for row in exact.rows { try sheet.add(prefix + row) }
    }
}

extension NightlyReport {
    public static let workbookName = "report.xlsx"

    /// The day's workbook: a first sheet of the day's key figures and coverage, then one sheet
    /// per CSV file with the same rows.
    public func writeWorkbook(_ writer: XLSXWriter) throws {
        let calendar = parameters.calendar
        var times = PeriodCellCache(calendar: calendar)
        try writeDaySheet(writer)
        try writer.reportSheet("occupancy", columns: OccupancyRow.columns, calendar: calendar,
                               rows: occupancyHourly.map { $0.cells(calendar, periodCells: times[$0.period]) })
        try writer.reportSheet("ewt", columns: EWTRow.columns, calendar: calendar,
                               rows: ewtHourly.map { $0.cells(calendar, periodCells: times[$0.period]) })
        try writer.reportSheet("missed", columns: MissedRow.columns, calendar: calendar,
                               rows: missedHourly.map { $0.cells(calendar, periodCells: times[$0.period]) })
        try writer.reportSheet("calls-missed", columns: MissedCallRow.columns, calendar: calendar,
                               rows: missedCalls.map { $0.cells(calendar) })
        try writer.reportSheet("pauses", columns: PauseRow.columns, calendar: calendar,
                               rows: pausesHourly.map { $0.cells(calendar, periodCells: times[$0.period]) })
        try writer.reportSheet("xivo-queues", columns: XiVOQueueRow.columns, calendar: calendar,
                               rows: xivoQueuesHourly.map { $0.cells(calendar, periodCells: times[$0.period]) })
        try writer.reportSheet("xivo-agents", columns: XiVOAgentRow.columns, calendar: calendar,
                               rows: xivoAgentsHourly.map { $0.cells(calendar, periodCells: times[$0.period]) })
    }

    /// `figure`, `value`, `from`, `to`: the headline of the page (index.html), the thresholds,
    /// and one row per gap in the collection.
    static let daySheetColumns = ["figure", "value", "from", "to"]

    func writeDaySheet(_ writer: XLSXWriter) throws {
        let calendar = parameters.calendar
        let headline = self.headline
        let range = parameters.range
        try writer.beginSheet("day", columns: Self.daySheetColumns, notes: [2: ReportSheet.timeNote(calendar), 3: ReportSheet.timeNote(calendar)])
        func time(_ value: Double) -> SheetCell { ReportSheet.cell(.time(calendar.iso8601(value)), unit: .time) }
        func figure(_ name: String, _ cell: Cell, _ unit: ColumnUnit) throws {
            try writer.addRow([.text(name), ReportSheet.cell(cell, unit: unit)])
        }
        try writer.addRow([.text("day"), .text(day.description), time(range.start), time(range.end)])
        try figure("time_zone", .text(calendar.timeZoneIdentifier), .text)
        try figure("offered", NumberFormat.cell(headline.offered), .count)
        try figure("answered", NumberFormat.cell(headline.answered), .count)
        try figure("missed", NumberFormat.cell(headline.missed), .count)
        try figure("missed_pct", NumberFormat.cell(headline.missedPercent), .percent)
        try figure("service_level_pct", NumberFormat.cell(headline.serviceLevelPercent), .percent)
        try figure("occupancy_pct", NumberFormat.cell(headline.occupancyPercent), .percent)
        try figure("direct_offered", NumberFormat.cell(headline.directOffered), .count)
        try figure("direct_missed", NumberFormat.cell(headline.directMissed), .count)
        try figure("coverage_pct", NumberFormat.cell(headline.coveragePercent), .percent)
        try figure("covered_s", NumberFormat.cell(coverage.covered(range)), .seconds)
        try figure("sl_threshold_s", NumberFormat.cell(parameters.serviceLevelThreshold), .seconds)
        try figure("short_abandon_s", NumberFormat.cell(parameters.shortAbandon), .seconds)
        try figure("callback_window_s", NumberFormat.cell(parameters.callbackWindow), .seconds)
        for gap in coverage.gaps {
            try writer.addRow([.text("gap_s"), ReportSheet.cell(NumberFormat.cell(gap.length), unit: .seconds), time(gap.start), time(gap.end)])
        }
    }
}
