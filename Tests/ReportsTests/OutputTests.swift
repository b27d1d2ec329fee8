import Foundation
@testable import Reports
import Storage
import Testing

/// The rendered bytes: CSV, HTML, JSON and the terminal table, against committed snapshots,
/// and the hostile strings of the golden day made harmless.
@Suite("Report outputs")
struct OutputTests {
    static func csv(_ kind: ReportKind, interval: ReportInterval = .minutes(60)) throws -> String {
        let fixture = try GoldenScenario.build()
        let reader = try fixture.reader()
        var text = ""
        try reader.read {
            let queries = try ReportQueries(database: reader, parameters: try GoldenScenario.parameters(interval: interval))
            text = CSV.header(queries.columns(of: kind))
            try queries.run(kind) { text += CSV.line($0) }
        }
        return text
    }

    static func nightly() throws -> NightlyReport {
        let fixture = try GoldenScenario.build()
        return try NightlyReport.build(database: try fixture.reader(), day: GoldenScenario.day, parameters: try GoldenScenario.parameters())
    }

    @Test("CSV of each report matches its snapshot byte for byte", arguments: ReportKind.allCases)
    func csvSnapshots(kind: ReportKind) throws {
        let text = try Self.csv(kind)
        if let difference = try Snapshot.compare(text, named: "golden-\(kind.rawValue).csv") {
            Issue.record(Comment(rawValue: difference))
        }
    }

    @Test("the CSV header is the public contract")
    func headers() throws {
        #expect(try Self.csv(.occupancy).hasPrefix("period_start,period_end,agent_id,agent_number,agent_name,logged_in_s,available_s,acd_call_s,wrapup_s,nonacd_call_s,paused_s,acd_calls,occupancy_pct,utilization_pct,coverage_pct\r\n"))
        #expect(try Self.csv(.ewt).hasPrefix("period_start,period_end,queue_id,queue_name,ewt_avg_s,ewt_max_s,waiting_calls_avg,waiting_calls_max,longest_wait_max_s,logged_agents_avg,available_agents_avg,talking_agents_avg,coverage_pct\r\n"))
        #expect(try Self.csv(.missed).hasPrefix("period_start,period_end,target_kind,target_id,target_name,offered,answered,missed,missed_pct,missed_short,avg_wait_answered_s,avg_wait_missed_s,max_wait_missed_s,service_level_pct,called_back,coverage_pct\r\n"))
        #expect(try Self.csv(.callsMissed).hasPrefix("time,target_kind,target_id,target_name,caller_number,caller_name,wait_s,called_back_at\r\n"))
    }

    @Test("CSV rows: exact figures, empty cells for zero denominators, defused formulas, CRLF")
    func csvRows() throws {
        let occupancy = try Self.csv(.occupancy).components(separatedBy: "\r\n")
        // Agent 3, paused all the time it was logged in: occupancy empty, utilization 0.
        #expect(occupancy[1] == "2026-03-29T00:00:00+01:00,2026-03-29T01:00:00+01:00,3,1003,Paul Pause,600,0,0,0,0,600,0,,0,100")
        #expect(occupancy[3] == "2026-03-29T01:00:00+01:00,2026-03-29T03:00:00+02:00,7,1007,Alice Martin,3600,1200,600,300,900,600,0,60,50,100")
        #expect(occupancy[5] == "2026-03-29T03:00:00+02:00,2026-03-29T04:00:00+02:00,12,1012,<script>alert(1)</script>,999.877,600,0,0,399.877,0,0,39.993,39.993,50")
        let missed = try Self.csv(.missed).components(separatedBy: "\r\n")
        #expect(missed[2] == "2026-03-29T00:00:00+01:00,2026-03-29T01:00:00+01:00,queue,2,\"'=HYPERLINK(\"\"http://x\"\")\",1,0,1,100,1,,2,2,,0,100")
        let calls = try Self.csv(.callsMissed).components(separatedBy: "\r\n")
        #expect(calls[1] == "2026-03-29T00:03:20+01:00,queue,1,Sales,'+33 6 22 22 22 22,Bob,3,2026-03-29T01:23:20+01:00")
        // The formula is defused, the escape and NUL characters replaced.
        #expect(calls[3] == "2026-03-29T00:08:20+01:00,queue,2,\"'=HYPERLINK(\"\"http://x\"\")\",'=cmd|' /C calc'!A0,\u{FFFD}[31mred\u{FFFD},2,")
        #expect(calls[4] == "2026-03-29T01:40:01+01:00,user,42,\(GoldenScenario.oddUser),2001,Front\u{FFFD}desk,15,2026-03-29T01:50:00+01:00")
        #expect(calls.last == "")
        let text = try Self.csv(.callsMissed)
        #expect(!text.unicodeScalars.contains { $0.value < 0x20 && $0 != "\r" && $0 != "\n" })
    }

