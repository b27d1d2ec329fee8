import CallStatsTestSupport
import Foundation
import Reports
import Testing

/// The .xlsx writer on its own: sheets continued past the row limit, legal unique names, what
/// XML cannot hold. Read back with openpyxl (EndToEndTests.WorkbookTests opens the binary's).
@Suite("Workbook writer")
struct WorkbookWriterTests {
    /// Runs `script` with the workbook's path as sys.argv[1]; returns what it printed.
    static func read(_ bytes: [UInt8], _ script: String) throws -> String {
        let python = try RequiredTool.openpyxl.require()
        let folder = try TemporaryFolder()
        let path = folder.path("book.xlsx")
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-c", script, path]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    @Test("a sheet that reaches the row limit goes on in NAME (2), (3)... with the same header, frozen and filtered; no row lost", RequiredTool.openpyxl.trait)
    func continuation() throws {
        let output = MemoryByteOutput()
        // A limit of 4 rows, header included: 3 rows of data per sheet.
        let writer = XLSXWriter(output: output, rowLimit: 4, rowGroup: 2)
        try writer.beginSheet("occupancy", columns: ["n", "name"])
        for n in 1...10 { try writer.addRow([.number(String(n), .general), .text("row \(n)")]) }
        try writer.beginSheet("occupancy", columns: ["other"])
        try writer.addRow([.text("=1+1")])
        try writer.finish()
        let read = try Self.read(output.bytes, """
            import openpyxl, sys
            book = openpyxl.load_workbook(sys.argv[1])
            for sheet in book.worksheets:
                print(sheet.title, [[c.value for c in row] for row in sheet.iter_rows()], sheet.freeze_panes, sheet.auto_filter.ref)
            """)
        #expect(read == """
            occupancy [['n', 'name'], [1, 'row 1'], [2, 'row 2'], [3, 'row 3']] A2 A1:B4
            occupancy (2) [['n', 'name'], [4, 'row 4'], [5, 'row 5'], [6, 'row 6']] A2 A1:B4
            occupancy (3) [['n', 'name'], [7, 'row 7'], [8, 'row 8'], [9, 'row 9']] A2 A1:B4
            occupancy (4) [['n', 'name'], [10, 'row 10']] A2 A1:B2
            occupancy 2 [['other'], ['=1+1']] A2 A1:A2

            """)
    }

    @Test("sheet names: Excel's forbidden characters, its 31 characters, apostrophes at the ends, History")
    func names() {
        #expect(XLSXWriter.legalName("a/b:c*?[d]\\e") == "a_b_c___d__e")
        #expect(XLSXWriter.legalName("'quoted'") == "quoted")
        #expect(XLSXWriter.legalName(String(repeating: "x", count: 40)).count == 31)
        #expect(XLSXWriter.legalName("") == "Sheet")
        #expect(XLSXWriter.legalName("History") == "Sheet History")
    }

    @Test("NUL, ESC, U+FFFF become U+FFFD and are counted; CR, tab, LF and a bidi override stay; text past 32,767 characters is cut and counted", RequiredTool.openpyxl.trait)
    func invalidCharacters() throws {
        let output = MemoryByteOutput()
        let writer = XLSXWriter(output: output)
        try writer.beginSheet("s", columns: ["text"])
        try writer.addRow([.text("a\u{0}b\u{1B}c\u{FFFF}d\re\tf\ng \u{202E}rtl <&>")])
        try writer.addRow([.text(String(repeating: "x", count: 100_000))])
        let warnings = try writer.finish()
        #expect(warnings.replacedCharacters == 3)
        #expect(warnings.truncatedTexts == 1)
        #expect(warnings.message?.hasPrefix("warning: in the workbook, 3 control characters") == true)
        let read = try Self.read(output.bytes, """
            import openpyxl, sys
            sheet = openpyxl.load_workbook(sys.argv[1]).active
            print(repr(sheet["A2"].value), len(sheet["A3"].value))
            """)
        #expect(read == "'a\u{FFFD}b\u{FFFD}c\u{FFFD}d\\re\\tf\\ng \\u202ertl <&>' 32767\n")
    }

    /// Cells carry a reference only after an empty one (the others follow in order), and text
    /// keeps its spaces only with xml:space: both are checked where a mistake would shift a
    /// column or trim a name.
    @Test("empty cells at the start, middle and end keep every other cell in its column; spaces at the ends and in runs stay", RequiredTool.openpyxl.trait)
    func emptyCellsAndSpaces() throws {
        let output = MemoryByteOutput()
        let writer = XLSXWriter(output: output)
        try writer.beginSheet("s", columns: ["a", "b", "c", "d", "e", "f"])
        try writer.addRow([.empty, .number("1", .general), .empty, .empty, .text(" two  spaces "), .number("3", .percent)])
        try writer.addRow([.text("x"), .text("a  b"), .text("\tt"), .number("4", .general), .empty, .empty])
        try writer.addRow([.empty, .empty, .empty, .empty, .empty, .text("last")])
        try writer.finish()
        let read = try Self.read(output.bytes, """
            import openpyxl, sys
            sheet = openpyxl.load_workbook(sys.argv[1]).active
            for row in sheet.iter_rows(min_row=2, max_col=6):
                print([c.value for c in row])
            """)
        #expect(read == """
            [None, 1, None, None, ' two  spaces ', 3]
            ['x', 'a  b', '\\tt', 4, None, None]
            [None, None, None, None, None, 'last']

            """)
    }
}
