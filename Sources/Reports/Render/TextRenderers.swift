/// What server-supplied text may not carry into an output.
public enum TextSanitizer {
    /// C0 controls, DEL and C1 controls (an ESC or CSI can drive a terminal), and Unicode
    /// noncharacters. Tab, LF and CR are handled by each format.
    static func isUnsafe(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        if value < 0x20 { return value != 0x09 && value != 0x0A && value != 0x0D }
        if (0x7F...0x9F).contains(value) { return true }
        if (0xFDD0...0xFDEF).contains(value) { return true }
        if value & 0xFFFE == 0xFFFE { return true }
        return false
    }

    /// Bidirectional embeddings, overrides and isolates. On a terminal line they reorder what
    /// follows them, the other columns' figures included; in an HTML or CSV cell their effect
    /// ends with the cell.
    static func isBidiControl(_ scalar: Unicode.Scalar) -> Bool {
        (0x202A...0x202E).contains(scalar.value) || (0x2066...0x2069).contains(scalar.value)
    }

    /// Replaces unsafe scalars with U+FFFD; with `flattenLines` (text for one terminal line),
    /// tab, LF and CR become spaces and bidirectional controls U+FFFD too.
    public static func clean(_ text: String, flattenLines: Bool = false) -> String {
        let needsWork = text.unicodeScalars.contains {
            isUnsafe($0) || (flattenLines && ($0 == "\t" || $0 == "\n" || $0 == "\r" || isBidiControl($0)))
        }
        guard needsWork else { return text }
        var scalars = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if isUnsafe(scalar) || (flattenLines && isBidiControl(scalar)) {
                scalars.append("\u{FFFD}")
            } else if flattenLines && (scalar == "\t" || scalar == "\n" || scalar == "\r") {
                scalars.append(" ")
            } else {
                scalars.append(scalar)
            }
        }
        return String(scalars)
    }
}

/// Somewhere to write text: a file, standard output or a string.
public protocol TextOutput {
    mutating func write(_ text: String) throws
}

public struct StringOutput: TextOutput {
    public private(set) var text = ""
    public init() {}
    public mutating func write(_ text: String) { self.text += text }
}

/// The output formats of `--format`.
public enum ReportFormat: String, Sendable, CaseIterable {
    case csv, html, table, json
    /// A SpreadsheetML workbook (`Spreadsheet/XLSXWriter`): bytes, not text.
    case xlsx
}

// MARK: CSV

/// RFC 4180: comma, CRLF, `"` doubled inside quoted fields; a text cell that begins with
/// `=`, `+`, `-`, `@`, tab or CR gets a leading `'` so spreadsheets never run it as a formula.
public enum CSV {
    public static func field(_ cell: Cell) -> String {
        switch cell {
        case .empty: return ""
        case .number(let value), .time(let value): return quoteIfNeeded(value)
        case .text(let raw):
            var value = TextSanitizer.clean(raw)
            if let first = value.unicodeScalars.first, ["=", "+", "-", "@", "\t", "\r"].contains(first) {
                value = "'" + value
            }
            return quoteIfNeeded(value)
        }
    }

    static func quoteIfNeeded(_ value: String) -> String {
        guard value.utf8.contains(where: { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 0x0D || $0 == 0x0A }) else {
            return value
        }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// Appends the fields one by one: a month of 15-minute occupancy is half a million lines,
    /// and building an array of fields to join for each was a fifth of the report's time.
    public static func line(_ cells: [Cell]) -> String {
        var text = ""
        text.reserveCapacity(cells.count * 12)
        for (index, cell) in cells.enumerated() {
            if index > 0 { text.append(",") }
            text.append(field(cell))
        }
        text.append("\r\n")
        return text
    }

    public static func header(_ columns: [String]) -> String {
        line(columns.map(Cell.number))
    }

    public static func render(_ table: ReportTable) -> String {
        var text = header(table.columns)
        for row in table.rows { text += line(row) }
        return text
    }
}

// MARK: JSON

public enum JSONText {
    /// A JSON string literal; escapes every control character (C0, DEL, C1) and U+2028/9.
    public static func quote(_ value: String) -> String {
        var text = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": text += "\\\""
            case "\\": text += "\\\\"
            case "\n": text += "\\n"
            case "\r": text += "\\r"
            case "\t": text += "\\t"
            default:
                let code = scalar.value
                if code < 0x20 || (0x7F...0x9F).contains(code) || code == 0x2028 || code == 0x2029 {
                    let hex = String(code, radix: 16)
                    text += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    text.unicodeScalars.append(scalar)
                }
            }
        }
        return text + "\""
    }

    public static func value(_ cell: Cell) -> String {
        switch cell {
        case .empty: return "null"
        case .number(let value): return value.isEmpty ? "null" : value
        case .text(let value), .time(let value): return quote(value)
        }
    }

    /// One object per row, keys in column order.
    public static func object(columns: [String], cells: [Cell]) -> String {
        "{" + zip(columns, cells).map { quote($0) + ":" + value($1) }.joined(separator: ",") + "}"
    }

    public static func render(_ table: ReportTable) -> String {
        guard !table.rows.isEmpty else { return "[]\n" }
        return "[\n" + table.rows.map { object(columns: table.columns, cells: $0) }.joined(separator: ",\n") + "\n]\n"
    }
}

// MARK: Terminal table

