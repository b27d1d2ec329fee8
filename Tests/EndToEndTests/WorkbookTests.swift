import CallStatsTestSupport
import Foundation
import Testing

/// `--format xlsx` as a person gets it: workbooks of every kind made by the real binary from
/// the demo's database, opened by openpyxl (cell types, formats, frozen header, filter, values
/// equal to the CSV and JSON reports) and by LibreOffice (each sheet saved as CSV equals the
/// CSV report, durations as seconds). The checks are Tests/Tools/check_xlsx.py.
@Suite("Workbooks (.xlsx) opened by openpyxl and LibreOffice", .serialized)
struct WorkbookTests {
    static let checker = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Tools/check_xlsx.py").path
    static let date = "2026-11-02"

    /// The demo's day, and every workbook with its CSV (and JSON) beside it: NAME.xlsx,
    /// NAME.csv, NAME.json for each report kind and view, and the nightly folder.
    struct Made {
        let binary: CallStatsBinary
        let folder: TemporaryFolder
        let names: [String]
        var nightly: String { folder.path("nightly/\(WorkbookTests.date)") }
    }

    static func make() throws -> Made {
        let binary = try CallStatsBinary.built()
        let folder = try TemporaryFolder()
        let demo = try binary.run(["demo"], currentDirectory: folder.url)
        try #require(demo.status == 0, "demo: \(demo.stderr)")
        let database = folder.path("callstats-demo/calls.db")
        var names: [String] = []
        // A zone away from UTC: the sheets' date-times are its wall clock, as the CSV's are.
        let zone = ["--tz", "Europe/Paris"]
        for kind in ["occupancy", "ewt", "missed", "calls-missed"] {
            let interval = kind == "calls-missed" ? [] : ["--interval", "15m"]
            for format in ["xlsx", "csv", "json"] {
                let result = try binary.run(["report", kind, "--db", database, "--date", date] + zone + interval + ["--output", folder.path("\(kind).\(format)")])
                #expect(result.status == 0 && result.stderr.isEmpty, "\(kind) \(format): \(result.stderr)")
            }
            names.append(kind)
        }
        for view in ["agents", "queues", "calls"] {
            let limit = view == "calls" ? ["--limit", "0"] : []
            for format in ["xlsx", "csv", "json"] {
                let result = try binary.run([view, "--db", database] + zone + limit + ["--output", folder.path("\(view).\(format)")])
                #expect(result.status == 0 && result.stderr.isEmpty, "\(view) \(format): \(result.stderr)")
            }
            names.append(view)
        }
        let nightly = try binary.run(["report", "nightly", "--db", database, "--date", date] + zone + ["--out", folder.path("nightly")])
        #expect(nightly.status == 0 && nightly.stderr.isEmpty, "nightly: \(nightly.stderr)")
        return Made(binary: binary, folder: folder, names: names)
    }

    static func python(_ arguments: [String]) throws -> CallStatsBinary.Result {
        try CallStatsBinary(url: URL(fileURLWithPath: try RequiredTool.openpyxl.require())).run(arguments)
    }

    @Test("openpyxl: every kind of workbook has typed cells, formats, a bold frozen filtered header, and the CSV's and JSON's values", RequiredTool.openpyxl.trait)
    func openpyxl() throws {
        let made = try Self.make()
        for name in made.names {
            let check = try Self.python([Self.checker, "openpyxl", made.folder.path("\(name).xlsx"),
                                         "\(name)=\(made.folder.path("\(name).csv"))", "\(name)=\(made.folder.path("\(name).json"))"])
            #expect(check.status == 0, "\(name): \(check.stdout)\(check.stderr)")
        }
        let sheets = ["occupancy", "ewt", "missed", "calls-missed"]
        let check = try Self.python([Self.checker, "openpyxl", made.nightly + "/report.xlsx"] + sheets.map { "\($0)=\(made.nightly)/\($0).csv" })
        #expect(check.status == 0, "nightly: \(check.stdout)\(check.stderr)")
        // The day's sheet comes first, with the headline and coverage.
        let day = try Self.python(["-c", """
            import openpyxl, sys
            book = openpyxl.load_workbook(sys.argv[1])
            day = book["day"]
            figures = {row[0].value: row[1] for row in day.iter_rows(min_row=2)}
            print(book.sheetnames, day.freeze_panes, figures["offered"].value, figures["missed_pct"].number_format,
                  figures["covered_s"].number_format, figures["time_zone"].value, day["C1"].comment is not None)
            """, made.nightly + "/report.xlsx"])
        #expect(day.stdout == "['day', 'occupancy', 'ewt', 'missed', 'calls-missed', 'pauses', 'xivo-queues', 'xivo-agents'] A2 1560 0.0 [h]:mm:ss Europe/Paris True\n", "\(day.stdout)\(day.stderr)")
    }

    @Test("standard output that is not a terminal gets the same workbook bytes as --output")
    func standardOutput() throws {
        let made = try Self.make()
        let piped = try made.binary.run(["report", "occupancy", "--db", made.folder.path("callstats-demo/calls.db"), "--date", Self.date,
                                         "--tz", "Europe/Paris", "--interval", "15m", "--format", "xlsx"])
        #expect(piped.status == 0, "\(piped.stderr)")
        #expect(piped.stdoutBytes == (try Data(contentsOf: made.folder.url.appendingPathComponent("occupancy.xlsx"))))
    }

    @Test("LibreOffice opens every kind of workbook; each sheet saved as CSV shows the CSV report's figures", RequiredTool.libreOffice.trait)
    func libreOffice() throws {
        let soffice = try RequiredTool.libreOffice.require()
        let made = try Self.make()
        let saved = made.folder.path("libreoffice")
        var pairs: [(saved: String, reference: String)] = made.names.map { (saved + "/\($0)-\($0).csv", made.folder.path("\($0).csv")) }
        for sheet in ["occupancy", "ewt", "missed", "calls-missed"] {
            pairs.append((saved + "/report-\(sheet).csv", made.nightly + "/\(sheet).csv"))
        }
        let workbooks = made.names.map { made.folder.path("\($0).xlsx") } + [made.nightly + "/report.xlsx"]
        // Filter options: comma, quote, UTF-8, from line 1, ..., cells as shown (token 9), every
        // sheet to its own NAME-SHEET.csv (token 12, -1). A profile of its own: another
        // LibreOffice running would take the conversion over.
        let result = try CallStatsBinary(url: URL(fileURLWithPath: soffice)).run([
            "-env:UserInstallation=file://" + made.folder.path("lo-profile"), "--headless",
            "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,false,false,-1",
            "--outdir", saved,
        ] + workbooks)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        for pair in pairs {
            #expect(FileManager.default.fileExists(atPath: pair.saved), "LibreOffice saved no \(pair.saved): \(result.stdout)\(result.stderr)")
            let check = try CallStatsBinary(url: URL(fileURLWithPath: try RequiredTool.python3.require())).run([Self.checker, "libreoffice", pair.saved, pair.reference])
            #expect(check.status == 0, "\(pair.saved): \(check.stdout)\(check.stderr)")
        }
    }
}

extension RequiredTool {
    /// Runs Tests/Tools/check_xlsx.py on LibreOffice's CSV files.
    static let python3 = RequiredTool("python3", install: "apt-get install -y python3")
}
