import Foundation

/// One half-open span of time `[start, end)`, in seconds since the Unix epoch on the server's clock.
public struct Period: Sendable, Hashable, Comparable {
    public let start: Double
    public let end: Double

    public init(start: Double, end: Double) {
        self.start = start
        self.end = end
    }

    public var length: Double { end - start }

    public static func < (lhs: Period, rhs: Period) -> Bool {
        (lhs.start, lhs.end) < (rhs.start, rhs.end)
    }
}

/// How a report's range is cut into periods (`--interval`).
public enum ReportInterval: Sendable, Hashable, CustomStringConvertible {
    /// 15, 30 or 60 minutes, aligned to the wall clock of the report's time zone.
    case minutes(Int)
    /// A calendar day of the report's time zone (23 or 25 hours on DST days).
    case day
    /// The whole range as one period.
    case total

    /// Parses `15m`, `30m`, `1h`, `1d` or `total`.
    public init?(argument: String) {
        switch argument.lowercased() {
        case "15m": self = .minutes(15)
        case "30m": self = .minutes(30)
        case "1h", "60m": self = .minutes(60)
        case "1d", "24h": self = .day
        case "total": self = .total
        default: return nil
        }
    }

    public var description: String {
        switch self {
        case .minutes(60): return "1h"
        case .minutes(let minutes): return "\(minutes)m"
        case .day: return "1d"
        case .total: return "total"
        }
    }
}

public struct ReportTimeError: Error, Sendable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// Every use of the calendar and the time zone in the reports: days, period boundaries,
/// parsing the user's dates and printing times. Nothing else in the target touches
/// `TimeZone` or `Calendar`.
public struct ReportCalendar: Sendable {
    public let timeZone: TimeZone
    private let calendar: Calendar

    /// The most periods one report may have (a year of quarter hours is 35,136).
    public static let maximumPeriods = 400_000

    public init(timeZone: TimeZone) {
        self.timeZone = timeZone
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        self.calendar = calendar
    }

    /// `Europe/Paris`, `UTC`, ...: nil for a name the system does not know.
    public init?(timeZoneIdentifier: String) {
        guard let zone = TimeZone(identifier: timeZoneIdentifier) else { return nil }
        self.init(timeZone: zone)
    }

    public var timeZoneIdentifier: String { timeZone.identifier }

    // MARK: Days

    /// A calendar day of the report's time zone.
    public struct Day: Sendable, Hashable, Comparable, CustomStringConvertible {
        public let year: Int
        public let month: Int
        public let day: Int

        public init(year: Int, month: Int, day: Int) {
            self.year = year
            self.month = month
            self.day = day
        }

        /// `YYYY-MM-DD`.
        public var description: String {
            Self.pad(year, 4) + "-" + Self.pad(month, 2) + "-" + Self.pad(day, 2)
        }

        static func pad(_ value: Int, _ width: Int) -> String {
            let digits = String(abs(value))
            return (value < 0 ? "-" : "") + String(repeating: "0", count: max(0, width - digits.count)) + digits
        }

        public static func < (lhs: Day, rhs: Day) -> Bool {
            (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
        }
    }

    /// The day holding `time`.
    public func day(containing time: Double) -> Day {
        let parts = calendar.dateComponents([.year, .month, .day], from: Date(timeIntervalSince1970: time))
        return Day(year: parts.year ?? 1970, month: parts.month ?? 1, day: parts.day ?? 1)
    }

    /// `[start, end)` of a day: 23, 24 or 25 hours.
    public func range(of day: Day) throws(ReportTimeError) -> Period {
        guard let start = calendar.date(from: DateComponents(year: day.year, month: day.month, day: day.day)),
              let next = calendar.date(byAdding: .day, value: 1, to: start)
        else { throw ReportTimeError("\(day) is not a day of the calendar") }
        let first = calendar.startOfDay(for: start)
        let following = calendar.startOfDay(for: next)
        return Period(start: first.timeIntervalSince1970, end: following.timeIntervalSince1970)
    }

