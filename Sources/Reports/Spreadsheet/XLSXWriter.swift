/// How a number cell is shown: the cell's value is the same whatever the format.
public enum SheetNumberStyle: Sendable, Equatable {
    /// Counts and averages as they are.
    case general
    /// 0 to 100 with one decimal (`0.0`): the CSV's `_pct` value, not a fraction.
    case percent
    /// A fraction of a day shown `[h]:mm:ss`, so sums past 24 h stay right.
    case duration
    /// Days since 1899-12-30 on the report's wall clock, shown `yyyy-mm-dd hh:mm:ss`.
    case dateTime
}

/// One cell to write.
public enum SheetCell: Sendable, Equatable {
    /// Nothing written: an empty cell stays empty.
    case empty
    /// An inline string: always text, never a formula, whatever it starts with.
    case text(String)
    /// `literal` is a decimal an XML Schema double accepts (`12`, `-0.5`, `1e-05`).
    case number(String, SheetNumberStyle)
}

/// What the workbook could not hold as given, for a warning.
public struct SheetWarnings: Sendable, Equatable {
    /// Characters XML 1.0 cannot carry (C0 controls but tab, LF and CR; U+FFFE, U+FFFF),
    /// each replaced with U+FFFD.
    public var replacedCharacters = 0
    /// Texts longer than a spreadsheet cell holds (32,767 UTF-16 units, Excel's limit), cut there.
    public var truncatedTexts = 0

    public init() {}

    public var isEmpty: Bool { replacedCharacters == 0 && truncatedTexts == 0 }

    /// One line for standard error, nil when there is nothing to say.
    public var message: String? {
        var parts: [String] = []
        if replacedCharacters > 0 {
            parts.append("\(replacedCharacters) control character\(replacedCharacters == 1 ? "" : "s") that XML cannot hold replaced with U+FFFD")
        }
        if truncatedTexts > 0 {
            parts.append("\(truncatedTexts) text\(truncatedTexts == 1 ? "" : "s") longer than a spreadsheet cell's 32767 characters cut to that length (CSV and JSON carry them whole)")
        }
        return parts.isEmpty ? nil : "warning: in the workbook, " + parts.joined(separator: "; ")
    }
}

/// A SpreadsheetML (.xlsx) workbook written as it goes: sheets one after the other, rows one
/// after the other, each deflated into the ZIP as soon as a 64 KiB buffer fills. What is held
/// at once is one row group (the first `rowGroup` rows of a sheet, kept to size its columns,
/// since `<cols>` comes before the rows in the file) and the buffers, whatever the number of rows.
///
/// Every sheet has its header row bold, frozen and auto-filtered; text is inline strings
/// (no shared-string table to hold, and never a formula); numbers carry one of four formats.
/// A sheet that reaches `rowLimit` rows (Excel's 1,048,576, header included) goes on in a new
/// sheet named `NAME (2)` with the same header.
public final class XLSXWriter {
    public static let excelRowLimit = 1_048_576
    /// Excel's most characters in a cell (UTF-16 units).
    public static let cellTextLimit = 32_767
    /// The widest a column is made: a long name does not push the figures off the screen.
    static let widestColumn = 60

    struct SheetPart {
        let name: String
        let columns: Int
        var rows: Int
        let hasNotes: Bool
    }

    struct OpenSheet {
        let baseName: String
        let columns: [String]
        let notes: [Int: String]
        let continuation: Int
        var rows = 0
        var pending: [[SheetCell]] = []
        var started = false
    }

    let zip: ZipStream
    let rowLimit: Int
    let rowGroup: Int
    public var warnings: SheetWarnings { xml.warnings }
    private var sheets: [SheetPart] = []
    private var usedNames: Set<String> = []
    private var open: OpenSheet?
    /// The current part's XML not yet deflated.
    private var xml = SheetXML()

    /// `rowLimit` and `rowGroup` are smaller in tests, so a continued sheet needs no million rows.
    public init(output: ByteOutput, rowLimit: Int = XLSXWriter.excelRowLimit, rowGroup: Int = 1000) {
        zip = ZipStream(output: output)
        self.rowLimit = max(2, rowLimit)
        self.rowGroup = max(1, rowGroup)
        xml.bytes.reserveCapacity(1 << 17)
    }

    // MARK: Sheets and rows

    /// Starts a sheet whose header row is `columns`; `notes` are comments on header cells
    /// (by column index), such as the time zone of a column of times.
    public func beginSheet(_ name: String, columns: [String], notes: [Int: String] = [:]) throws {
        if open != nil { try endSheet() }
        open = OpenSheet(baseName: name, columns: columns, notes: notes, continuation: 1)
        xml.prepareColumns(columns.count)
    }

