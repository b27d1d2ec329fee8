/// What a report column holds, which decides how a reader's rendering shows it.
public enum ColumnUnit: Sendable, Equatable {
    /// Text from the server or the database: shown as it is.
    case text
    /// An ISO 8601 time in the report's zone: the terminal shows its wall clock.
    case time
    /// A whole count: shown as it is.
    case count
    /// Seconds: the terminal shows h:mm:ss; HTML headers say "(s)" where the cell stays seconds.
    case seconds
    /// 0 to 100: the terminal shows one decimal; the header already ends with "%".
    case percent
    /// A time-weighted mean of a count: the terminal shows one decimal.
    case average
}

/// A column's header for people, and its unit.
public struct ColumnLabel: Sendable, Equatable {
    public let header: String
    public let unit: ColumnUnit
    /// Part of what names a row (its period, agent, queue or user): the terminal table
    /// repeats these columns in every group when it has to wrap.
    public let isKey: Bool

    public init(_ header: String, _ unit: ColumnUnit, key: Bool = false) {
        self.header = header
        self.unit = unit
        self.isKey = key
    }
}

/// The one mapping from a report's CSV column (a public contract, never changed here) to the
/// words a person reads above it, used by the terminal table and by the HTML tables so they
/// never drift apart. JSON and CSV keep the column names.
public enum ColumnLabels {
    static let labels: [String: ColumnLabel] = [
        "period_start": ColumnLabel("Period start", .time, key: true),
        "period_end": ColumnLabel("Period end", .time, key: true),
        "agent_id": ColumnLabel("Agent", .text, key: true),
        "agent_number": ColumnLabel("Number", .text, key: true),
        "agent_name": ColumnLabel("Name", .text, key: true),
        "logged_in_s": ColumnLabel("Logged in", .seconds),
        "available_s": ColumnLabel("Available", .seconds),
        "acd_call_s": ColumnLabel("ACD call", .seconds),
        "wrapup_s": ColumnLabel("Wrap-up", .seconds),
        "nonacd_call_s": ColumnLabel("Non-ACD call", .seconds),
        "paused_s": ColumnLabel("Paused", .seconds),
        "acd_calls": ColumnLabel("ACD calls", .count),
        "occupancy_pct": ColumnLabel("Occupancy %", .percent),
        "utilization_pct": ColumnLabel("Utilization %", .percent),
        "coverage_pct": ColumnLabel("Coverage %", .percent),
        "queue_id": ColumnLabel("Queue", .text, key: true),
        "queue_name": ColumnLabel("Name", .text, key: true),
        "ewt_avg_s": ColumnLabel("EWT avg", .seconds),
        "ewt_max_s": ColumnLabel("EWT max", .seconds),
        "waiting_calls_avg": ColumnLabel("Waiting avg", .average),
        "waiting_calls_max": ColumnLabel("Waiting max", .count),
        "longest_wait_max_s": ColumnLabel("Longest wait", .seconds),
        "logged_agents_avg": ColumnLabel("Agents logged in", .average),
        "available_agents_avg": ColumnLabel("Agents available", .average),
        "talking_agents_avg": ColumnLabel("Agents talking", .average),
        "target_kind": ColumnLabel("Kind", .text, key: true),
        "target_id": ColumnLabel("ID", .text, key: true),
        "target_name": ColumnLabel("Name", .text, key: true),
        "offered": ColumnLabel("Offered", .count),
        "answered": ColumnLabel("Answered", .count),
        "missed": ColumnLabel("Missed", .count),
        "missed_pct": ColumnLabel("Missed %", .percent),
        "missed_short": ColumnLabel("Missed short", .count),
        "avg_wait_answered_s": ColumnLabel("Avg wait answered", .seconds),
        "avg_wait_missed_s": ColumnLabel("Avg wait missed", .seconds),
        "max_wait_missed_s": ColumnLabel("Max wait missed", .seconds),
        "service_level_pct": ColumnLabel("Service level %", .percent),
        "called_back": ColumnLabel("Called back", .count),
        "time": ColumnLabel("Time", .time, key: true),
        "caller_number": ColumnLabel("Caller", .text),
        "caller_name": ColumnLabel("Caller name", .text),
        "wait_s": ColumnLabel("Wait", .seconds),
        "called_back_at": ColumnLabel("Called back at", .time),
        "reason": ColumnLabel("Reason", .text, key: true),
        "pauses": ColumnLabel("Pauses", .count),
        "received": ColumnLabel("Received", .count),
        "abandoned": ColumnLabel("Abandoned", .count),
        "closed": ColumnLabel("Closed", .count),
        "saturated": ColumnLabel("Saturated", .count),
        "blocking": ColumnLabel("Blocking", .count),
        "timeout": ColumnLabel("Timeout", .count),
        "answered_rate_pct": ColumnLabel("Answered rate %", .percent),
        "qos_pct": ColumnLabel("QoS %", .percent),
        "awt_s": ColumnLabel("AWT", .seconds),
        "conversation_s": ColumnLabel("Conversation", .seconds),
        "login_s": ColumnLabel("Login", .seconds),
        "pause_s": ColumnLabel("Pause", .seconds),
        // The views' times (their workbook sheets note the zone of every time column).
        "as_of": ColumnLabel("As of", .time),
        "state_since": ColumnLabel("Since", .time),
    ]