    @Test("the day as one period: the totals a supervisor recomputes")
    func totalCSV() throws {
        let text = try Self.csv(.occupancy, interval: .total)
        if let difference = try Snapshot.compare(text, named: "golden-occupancy-total.csv") {
            Issue.record(Comment(rawValue: difference))
        }
        #expect(text.contains(",7,1007,Alice Martin,12600,6300,3500,1300,900,600,2,47.5,45.238,15.217\r\n"))
    }

    @Test("the nightly page matches its snapshot, and is harmless")
    func nightlyPage() throws {
        let report = try Self.nightly()
        let page = try report.page()
        if let difference = try Snapshot.compare(page, named: "golden-nightly.html") {
            Issue.record(Comment(rawValue: difference))
        }
        #expect(!page.contains("<script"))
        #expect(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(page.contains("=HYPERLINK(&quot;http://x&quot;)"))
        #expect(!page.unicodeScalars.contains { ($0.value < 0x20 && $0 != "\n") || (0x7F...0x9F).contains($0.value) })
        #expect(!page.contains("src=") && !page.contains("href=\"http") && !page.contains("<link"))
        #expect(!page.contains("@import") && !page.contains("url("))
        // Headline: the day's queue visits (see missedHourly), users' calls apart.
        let headline = report.headline
        #expect(headline.offered == 7)          // queue 1: 4 + 1 + 1, queue 2: 1
        #expect(headline.answered == 3)
        #expect(headline.missed == 3)
        // Service level: answered within 20 s (1) / (7 - 2 short misses) = 20 %.
        #expect(headline.serviceLevelPercent == 20)
        // Pooled occupancy: busy 5700 (Alice) + 399.877 (agent 12) + 0 / available time
        // (12000 + 999.877 + 0) = 6099.877 / 12999.877 = 46.923 %.
        #expect(headline.occupancyPercent.map(NumberFormat.decimal) == "46.923")
        #expect(headline.directOffered == 2 && headline.directMissed == 1)
        #expect(page.contains("03:30:00 – 04:00:00"))     // the gap
        #expect(page.contains("2026-03-29 05:00:00 – 2026-03-30 00:00:00"))     // nothing after the live session's last event
    }

    @Test("the page's day totals, composed from the hours, equal the report for the whole day")
    func composedTotals() throws {
        let report = try Self.nightly()
        let fixture = try GoldenScenario.build()
        let reader = try fixture.reader()
        var occupancy: [OccupancyRow] = [], ewt: [EWTRow] = [], missed: [MissedRow] = []
        try reader.read {
            let queries = try ReportQueries(database: reader, parameters: try GoldenScenario.parameters(interval: .day))
            try queries.occupancy { occupancy.append($0) }
            try queries.ewt { ewt.append($0) }
            try queries.missed { missed.append($0) }
        }
        #expect(report.occupancyTotal == occupancy)
        #expect(report.missedTotal == missed)
        let calendar = report.parameters.calendar
        #expect(report.ewtTotal.map { $0.cells(calendar) } == ewt.map { $0.cells(calendar) })
    }

    @Test("nightly writes the same bytes twice, atomically, into DIR/YYYY-MM-DD/")
    func nightlyFiles() throws {
        let report = try Self.nightly()
        let fixture = try Fixture()
        let out = fixture.folder.path("out")
        let folder = try report.write(into: out)
        #expect(folder.hasSuffix("/2026-03-29"))
        let names = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
        #expect(names == (NightlyReport.fileNames + [NightlyReport.workbookName]).sorted())
        var first: [String: Data] = [:]
        for name in names { first[name] = try Data(contentsOf: URL(fileURLWithPath: folder + "/" + name)) }
        try Self.nightly().write(into: out)
        for name in names {
            #expect(try Data(contentsOf: URL(fileURLWithPath: folder + "/" + name)) == first[name])
        }
        // The CSV files are the hourly reports.
        #expect(String(decoding: first["missed.csv"] ?? Data(), as: UTF8.self) == (try Self.csv(.missed)))
    }

