/// One cell of a report, already formatted: renderers only quote, escape and align it.
public enum Cell: Sendable, Hashable {
    /// No value: a zero denominator, nothing known.
    case empty
    /// Text from the server or the database (ids, names, numbers people dial): quoted,
    /// formula-defused and escaped by each renderer.
    case text(String)
    /// A number formatted by `NumberFormat` (digits, optional `-` and `.`): a JSON number.
    case number(String)
    /// A time formatted by `ReportCalendar.iso8601`: a JSON string.
    case time(String)

    public var plainText: String {
        switch self {
        case .empty: return ""
        case .text(let value), .number(let value), .time(let value): return value
        }
    }

    public var isNumeric: Bool {
        if case .number = self { return true }
        return false
    }
}

/// A report as a grid: its column names (the CSV header, a public contract) and rows.
public struct ReportTable: Sendable {
    public let columns: [String]
    public var rows: [[Cell]]

    public init(columns: [String], rows: [[Cell]] = []) {
        self.columns = columns
        self.rows = rows
    }
}

/// How numbers are printed: locale-free, `.` as decimal mark, at most 3 decimals, no
/// trailing zeros, never `-0`, `nan` or `inf`.
public enum NumberFormat {
    /// Rounds to the millisecond (half away from zero) and prints it.
    public static func decimal(_ value: Double) -> String {
        guard value.isFinite else { return "" }
        return milliseconds(Int64((value * 1000).rounded(.toNearestOrAwayFromZero)))
    }

    /// A count of milliseconds as seconds: 1500 -> "1.5".
    public static func milliseconds(_ value: Int64) -> String {
        let negative = value < 0
        let magnitude = value.magnitude
        let whole = magnitude / 1000
        let fraction = magnitude % 1000
        var text = (negative ? "-" : "") + String(whole)
        if fraction != 0 {
            var digits = String(fraction)
            digits = String(repeating: "0", count: 3 - digits.count) + digits
            while digits.hasSuffix("0") { digits.removeLast() }
            text += "." + digits
        }
        return text
    }

    public static func cell(_ value: Double?) -> Cell {
        guard let value, value.isFinite else { return .empty }
        return .number(decimal(value))
    }

    public static func cell(milliseconds value: Int64) -> Cell {
        .number(milliseconds(value))
    }

    public static func cell(_ value: Int) -> Cell {
        .number(String(value))
    }

    /// `100 x numerator / denominator`, or nil (an empty cell) when the denominator is 0.
    public static func percent(_ numerator: Double, of denominator: Double) -> Double? {
        guard denominator > 0 else { return nil }
        return 100 * numerator / denominator
    }

    /// Seconds rounded to whole milliseconds, the precision every duration is printed with.
    public static func toMilliseconds(_ seconds: Double) -> Int64 {
        guard seconds.isFinite else { return 0 }
        return Int64((seconds * 1000).rounded(.toNearestOrAwayFromZero))
    }
}