    /// The label of `column`; a column this table does not know (a new one, before it is
    /// added here) keeps its name, so nothing is ever shown without a header.
    public static func label(_ column: String) -> ColumnLabel {
        if let label = labels[column] { return label }
        let unit: ColumnUnit = column.hasSuffix("_s") ? .seconds : column.hasSuffix("_pct") ? .percent : .text
        return ColumnLabel(column, unit)
    }

    /// The header of an HTML table whose cell keeps the CSV's value: seconds say so.
    public static func htmlHeader(_ column: String) -> String {
        let label = label(column)
        return label.unit == .seconds ? label.header + " (s)" : label.header
    }
}

/// A report as the terminal table shows it: readable headers, durations as h:mm:ss,
/// percentages and means with one decimal, times as the report zone's wall clock, and the two
/// period columns as one ("08:00–09:00"). Built from the exact cells, so it shows the same
/// figures as CSV, rounded for reading.
public enum ReadableTable {
    public static func make(_ table: ReportTable) -> (table: ReportTable, keyColumns: Int) {
        let columns = table.columns
        let labels = columns.map(ColumnLabels.label)
        let periodStart = columns.firstIndex(of: "period_start")
        let periodEnd = columns.firstIndex(of: "period_end")
        let mergedPeriod = periodStart != nil && periodEnd == periodStart.map { $0 + 1 }
        // A time shows its date only when the table's times are not all on one day.
        let oneDay = Self.oneDay(table, labels: labels)

        var headers: [String] = []
        var sources: [Int] = []
        for (index, label) in labels.enumerated() {
            if mergedPeriod, index == periodEnd { continue }
            headers.append(mergedPeriod && index == periodStart ? "Period" : label.header)
            sources.append(index)
        }
        var display = ReportTable(columns: headers)
        display.rows.reserveCapacity(table.rows.count)
        for row in table.rows {
            display.rows.append(sources.map { index in
                guard index < row.count else { return .empty }
                if mergedPeriod, index == periodStart, let end = periodEnd, end < row.count {
                    return period(row[index], row[end], oneDay: oneDay)
                }
                return readable(row[index], unit: labels[index].unit, oneDay: oneDay)
            })
        }
        // Keys lead each report's columns; they stay at the left of every wrapped group.
        var keys = 0
        for index in sources {
            guard labels[index].isKey else { break }
            keys += 1
        }
        return (display, keys)
    }

    static func readable(_ cell: Cell, unit: ColumnUnit, oneDay: Bool) -> Cell {
        switch (cell, unit) {
        case (.number(let text), .seconds):
            guard let value = Double(text) else { return cell }
            return .number(clock(value))
        case (.number(let text), .percent), (.number(let text), .average):
            guard let value = Double(text) else { return cell }
            return .number(oneDecimal(value))
        case (.time(let text), _):
            return .time(wallClock(text, withDate: !oneDay))
        default:
            return cell
        }
    }