    public func addRow(_ cells: [SheetCell]) throws {
        guard var sheet = open else { preconditionFailure("addRow before beginSheet") }
        if sheet.rows + 1 >= rowLimit {
            // The header takes a row: rowLimit - 1 rows of data per sheet.
            open = sheet
            try endSheet()
            sheet = OpenSheet(baseName: sheet.baseName, columns: sheet.columns, notes: sheet.notes, continuation: sheet.continuation + 1)
        }
        sheet.rows += 1
        if !sheet.started {
            sheet.pending.append(cells)
            if sheet.pending.count >= rowGroup { try start(&sheet) }
        } else {
            try writeRow(cells, number: sheet.rows + 1)
        }
        open = sheet
    }

    public func endSheet() throws {
        guard var sheet = open else { return }
        if !sheet.started { try start(&sheet) }
        open = nil
        let lastColumn = Self.columnLetters(max(0, sheet.columns.count - 1))
        var tail = "</sheetData>"
        tail += "<autoFilter ref=\"A1:\(lastColumn)\(sheet.rows + 1)\"/>"
        tail += "<pageMargins left=\"0.7\" right=\"0.7\" top=\"0.75\" bottom=\"0.75\" header=\"0.3\" footer=\"0.3\"/>"
        if !sheet.notes.isEmpty { tail += "<legacyDrawing r:id=\"rId1\"/>" }
        tail += "</worksheet>"
        xml.bytes.append(contentsOf: tail.utf8)
        try flush()
        try zip.endEntry()
        // `start` appended this sheet's part: it is the last.
        let index = sheets.count - 1
        sheets[index].rows = sheet.rows
        if !sheet.notes.isEmpty {
            try zip.addEntry("xl/comments\(index + 1).xml", comments(sheet))
            try zip.addEntry("xl/drawings/vmlDrawing\(index + 1).vml", vmlDrawing(sheet, number: index))
            try zip.addEntry("xl/worksheets/_rels/sheet\(index + 1).xml.rels", Self.relationships([
                ("rId1", "vmlDrawing", "../drawings/vmlDrawing\(index + 1).vml"),
                ("rId2", "comments", "../comments\(index + 1).xml"),
            ]))
        }
    }

    /// The workbook's other parts and the ZIP's directory. Returns what had to be changed.
    @discardableResult
    public func finish() throws -> SheetWarnings {
        try endSheet()
        if sheets.isEmpty {
            try beginSheet("Sheet1", columns: [])
            try endSheet()
        }
        try zip.addEntry("[Content_Types].xml", contentTypes())
        try zip.addEntry("_rels/.rels", Self.relationships([("rId1", "officeDocument", "xl/workbook.xml")]))
        try zip.addEntry("xl/workbook.xml", workbook())
        try zip.addEntry("xl/_rels/workbook.xml.rels", Self.relationships(
            sheets.indices.map { ("rId\($0 + 1)", "worksheet", "worksheets/sheet\($0 + 1).xml") }
                + [("rId\(sheets.count + 1)", "styles", "styles.xml")]))
        try zip.addEntry("xl/styles.xml", Self.styles)
        try zip.finish()
        return warnings
    }

    // MARK: Writing a sheet

