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
    /// `rowStyles[i]` colours row `i` (nil: plain), in every group of a wrapped table; the
    /// headers are bold. Without `color`, the bytes of `TextTable.render`.
    public static func render(_ table: ReportTable, rowStyles: [TerminalStyle?], color: Bool, width: Int = .max, keyColumns: Int = 0) -> String {
        guard color else { return TextTable.render(table, width: width, keyColumns: keyColumns) }
        var text = ""
        for line in TextTable.lines(table, width: width, keyColumns: keyColumns) {
            if line.isHeader {
                text += TerminalStyle.bold.apply(line.text)
            } else if let row = line.row, row < rowStyles.count, let style = rowStyles[row], !line.text.isEmpty {
                text += style.apply(line.text)
            } else {
                text += line.text
            }
            text += "\n"
        }
        return text
    }
}
