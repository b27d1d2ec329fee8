/// A sheet's rows as SpreadsheetML, appended to `bytes` until the writer deflates them.
///
/// A value the writer keeps and mutates a row at a time: the many small appends of a row
/// then work on this struct's own storage, not each through the writer's (a class's) property.
struct SheetXML {
    var bytes: [UInt8] = []
    /// Each column's letters (`A`, `AB`), for the references that a cell after an empty one needs.
    private var letters: [[UInt8]] = []
    private var rowDigits: [UInt8] = []
    private(set) var warnings = SheetWarnings()

    mutating func prepareColumns(_ count: Int) {
        while letters.count < count { letters.append(Array(XLSXWriter.columnLetters(letters.count).utf8)) }
    }

    mutating func writeHeader(_ columns: [String]) {
        bytes.append(contentsOf: "<row r=\"1\">".utf8)
        for name in columns {
            appendText(name, column: nil, style: XLSXWriter.Style.header)
        }
        bytes.append(contentsOf: "</row>".utf8)
    }

    mutating func writeRow(_ cells: [SheetCell], number: Int) {
        setRowDigits(number)
        bytes.append(contentsOf: "<row r=\"".utf8)
        bytes.append(contentsOf: rowDigits)
        bytes.append(contentsOf: "\">".utf8)
        var skipped = false
        for (index, cell) in cells.enumerated() where index < letters.count {
            switch cell {
            case .empty:
                skipped = true
                continue
            case .text(let text):
                appendText(text, column: skipped ? index : nil, style: XLSXWriter.Style.text)
            case .number(let literal, let style):
                appendCellStart(skipped ? index : nil, style: XLSXWriter.Style.of(style))
                bytes.append(contentsOf: "><v>".utf8)
                bytes.append(contentsOf: literal.utf8)
                bytes.append(contentsOf: "</v></c>".utf8)
            }
            skipped = false
        }
        bytes.append(contentsOf: "</row>".utf8)
    }

    /// The current row's number in digits, for the row and the cells that need a reference.
    private mutating func setRowDigits(_ number: Int) {
        rowDigits.removeAll(keepingCapacity: true)
        var rest = number
        repeat {
            rowDigits.append(UInt8(ascii: "0") + UInt8(rest % 10))
            rest /= 10
        } while rest > 0
        rowDigits.reverse()
    }

    /// `<c s="3"`, or `<c r="B12" s="3"` when `column` is given. A cell's reference is
    /// optional (ECMA-376 Part 1, 18.3.1.4): without one it is the cell after the previous
    /// one in its row, so only a cell after an empty one needs it. References were a fifth of
    /// a sheet's bytes; spreadsheet programs read either form.
    private mutating func appendCellStart(_ column: Int?, style: Int) {
        if let column {
            bytes.append(contentsOf: "<c r=\"".utf8)
            bytes.append(contentsOf: letters[column])
            bytes.append(contentsOf: rowDigits)
            bytes.append(contentsOf: "\" s=\"".utf8)
        } else if style == XLSXWriter.Style.general {
            // The default style needs no attribute.
            bytes.append(contentsOf: "<c".utf8)
            return
        } else {
            bytes.append(contentsOf: "<c s=\"".utf8)
        }
        // Styles are one digit.
        bytes.append(UInt8(ascii: "0") + UInt8(style))
        bytes.append(UInt8(ascii: "\""))
    }

    private mutating func appendText(_ text: String, column: Int?, style: Int) {
        appendCellStart(column, style: style)
        // Without xml:space, a reader may drop the text's leading and trailing white space
        // (and fold runs of it); most texts have none, and the attribute is 19 bytes a cell.
        if Self.needsPreserve(text) {
            bytes.append(contentsOf: " t=\"inlineStr\"><is><t xml:space=\"preserve\">".utf8)
        } else {
            bytes.append(contentsOf: " t=\"inlineStr\"><is><t>".utf8)
        }
        appendEscaped(text)
        bytes.append(contentsOf: "</t></is></c>".utf8)
    }

    /// White space at either end, two in a row, or any but a plain space.
    static func needsPreserve(_ text: String) -> Bool {
        let utf8 = text.utf8
        guard let first = utf8.first, let last = utf8.last else { return false }
        if first == UInt8(ascii: " ") || last == UInt8(ascii: " ") { return true }
        var previousWasSpace = false
        for byte in utf8 {
            if byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") { return true }
            let isSpace = byte == UInt8(ascii: " ")
            if isSpace && previousWasSpace { return true }
            previousWasSpace = isSpace
        }
        return false
    }

    /// XML-escaped, XML-invalid characters replaced (and counted), cut at Excel's limit.
    /// CR is written as a character reference: a parser turns a literal CR into LF.
    private mutating func appendEscaped(_ text: String) {
        let simple = text.utf8.count <= XLSXWriter.cellTextLimit && !text.utf8.contains { byte in
            byte < 0x20 || byte == UInt8(ascii: "&") || byte == UInt8(ascii: "<") || byte == UInt8(ascii: ">") || byte == 0xEF
        }
        if simple {
            bytes.append(contentsOf: text.utf8)
            return
        }
        var units = 0
        for scalar in text.unicodeScalars {
            units += scalar.utf16.count
            if units > XLSXWriter.cellTextLimit {
                warnings.truncatedTexts += 1
                break
            }
            switch scalar {
            case "&": bytes.append(contentsOf: "&amp;".utf8)
            case "<": bytes.append(contentsOf: "&lt;".utf8)
            case ">": bytes.append(contentsOf: "&gt;".utf8)
            case "\r": bytes.append(contentsOf: "&#13;".utf8)
            case "\t", "\n": bytes.append(UInt8(scalar.value))
            default:
                if scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF {
                    warnings.replacedCharacters += 1
                    bytes.append(contentsOf: "\u{FFFD}".utf8)
                } else {
                    bytes.append(contentsOf: String(scalar).utf8)
                }
            }
        }
    }
}