    /// Opens the sheet's part: its name, the view (frozen header), the widths from the header
    /// and the pending rows, then those rows.
    private func start(_ sheet: inout OpenSheet) throws {
        sheet.started = true
        let name = uniqueName(sheet.continuation == 1 ? sheet.baseName : "\(sheet.baseName) (\(sheet.continuation))")
        sheets.append(SheetPart(name: name, columns: sheet.columns.count, rows: 0, hasNotes: !sheet.notes.isEmpty))
        try zip.beginEntry("xl/worksheets/sheet\(sheets.count).xml")
        var head = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
        head += "<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\">"
        head += "<sheetViews><sheetView workbookViewId=\"0\"\(sheets.count == 1 ? " tabSelected=\"1\"" : "")>"
        head += "<pane ySplit=\"1\" topLeftCell=\"A2\" activePane=\"bottomLeft\" state=\"frozen\"/><selection pane=\"bottomLeft\" activeCell=\"A2\" sqref=\"A2\"/></sheetView></sheetViews>"
        head += "<sheetFormatPr defaultRowHeight=\"15\"/>"
        if !sheet.columns.isEmpty {
            head += "<cols>"
            for (index, width) in widths(sheet).enumerated() {
                head += "<col min=\"\(index + 1)\" max=\"\(index + 1)\" width=\"\(width)\" customWidth=\"1\"/>"
            }
            head += "</cols>"
        }
        head += "<sheetData>"
        xml.bytes.append(contentsOf: head.utf8)
        xml.writeHeader(sheet.columns)
        for (offset, row) in sheet.pending.enumerated() {
            try writeRow(row, number: sheet.rows - sheet.pending.count + offset + 2)
        }
        sheet.pending = []
    }

    /// Characters of the widest value of each column among the header and the pending rows,
    /// plus room for the filter's button; at most `widestColumn`.
    private func widths(_ sheet: OpenSheet) -> [Int] {
        var widths = sheet.columns.map { $0.count + 3 }
        for row in sheet.pending {
            for (index, cell) in row.enumerated() where index < widths.count {
                let shown: Int
                switch cell {
                case .empty: shown = 0
                case .text(let text): shown = min(text.utf16.count, Self.widestColumn)
                case .number(let literal, let style):
                    switch style {
                    case .general: shown = literal.utf8.count
                    case .percent: shown = 6
                    case .duration: shown = 9
                    case .dateTime: shown = 19
                    }
                }
                widths[index] = max(widths[index], shown + 1)
            }
        }
        return widths.map { min($0, Self.widestColumn) }
    }

    private func writeRow(_ cells: [SheetCell], number: Int) throws {
        xml.writeRow(cells, number: number)
        if xml.bytes.count >= 1 << 16 { try flush() }
    }

    private func flush() throws {
        guard !xml.bytes.isEmpty else { return }
        try xml.bytes.withUnsafeBytes { try zip.write($0) }
        xml.bytes.removeAll(keepingCapacity: true)
    }

    // MARK: Names

    /// `A`, `Z`, `AA`... for a zero-based column.
    static func columnLetters(_ index: Int) -> String {
        var number = index + 1
        var letters: [Character] = []
        while number > 0 {
            let rest = (number - 1) % 26
            letters.insert(Character(Unicode.Scalar(UInt8(65 + rest))), at: 0)
            number = (number - 1) / 26
        }
        return String(letters)
    }

    /// A name Excel accepts: 1 to 31 characters, none of `[]:*?/\`, no apostrophe at either
    /// end, not `History`, and not another sheet's (ignoring case).
    public static func legalName(_ proposed: String) -> String {
        var name = String(proposed.unicodeScalars.map { scalar -> Character in
            "[]:*?/\\".unicodeScalars.contains(scalar) || scalar.value < 0x20 ? "_" : Character(scalar)
        })
        while name.hasPrefix("'") { name.removeFirst() }
        while name.hasSuffix("'") { name.removeLast() }
        if name.isEmpty || name.lowercased() == "history" { name = "Sheet" + (name.isEmpty ? "" : " " + name) }
        return String(name.prefix(31))
    }

    private func uniqueName(_ proposed: String) -> String {
        let base = Self.legalName(proposed)
        var name = base
        var counter = 2
        while usedNames.contains(name.lowercased()) {
            let suffix = " \(counter)"
            name = String(base.prefix(31 - suffix.count)) + suffix
            counter += 1
        }
        usedNames.insert(name.lowercased())
        return name
    }

    // MARK: The other parts

    enum Style {
        static let general = 0
        static let header = 1
        static let percent = 2
        static let duration = 3
        static let dateTime = 4
        static let text = 5

        static func of(_ style: SheetNumberStyle) -> Int {
            switch style {
            case .general: return general
            case .percent: return percent
            case .duration: return duration
            case .dateTime: return dateTime
            }
        }
    }

    static let styles = """
        <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
        <styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">\
        <numFmts count="3"><numFmt numFmtId="164" formatCode="0.0"/><numFmt numFmtId="165" formatCode="[h]:mm:ss"/>\
        <numFmt numFmtId="166" formatCode="yyyy\\-mm\\-dd hh:mm:ss"/></numFmts>\
        <fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>\
        <font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>\
        <fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>\
        <borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>\
        <cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>\
        <cellXfs count="6">\
        <xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>\
        <xf numFmtId="49" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1" applyNumberFormat="1"/>\
        <xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>\
        <xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>\
        <xf numFmtId="166" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>\
        <xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>\
        </cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>
        """

    static func relationships(_ items: [(id: String, type: String, target: String)]) -> String {
        var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
        xml += "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
        for item in items {
            xml += "<Relationship Id=\"\(item.id)\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/\(item.type)\" Target=\"\(item.target)\"/>"
        }
        return xml + "</Relationships>"
    }

    /// Escapes our own texts (sheet names, notes) for an attribute or an element.
    static func escapeMarkup(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.unicodeScalars.append(scalar.value < 0x20 ? "\u{FFFD}" : scalar)
            }
        }
        return out
    }

    private func contentTypes() -> String {
        var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
        xml += "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
        xml += "<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>"
        xml += "<Default Extension=\"xml\" ContentType=\"application/xml\"/>"
        xml += "<Default Extension=\"vml\" ContentType=\"application/vnd.openxmlformats-officedocument.vmlDrawing\"/>"
        xml += "<Override PartName=\"/xl/workbook.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/>"
        xml += "<Override PartName=\"/xl/styles.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml\"/>"
        for (index, sheet) in sheets.enumerated() {
            xml += "<Override PartName=\"/xl/worksheets/sheet\(index + 1).xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>"
            if sheet.hasNotes {
                xml += "<Override PartName=\"/xl/comments\(index + 1).xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml\"/>"
            }
        }
        return xml + "</Types>"
    }

    private func workbook() -> String {
        var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
        xml += "<workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\">"
        xml += "<bookViews><workbookView activeTab=\"0\"/></bookViews><sheets>"
        for (index, sheet) in sheets.enumerated() {
            xml += "<sheet name=\"\(Self.escapeMarkup(sheet.name))\" sheetId=\"\(index + 1)\" r:id=\"rId\(index + 1)\"/>"
        }
        xml += "</sheets><definedNames>"
        // Excel keeps each sheet's filter range under this hidden name.
        for (index, sheet) in sheets.enumerated() {
            let quoted = "'" + sheet.name.replacingOccurrences(of: "'", with: "''") + "'"
            let last = Self.columnLetters(max(0, sheet.columns - 1))
            xml += "<definedName name=\"_xlnm._FilterDatabase\" localSheetId=\"\(index)\" hidden=\"1\">"
                + Self.escapeMarkup("\(quoted)!$A$1:$\(last)$\(sheet.rows + 1)") + "</definedName>"
        }
        return xml + "</definedNames></workbook>"
    }

    private func comments(_ sheet: OpenSheet) -> String {
        var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
        xml += "<comments xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><authors><author>callstats</author></authors><commentList>"
        for column in sheet.notes.keys.sorted() {
            xml += "<comment ref=\"\(Self.columnLetters(column))1\" authorId=\"0\"><text><t xml:space=\"preserve\">"
                + Self.escapeMarkup(sheet.notes[column] ?? "") + "</t></text></comment>"
        }
        return xml + "</commentList></comments>"
    }

    /// The legacy drawing Excel needs to show a comment (a hidden note box per comment).
    private func vmlDrawing(_ sheet: OpenSheet, number: Int) -> String {
        var xml = "<xml xmlns:v=\"urn:schemas-microsoft-com:vml\" xmlns:o=\"urn:schemas-microsoft-com:office:office\" xmlns:x=\"urn:schemas-microsoft-com:office:excel\">"
        xml += "<o:shapelayout v:ext=\"edit\"><o:idmap v:ext=\"edit\" data=\"\(number + 1)\"/></o:shapelayout>"
        xml += "<v:shapetype id=\"_x0000_t202\" coordsize=\"21600,21600\" o:spt=\"202\" path=\"m,l,21600r21600,l21600,xe\"><v:stroke joinstyle=\"miter\"/><v:path gradientshapeok=\"t\" o:connecttype=\"rect\"/></v:shapetype>"
        for (offset, column) in sheet.notes.keys.sorted().enumerated() {
            let id = (number + 1) * 1024 + offset + 1
            xml += "<v:shape id=\"_x0000_s\(id)\" type=\"#_x0000_t202\" style=\"position:absolute;margin-left:60pt;margin-top:2pt;width:160pt;height:50pt;z-index:\(offset + 1);visibility:hidden\" fillcolor=\"#ffffe1\" o:insetmode=\"auto\">"
            xml += "<v:fill color2=\"#ffffe1\"/><v:shadow on=\"t\" color=\"black\" obscured=\"t\"/><v:path o:connecttype=\"none\"/><v:textbox style=\"mso-direction-alt:auto\"><div style=\"text-align:left\"></div></v:textbox>"
            xml += "<x:ClientData ObjectType=\"Note\"><x:MoveWithCells/><x:SizeWithCells/><x:Anchor>\(column + 1), 15, 0, 2, \(column + 3), 15, 3, 16</x:Anchor><x:AutoFill>False</x:AutoFill><x:Row>0</x:Row><x:Column>\(column)</x:Column></x:ClientData></v:shape>"
        }
        return xml + "</xml>"
    }
}