    /// `5:53:05`: rounded to the nearest second, hours not cut at a day.
    static func clock(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "" }
        let total = Int64(max(0, seconds).rounded(.toNearestOrAwayFromZero))
        return "\(total / 3600):" + ReportCalendar.Day.pad(Int(total / 60 % 60), 2) + ":" + ReportCalendar.Day.pad(Int(total % 60), 2)
    }

    /// `66.4`, `100.0`, `0.0`: always one decimal, so a column lines up on the point.
    static func oneDecimal(_ value: Double) -> String {
        guard value.isFinite else { return "" }
        let tenths = Int64((value * 10).rounded(.toNearestOrAwayFromZero))
        let sign = tenths < 0 ? "-" : ""
        return sign + "\(abs(tenths) / 10).\(abs(tenths) % 10)"
    }

    /// The parts of `2026-03-29T01:00:00.250+01:00` (always in the report's zone, see
    /// `ReportCalendar.iso8601`): its date and its clock, without the offset. Anything else is
    /// returned whole as the clock.
    static func parts(_ iso: String) -> (date: String, clock: String) {
        let scalars = Array(iso.unicodeScalars)
        guard scalars.count >= 19, scalars[10] == "T" else { return ("", iso) }
        var end = 19
        if scalars.count > 19, scalars[19] == "." {
            end = 20
            while end < scalars.count, ("0"..."9").contains(scalars[end]) { end += 1 }
        }
        var date = String.UnicodeScalarView(), clock = String.UnicodeScalarView()
        date.append(contentsOf: scalars[0..<10])
        clock.append(contentsOf: scalars[11..<end])
        return (String(date), String(clock))
    }

    /// To the second, cut as the views' "as of" line is: milliseconds are for CSV.
    static func wallClock(_ iso: String, withDate: Bool) -> String {
        let (date, exact) = parts(iso)
        let clock = date.isEmpty ? exact : String(exact.prefix(8))
        return withDate && !date.isEmpty ? date + " " + clock : clock
    }

    /// `08:00` when on the minute (periods start on quarter hours), else to the second.
    static func shortClock(_ clock: String) -> String {
        clock.count == 8 && clock.hasSuffix(":00") ? String(clock.prefix(5)) : clock
    }

    /// `08:00–09:00`; the end of the day is `24:00`; dates only when the table spans days.
    static func period(_ start: Cell, _ end: Cell, oneDay: Bool) -> Cell {
        guard case .time(let startText) = start, case .time(let endText) = end else { return start }
        let (startDate, startClock) = parts(startText)
        let (endDate, endClock) = parts(endText)
        let from = (oneDay ? "" : startDate + " ") + shortClock(startClock)
        let to: String
        if endDate == startDate {
            to = shortClock(endClock)
        } else if endClock == "00:00:00", isNextDay(endDate, after: startDate) {
            to = "24:00"
        } else {
            to = endDate + " " + shortClock(endClock)
        }
        return .time(from + "–" + to)
    }

    /// Whether the table's times all fall on one calendar day; a period ending at the next
    /// midnight belongs to that day.
    static func oneDay(_ table: ReportTable, labels: [ColumnLabel]) -> Bool {
        var day: String?
        var ends: [String] = []
        for row in table.rows {
            for (index, cell) in row.enumerated() where index < labels.count && labels[index].unit == .time {
                guard case .time(let text) = cell else { continue }
                if table.columns[index] == "period_end" {
                    ends.append(text)
                    continue
                }
                let date = parts(text).date
                if let day, day != date { return false }
                day = date
            }
        }
        guard let day else { return true }
        return ends.allSatisfy { text in
            let (date, clock) = parts(text)
            return date == day || (clock == "00:00:00" && isNextDay(date, after: day))
        }
    }

    /// `2026-03-30` after `2026-03-29`, across months and years too.
    static func isNextDay(_ later: String, after earlier: String) -> Bool {
        guard let first = dayNumber(earlier), let second = dayNumber(later) else { return false }
        return second == first + 1
    }

    /// Days since 1970-01-01 of a proleptic Gregorian `YYYY-MM-DD` (H. Hinnant's days_from_civil).
    static func dayNumber(_ date: String) -> Int? {
        let fields = date.split(separator: "-").compactMap { Int($0) }
        guard fields.count == 3, (1...12).contains(fields[1]), (1...31).contains(fields[2]) else { return nil }
        let year = fields[1] <= 2 ? fields[0] - 1 : fields[0]
        let era = (year >= 0 ? year : year - 399) / 400
        let yearOfEra = year - era * 400
        let month = fields[1] > 2 ? fields[1] - 3 : fields[1] + 9
        let dayOfYear = (153 * month + 2) / 5 + fields[2] - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}