    /// Parses `YYYY-MM-DD` (a real calendar date), `today` or `yesterday` (relative to `now`).
    public func parseDay(_ text: String, now: Double) throws(ReportTimeError) -> Day {
        switch text.lowercased() {
        case "today":
            return day(containing: now)
        case "yesterday":
            let today = try range(of: day(containing: now))
            return day(containing: today.start - 1)
        default:
            guard let day = Self.parseDate(Substring(text)) else {
                throw ReportTimeError("'\(text)' is not a date: use YYYY-MM-DD, today or yesterday")
            }
            // Round-trip through the calendar so 2026-02-30 is refused rather than moved.
            let range = try range(of: day)
            guard self.day(containing: range.start) == day else {
                throw ReportTimeError("'\(text)' is not a date of the calendar")
            }
            return day
        }
    }

    private static func parseDate(_ text: Substring) -> Day? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              parts.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } }),
              let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
              (1...12).contains(month), (1...31).contains(day)
        else { return nil }
        return Day(year: year, month: month, day: day)
    }

    /// Parses a `--from`/`--to` value: `YYYY-MM-DD` (the day's start),
    /// `YYYY-MM-DDTHH:MM[:SS[.fff]]` on the report's wall clock, or either followed by `Z`
    /// or `±HH:MM`. A wall-clock time that does not exist (skipped by a DST change) is moved
    /// forward by the change; one that exists twice means its first occurrence.
    public func parseInstant(_ text: String) throws(ReportTimeError) -> Double {
        let invalid = ReportTimeError("'\(text)' is not a time: use YYYY-MM-DD, YYYY-MM-DDTHH:MM[:SS] or with an offset, e.g. 2026-03-29T08:00:00+02:00")
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard trimmed.count >= 10, let day = Self.parseDate(trimmed.prefix(10)) else { throw invalid }
        var rest = trimmed.dropFirst(10)
        guard isValid(day) else { throw invalid }
        if rest.isEmpty {
            return try range(of: day).start
        }
        guard rest.first == "T" || rest.first == "t" || rest.first == " " else { throw invalid }
        rest = rest.dropFirst()
        // Offset: Z, +HH:MM, -HH:MM or +HHMM at the end.
        var offset: Int?
        if rest.hasSuffix("Z") || rest.hasSuffix("z") {
            offset = 0
            rest = rest.dropLast()
        } else if let sign = rest.lastIndex(where: { $0 == "+" || $0 == "-" }) {
            let suffix = rest[rest.index(after: sign)...].replacingOccurrences(of: ":", with: "")
            guard suffix.count == 4, suffix.allSatisfy({ $0.isASCII && $0.isNumber }),
                  let hours = Int(suffix.prefix(2)), let minutes = Int(suffix.suffix(2)), hours < 24, minutes < 60
            else { throw invalid }
            offset = (hours * 3600 + minutes * 60) * (rest[sign] == "-" ? -1 : 1)
            rest = rest[..<sign]
        }
        let clock = rest.split(separator: ":", omittingEmptySubsequences: false)
        guard clock.count == 2 || clock.count == 3,
              clock[0].count == 2, clock[1].count == 2,
              let hour = Int(clock[0]), let minute = Int(clock[1]), hour < 24, minute < 60
        else { throw invalid }
        var seconds = 0.0
        if clock.count == 3 {
            guard clock[2].count >= 2, clock[2].prefix(2).allSatisfy({ $0.isASCII && $0.isNumber }),
                  let value = Double(clock[2]), value >= 0, value < 60
            else { throw invalid }
            seconds = value
        }
        let whole = Int(seconds)
        let fraction = seconds - Double(whole)
        if let offset {
            // An explicit offset: no time zone rules involved.
            let days = Self.daysFromCivil(year: day.year, month: day.month, day: day.day)
            let local = Double(days * 86_400 + hour * 3600 + minute * 60 + whole) + fraction
            guard self.isValid(day) else { throw invalid }
            return local - Double(offset)
        }
        guard isValid(day),
              let date = calendar.date(from: DateComponents(year: day.year, month: day.month, day: day.day, hour: hour, minute: minute, second: whole))
        else { throw invalid }
        return date.timeIntervalSince1970 + fraction
    }

    private func isValid(_ day: Day) -> Bool {
        guard let range = try? range(of: day) else { return false }
        return self.day(containing: range.start) == day
    }

    // MARK: Periods

    /// Cuts `[range.start, range.end)` into periods aligned to the interval on the report's
    /// wall clock: days start at local midnight; 15, 30 and 60 minute periods step from the
    /// local day's start (so 01:00, 03:00 on the day clocks go forward: that day has 23 hourly
    /// periods, and 25 on the day they go back). The first and last period are cut to the range.
    public func periods(of range: Period, interval: ReportInterval) throws(ReportTimeError) -> [Period] {
        guard range.end > range.start else {
            throw ReportTimeError("the range is empty: its end must come after its start")
        }
        var boundaries: [Double] = []
        switch interval {
        case .total:
            break
        case .day, .minutes:
            let step: Double? = if case .minutes(let minutes) = interval { Double(minutes * 60) } else { nil }
            var dayStart = try self.range(of: day(containing: range.start))
            while dayStart.start < range.end {
                if dayStart.start > range.start { boundaries.append(dayStart.start) }
                if let step {
                    var boundary = dayStart.start + step
                    while boundary < dayStart.end && boundary < range.end {
                        if boundary > range.start { boundaries.append(boundary) }
                        boundary += step
                    }
                }
                let next = try self.range(of: day(containing: dayStart.end))
                guard next.start > dayStart.start else { break }
                dayStart = next
                if boundaries.count > Self.maximumPeriods {
                    throw ReportTimeError("the range holds more than \(Self.maximumPeriods) periods of \(interval): use a longer interval or a shorter range")
                }
            }
        }
        var periods: [Period] = []
        periods.reserveCapacity(boundaries.count + 1)
        var start = range.start
        for boundary in boundaries where boundary > start && boundary < range.end {
            periods.append(Period(start: start, end: boundary))
            start = boundary
        }
        periods.append(Period(start: start, end: range.end))
        return periods
    }

    // MARK: Printing

    /// The offset from UTC at `time`, in seconds.
    public func offset(at time: Double) -> Int {
        timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: time))
    }

    /// ISO 8601 with the zone's offset at that instant: `2026-03-29T03:00:00+02:00`, with
    /// milliseconds only when the time has some (`...:05.250+02:00`).
    public func iso8601(_ time: Double) -> String {
        let parts = localParts(time)
        var text = parts.date + "T" + parts.clock
        if parts.milliseconds != 0 {
            text += "." + Day.pad(parts.milliseconds, 3)
        }
        return text + Self.formatOffset(parts.offset)
    }

    /// `2026-03-29 03:00:00`, on the report's wall clock (for people; with no offset).
    public func wallClock(_ time: Double, withDate: Bool = true) -> String {
        let parts = localParts(time)
        return withDate ? parts.date + " " + parts.clock : parts.clock
    }

    /// `03:00`, on the report's wall clock.
    public func hourMinute(_ time: Double) -> String {
        String(localParts(time).clock.prefix(5))
    }

    public static func formatOffset(_ offset: Int) -> String {
        let sign = offset < 0 ? "-" : "+"
        let minutes = abs(offset) / 60
        return sign + Day.pad(minutes / 60, 2) + ":" + Day.pad(minutes % 60, 2)
    }

    private func localParts(_ time: Double) -> (date: String, clock: String, milliseconds: Int, offset: Int) {
        let totalMilliseconds = Int64((time * 1000).rounded())
        let wholeSeconds = Int64((Double(totalMilliseconds) / 1000).rounded(.down))
        let milliseconds = Int(totalMilliseconds - wholeSeconds * 1000)
        let offset = self.offset(at: Double(wholeSeconds))
        let local = wholeSeconds + Int64(offset)
        let days = Int((Double(local) / 86_400).rounded(.down))
        let secondOfDay = Int(local - Int64(days) * 86_400)
        let civil = Self.civilFromDays(days)
        let date = Day(year: civil.year, month: civil.month, day: civil.day).description
        let clock = Day.pad(secondOfDay / 3600, 2) + ":" + Day.pad(secondOfDay / 60 % 60, 2) + ":" + Day.pad(secondOfDay % 60, 2)
        return (date, clock, milliseconds, offset)
    }

    // Howard Hinnant's days-from-civil algorithms (proleptic Gregorian).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civilFromDays(_ days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