    @Test("--output: the file appears whole on commit, and not at all without it")
    func atomicOutput() throws {
        let fixture = try Fixture()
        let path = fixture.folder.path("report.csv")
        do {
            let abandoned = try AtomicFileOutput(path: path)
            try abandoned.write("half a report")
        }
        #expect(!FileManager.default.fileExists(atPath: path))
        let file = try AtomicFileOutput(path: path)
        try file.write(String(repeating: "x", count: 200_000))
        #expect(!FileManager.default.fileExists(atPath: path))
        try file.commit()
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)).count == 200_000)
        #expect(try FileManager.default.contentsOfDirectory(atPath: fixture.folder.url.path).filter { $0.hasSuffix(".tmp") }.isEmpty)
    }

    @Test("JSON and the terminal table carry no control character and escape the rest")
    func jsonAndTable() throws {
        let fixture = try GoldenScenario.build()
        let reader = try fixture.reader()
        var table = ReportTable(columns: MissedCallRow.columns)
        try reader.read {
            let queries = try ReportQueries(database: reader, parameters: try GoldenScenario.parameters())
            try queries.run(.callsMissed) { table.rows.append($0) }
        }
        let json = JSONText.render(table)
        #expect(json.contains("\"caller_name\":\"\\u001b[31mred\\u0000\""))
        #expect(json.contains("\"called_back_at\":null"))
        #expect(json.contains("\"wait_s\":3,"))
        let terminal = TextTable.render(table)
        #expect(!terminal.unicodeScalars.contains { ($0.value < 0x20 && $0 != "\n") || (0x7F...0x9F).contains($0.value) })
        #expect(terminal.contains("\u{FFFD}[31mred\u{FFFD}"))
    }

    @Test("the terminal table aligns by terminal columns: CJK characters and emoji take two, accents one")
    func wideCharacters() {
        var table = ReportTable(columns: ["name", "calls"])
        table.rows = [
            [.text("王小明"), .number("3")],
            [.text("Zoë"), .number("12")],
            [.text("テスト☎️"), .number("7")],
            [.text("ｱｲ\u{200B}"), .number("1")],
        ]
        #expect(TextTable.render(table) == """
            name      calls
            --------  -----
            王小明        3
            Zoë          12
            テスト☎️      7
            ｱｲ\u{200B}            1

            """)
    }

    @Test("terminal width: East Asian wide and fullwidth 2, emoji pictures 2, combining marks and format characters 0, the rest 1")
    func terminalWidth() {
        let cases: [(String, Int)] = [
            ("Anne", 4), ("Zoë", 3), ("Zoe\u{0308}", 3), ("Ελένη", 5), ("Олег", 4),
            ("陈", 2), ("王小明", 6), ("さくら", 6), ("カタカナ", 8), ("김민준", 6), ("Ｆｕｌｌ", 8), ("ｱｲ", 2),
            ("𠀋", 2), ("㐀", 2), ("、。", 4), ("「」", 4),
            ("😀", 2), ("👩‍💻", 2), ("👍🏽", 2), ("🇫🇷", 2), ("☎️", 2), ("☎", 1), ("⌚", 2), ("⌚\u{FE0E}", 1), ("1\u{FE0F}\u{20E3}", 2),
            ("\u{0301}", 0), ("\u{20DD}", 0), ("\u{200B}", 0), ("a\u{200B}b", 2),
            ("\u{4DC0}", 1), ("\u{3248}", 1), ("±", 1), ("→", 1),
        ]
        for (text, width) in cases {
            #expect(TerminalWidth.of(text) == width, "\(text.unicodeScalars.map { String($0.value, radix: 16) })")
        }
    }

    @Test("callstats agents: CJK and emoji names line up with ASCII names, in colour too")
    func agentNamesLineUp() throws {
        let t0 = 1_793_606_400.0
        let f = try Fixture()
        try f.session(1, start: t0, end: t0 + 3600)
        for (id, first, last) in [("1", "Anne", "Lee"), ("2", "陈", "小明"), ("3", "Zoë", "😀 Fox"), ("4", "ｱｲ", "👩‍💻")] {
            try f.agent(id, number: "200" + id, first: first, last: last)
            try f.interval(id, "available", t0, t0 + 3600, session: 1)
        }
        let reader = try f.reader()
        let listing = try reader.read {
            let queries = try NowQueries(database: reader, asOf: AsOf(time: t0 + 1800, source: .latestEvent),
                                         calendar: ReportCalendar(timeZone: TimeZone(identifier: "UTC") ?? .current))
            return NowListing.agents(try queries.agents(), queries: queries)
        }
        for color in [false, true] {
            let lines = listing.table(color: color).split(separator: "\n").map { Self.withoutColour(String($0)) }
            let header = try #require(lines.first)
            let columns = ["state", "since", "queues"].compactMap { name in header.range(of: name).map { TerminalWidth.of(String(header[..<$0.lowerBound])) } }
            #expect(columns.count == 3)
            let rows = lines.dropFirst(2).prefix(4)
            #expect(rows.count == 4)
            for row in rows {
                // Each row's state starts in the header's "state" column, by display width.
                let state = try #require(row.range(of: "available"))
                #expect(TerminalWidth.of(String(row[..<state.lowerBound])) == columns[0], "\(row)")
            }
            // And every row is as wide as the others, up to its last column.
            #expect(Set(rows.map { TerminalWidth.of($0) }).count == 1, "\(rows)")
        }
    }

    static func withoutColour(_ line: String) -> String {
        var result = ""
        var inEscape = false
        for scalar in line.unicodeScalars {
            if inEscape {
                if scalar == "m" { inEscape = false }
            } else if scalar == "\u{1B}" {
                inEscape = true
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    @Test("the single-report page escapes every server string")
    func reportPage() throws {
        let fixture = try GoldenScenario.build()
        let reader = try fixture.reader()
        var page = ""
        try reader.read {
            let queries = try ReportQueries(database: reader, parameters: try GoldenScenario.parameters())
            var table = ReportTable(columns: queries.columns(of: .occupancy))
            try queries.run(.occupancy) { table.rows.append($0) }
            page = try ReportPage.render(kind: .occupancy, parameters: queries.parameters, coverage: queries.coverage, table: table)
        }
        #expect(!page.contains("<script"))
        #expect(page.contains("<td>&lt;script&gt;alert(1)&lt;/script&gt;</td>"))
    }
}

@Suite("Formatting and templates")
struct FormattingTests {
    @Test("numbers: at most 3 decimals, no trailing zeros, no -0")
    func numbers() {
        #expect(NumberFormat.decimal(3600) == "3600")
        #expect(NumberFormat.decimal(12.5) == "12.5")
        #expect(NumberFormat.decimal(1.2345) == "1.235")
        #expect(NumberFormat.decimal(100.0 / 3) == "33.333")
        #expect(NumberFormat.decimal(-0.0001) == "0")
        #expect(NumberFormat.decimal(0.0005) == "0.001")
        #expect(NumberFormat.decimal(.nan) == "")
        #expect(NumberFormat.cell(nil) == .empty)
        #expect(NumberFormat.percent(1, of: 0) == nil)
    }

    @Test("CSV quoting and formula defusing")
    func csvFields() {
        #expect(CSV.field(.text("plain")) == "plain")
        #expect(CSV.field(.text("a,b")) == "\"a,b\"")
        #expect(CSV.field(.text("say \"hi\"")) == "\"say \"\"hi\"\"\"")
        #expect(CSV.field(.text("two\nlines")) == "\"two\nlines\"")
        for lead in ["=", "+", "-", "@", "\t", "\r"] {
            #expect(CSV.field(.text(lead + "1")).hasPrefix(lead == "\r" ? "\"'" : "'"))
        }
        #expect(CSV.field(.number("-1")) == "-1")
        #expect(CSV.field(.text("\u{0}\u{1B}\u{9B}x")) == "\u{FFFD}\u{FFFD}\u{FFFD}x")
    }

    @Test("HTML escaping and the template's placeholders")
    func templates() throws {
        #expect(HTML.escape("<a href='x'>&\"</a>") == "&lt;a href=&#39;x&#39;&gt;&amp;&quot;&lt;/a&gt;")
        #expect(HTML.escape("\u{1B}\u{FFFF}ok") == "\u{FFFD}\u{FFFD}ok")
        let template = try HTMLTemplate(name: "t.html", text: "<p>{{ greeting }}</p>{{name}}")
        #expect(template.placeholders == ["greeting", "name"])
        #expect(try template.render(["greeting": .text("<b>"), "name": .text("x")]) == "<p>&lt;b&gt;</p>x")
        #expect(throws: ReportError.self) { try template.render(["greeting": .text("")]) }
        #expect(throws: ReportError.self) { try HTMLTemplate(name: "t.html", text: "{{oops") }
        #expect(throws: ReportError.self) { try HTMLTemplate(name: "t.html", text: "{{Bad Name}}") }
    }

    @Test("the embedded templates use only the placeholders the code fills")
    func embeddedAssets() throws {
        let nightly = try ReportAssets.template("nightly.html")
        #expect(Set(nightly.placeholders).isSubset(of: [
            "title", "style", "heading", "subtitle", "headline", "coverage", "occupancy_chart", "occupancy_table",
            "ewt_charts", "ewt_table", "missed_chart", "missed_table", "calls_missed_table", "sl_threshold",
            "short_abandon", "callback_window", "time_zone", "pauses_table",
        ]))
        #expect(!nightly.placeholders.isEmpty)
        _ = try ReportAssets.stylesheet()
        _ = try ReportAssets.template("report.html")
    }
}
