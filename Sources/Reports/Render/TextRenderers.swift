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
public enum TextTable {
    public static func render(_ table: ReportTable) -> String {
        let header = table.columns.map { TextSanitizer.clean($0, flattenLines: true) }
        let body = table.rows.map { $0.map { TextSanitizer.clean($0.plainText, flattenLines: true) } }
        var widths = header.map(TerminalWidth.of)
        for row in body {
            for (index, value) in row.enumerated() where index < widths.count {
                widths[index] = max(widths[index], TerminalWidth.of(value))
            }
        }
        let numeric = table.columns.indices.map { column in
            table.rows.contains { column < $0.count && $0[column].isNumeric }
                && table.rows.allSatisfy { column >= $0.count || $0[column].isNumeric || $0[column] == .empty }
        }
        func line(_ values: [String]) -> String {
            var parts: [String] = []
            for (index, value) in values.enumerated() {
                let padding = String(repeating: " ", count: max(0, widths[index] - TerminalWidth.of(value)))
                parts.append(numeric[index] ? padding + value : value + padding)
            }
            var text = parts.joined(separator: "  ")
            while text.hasSuffix(" ") { text.removeLast() }
            return text + "\n"
        }
        var text = line(header)
        text += widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ") + "\n"
        for row in body { text += line(row) }
        if table.rows.isEmpty { text += "(no rows)\n" }
        return text
    }
}
