/// ANSI colours for a terminal: only ever used when standard output is one and `NO_COLOR`
/// is not set (https://no-color.org), decided by the caller.
public enum TerminalStyle: Sendable, Hashable {
    case bold, dim, red, green, yellow, blue, magenta, cyan

    /// The SGR parameter.
    var parameter: String {
        switch self {
        case .bold: return "1"
        case .dim: return "2"
        case .red: return "31"
        case .green: return "32"
        case .yellow: return "33"
        case .blue: return "34"
        case .magenta: return "35"
        case .cyan: return "36"
        }
    }

    public static let reset = "\u{1B}[0m"

    /// `text` in this style, reset after it.
    public func apply(_ text: String) -> String {
        "\u{1B}[" + parameter + "m" + text + Self.reset
    }
}

/// The reports' aligned table (`TextTable`), with a whole row coloured at a time: the layout
/// is the plain table's, so colours never shift a column.
public enum TerminalTable {
    /// `rowStyles[i]` colours row `i` (nil: plain); the header is bold. Without `color`, the
    /// bytes of `TextTable.render`.
    public static func render(_ table: ReportTable, rowStyles: [TerminalStyle?], color: Bool) -> String {
        let plain = TextTable.render(table)
        guard color else { return plain }
        var lines = plain.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        // TextTable: the header, a rule, one line per row (or "(no rows)"), then "" after the last "\n".
        if !lines.isEmpty { lines[0] = TerminalStyle.bold.apply(lines[0]) }
        for (index, style) in rowStyles.enumerated() where index < table.rows.count {
            let line = index + 2
            guard let style, line < lines.count, !lines[line].isEmpty else { continue }
            lines[line] = style.apply(lines[line])
        }
        return lines.joined(separator: "\n")
    }
}