/// Columns aligned with spaces (by terminal columns: CJK characters take two), numbers to the
/// right; control characters never reach the terminal.
///
/// A table wider than `width` wraps into groups of columns printed one under the other, each
/// with the first `keyColumns` columns (what names a row: its period, agent, queue...) on its
/// left and a blank line between groups, so every line fits and every figure still sits on the
/// line of the row it belongs to. Stacking whole rows instead (a block per agent) would make
/// a day of hourly rows many screens long and lose the column to compare down. While wrapping,
/// text wider than `wrappedTextWidth` is shortened with "…" (a name of any length must not push
/// the figures off the screen; CSV and JSON carry it whole).
public enum TextTable {
    /// Text columns are cut to this many terminal columns when the table has to wrap.
    public static let wrappedTextWidth = 24
    /// The narrowest a shortened key column becomes before a line is let overflow instead.
    static let narrowestKey = 6

    /// One printed line: the row it shows (nil for a header, a rule or a blank line).
    struct Line {
        var text: String
        var row: Int?
        var isHeader = false
    }

    public static func render(_ table: ReportTable, width: Int = .max, keyColumns: Int = 0) -> String {
        var text = ""
        for line in lines(table, width: width, keyColumns: keyColumns) { text += line.text + "\n" }
        return text
    }

    static func lines(_ table: ReportTable, width: Int, keyColumns: Int) -> [Line] {
        let header = table.columns.map { TextSanitizer.clean($0, flattenLines: true) }
        let body = table.rows.map { $0.map { TextSanitizer.clean($0.plainText, flattenLines: true) } }
        let count = header.count
        var widths = header.map(TerminalWidth.of)
        for row in body {
            for (index, value) in row.enumerated() where index < count {
                widths[index] = max(widths[index], TerminalWidth.of(value))
            }
        }
        let numeric = table.columns.indices.map { column in
            table.rows.contains { column < $0.count && $0[column].isNumeric }
                && table.rows.allSatisfy { column >= $0.count || $0[column].isNumeric || $0[column] == .empty }
        }
        // Text that can be shortened: not figures, and not times (a cut period or time is a wrong one).
        let shortenable = table.columns.indices.map { column in
            !numeric[column] && !table.rows.contains { column < $0.count && { if case .time = $0 { return true } else { return false } }($0[column]) }
        }
        let groups: [[Int]]
        if count == 0 || widths.reduce(0, +) + 2 * (count - 1) <= width {
            groups = [Array(0..<count)]
        } else {
            groups = wrap(widths: &widths, headers: header, shortenable: shortenable, numeric: numeric, width: width,
                          keyColumns: min(max(0, keyColumns), count))
        }

        var result: [Line] = []
        for (number, group) in groups.enumerated() {
            if number > 0 { result.append(Line(text: "", row: nil)) }
            func line(_ values: [String]) -> String {
                var parts: [String] = []
                for index in group {
                    let value = fit(index < values.count ? values[index] : "", width: widths[index])
                    let padding = String(repeating: " ", count: max(0, widths[index] - TerminalWidth.of(value)))
                    parts.append(numeric[index] ? padding + value : value + padding)
                }
                var text = parts.joined(separator: "  ")
                while text.hasSuffix(" ") { text.removeLast() }
                return text
            }
            result.append(Line(text: line(header), row: nil, isHeader: true))
            result.append(Line(text: group.map { String(repeating: "-", count: widths[$0]) }.joined(separator: "  "), row: nil))
            for (index, row) in body.enumerated() { result.append(Line(text: line(row), row: index)) }
        }
        if table.rows.isEmpty { result.append(Line(text: "(no rows)", row: nil)) }
        return result
    }

    /// The groups of columns, each the keys then as many other columns as fit in `width`;
    /// narrows text columns in `widths` so that they do.
    static func wrap(widths: inout [Int], headers: [String], shortenable: [Bool], numeric: [Bool], width: Int, keyColumns: Int) -> [[Int]] {
        let count = widths.count
        for index in 0..<count where shortenable[index] {
            widths[index] = min(widths[index], max(wrappedTextWidth, TerminalWidth.of(headers[index])))
        }
        let keys = Array(0..<keyColumns)
        let others = Array(keyColumns..<count)
        func keysWidth() -> Int { keys.reduce(0) { $0 + widths[$1] + 2 } }
        // The keys leave room for the widest figure or time beside them: the widest key text gives way.
        let widestNumber = others.filter { !shortenable[$0] }.map { widths[$0] }.max() ?? 0
        while keysWidth() + widestNumber > width {
            guard let widest = keys.filter({ shortenable[$0] && widths[$0] > narrowestKey }).max(by: { widths[$0] < widths[$1] }) else { break }
            widths[widest] -= 1
        }
        for index in others where shortenable[index] && keysWidth() + widths[index] > width {
            widths[index] = max(1, width - keysWidth())
        }
        if others.isEmpty { return [keys] }
        var groups: [[Int]] = []
        var current: [Int] = []
        var used = keysWidth()
        for index in others {
            if !current.isEmpty && used + 2 + widths[index] > width {
                groups.append(keys + current)
                current = []
                used = keysWidth()
            }
            used += (current.isEmpty ? 0 : 2) + widths[index]
            current.append(index)
        }
        groups.append(keys + current)
        return groups
    }

    /// `text` cut to `width` terminal columns, ending in "…" when cut.
    static func fit(_ text: String, width: Int) -> String {
        guard TerminalWidth.of(text) > width else { return text }
        guard width > 0 else { return "" }
        var result = ""
        var used = 0
        for character in text {
            let next = TerminalWidth.of(character)
            if used + next > width - 1 { break }
            result.append(character)
            used += next
        }
        return result + "…"
    }
}
