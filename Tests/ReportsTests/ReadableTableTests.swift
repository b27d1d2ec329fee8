import Foundation
@testable import Reports
import Testing

/// `--format table` for a person: readable headers, h:mm:ss, one-decimal percentages, and an
/// 80-column terminal never overflowed; the HTML tables use the same words.
@Suite("Readable report tables")
struct ReadableTableTests {
    static func table(_ kind: ReportKind, interval: ReportInterval = .minutes(60)) throws -> ReportTable {
        let fixture = try GoldenScenario.build()
        let reader = try fixture.reader()
        var table = ReportTable(columns: [])
        try reader.read {
            let queries = try ReportQueries(database: reader, parameters: try GoldenScenario.parameters(interval: interval))
            table = ReportTable(columns: queries.columns(of: kind))
            try queries.run(kind) { table.rows.append($0) }
        }
        return table
    }

    static func rendered(_ kind: ReportKind, width: Int, interval: ReportInterval = .minutes(60)) throws -> String {
        let readable = ReadableTable.make(try table(kind, interval: interval))
        return TextTable.render(readable.table, width: width, keyColumns: readable.keyColumns)
    }

    /// The header lines of a rendered table: the line before each rule of dashes.
    static func headerLines(_ text: String) -> [String] {
        let lines = text.components(separatedBy: "\n")
        return lines.indices.dropFirst().filter { lines[$0].hasPrefix("---") }.map { lines[$0 - 1] }
    }

    /// XiVO's figures come from an imported queue_log, which this CTI fixture has none of
    /// (QueueLogTests' XiVO scenarios print them).
    static let ctiKinds = ReportKind.allCases.filter { $0 != .xivoQueues && $0 != .xivoAgents }

    @Test("each report at width 80: every line fits, headers are words, figures are readable", arguments: ctiKinds)
    func width80(kind: ReportKind) throws {
        let text = try Self.rendered(kind, width: 80)
        for line in text.split(separator: "\n") {
            #expect(TerminalWidth.of(String(line)) <= 80, "\(kind): \(line)")
        }
        let headers = Self.headerLines(text)
        #expect(!headers.isEmpty)
        for header in headers {
            #expect(!header.contains("_"), "\(kind): a CSV column name in \(header)")
        }
        // Every CSV column but the period's two (shown as one) has its readable header printed.
        let words = Set(headers.flatMap { $0.components(separatedBy: "  ").map { $0.trimmingCharacters(in: .whitespaces) } })
        for column in try Self.table(kind).columns where column != "period_start" && column != "period_end" {
            #expect(words.contains(ColumnLabels.label(column).header), "\(kind): \(column)")
        }
        // Durations as h:mm:ss, never raw seconds with decimals.
        #expect(text.contains(try Regex(#"\b\d+:\d\d:\d\d\b"#)), "\(kind)")
        switch kind {
        case .occupancy:
            #expect(headers.first?.hasPrefix("Period       Agent  Number  Name") == true, "\(headers)")
            for word in ["Logged in", "ACD calls", "Occupancy %", "Wrap-up"] { #expect(words.contains(word)) }
            // Alice Martin, 01:00–03:00 (the DST hour): 3600 s logged in, 60 % occupancy.
            let alice = text.split(separator: "\n").filter { $0.contains("01:00–03:00") && $0.contains("Alice Martin") }
            #expect(alice.first?.contains("1:00:00") == true, "\(alice)")
            #expect(alice.contains { $0.contains(" 60.0") } && alice.contains { $0.contains(" 50.0") }, "\(alice)")
            #expect(!text.contains("999.877"))
            #expect(text.contains("0:16:40"))     // agent 12's 999.877 s
        case .ewt:
            #expect(words.contains("EWT avg") && words.contains("Agents logged in"))
        case .missed:
            #expect(words.contains("Service level %") && words.contains("Avg wait missed"))
        case .callsMissed:
            #expect(headers.first?.hasPrefix("Time") == true)
            // The wall clock of the report's zone, to the second; the wait as h:mm:ss.
            #expect(text.contains("00:03:20  queue"), "\(text)")
            #expect(text.contains("0:00:03"))
        case .pauses:
            #expect(words.contains("Reason") && words.contains("Pauses") && words.contains("Paused"))
        case .xivoQueues, .xivoAgents:
            Issue.record("\(kind) is not in ctiKinds")
        }
    }

    @Test("the readable cells: h:mm:ss, one decimal, the period as one column, empty stays empty")
    func cells() throws {
        let readable = ReadableTable.make(try Self.table(.occupancy))
        #expect(readable.keyColumns == 4)
        #expect(readable.table.columns == [
            "Period", "Agent", "Number", "Name", "Logged in", "Available", "ACD call", "Wrap-up", "Non-ACD call", "Paused",
            "ACD calls", "Occupancy %", "Utilization %", "Coverage %",
        ])
        // Agent 3, paused all the time: occupancy empty, utilization 0.
        #expect(readable.table.rows[0] == [
            .time("00:00–01:00"), .text("3"), .text("1003"), .text("Paul Pause"), .number("0:10:00"), .number("0:00:00"),
            .number("0:00:00"), .number("0:00:00"), .number("0:00:00"), .number("0:10:00"), .number("0"), .empty,
            .number("0.0"), .number("100.0"),
        ])
        #expect(ReadableTable.clock(86_400 + 59.5) == "24:01:00")
        #expect(ReadableTable.clock(0.4) == "0:00:00")
        #expect(ReadableTable.oneDecimal(39.993) == "40.0")
        #expect(ReadableTable.oneDecimal(100.0 / 3) == "33.3")
        // The whole day as one period ends at the next midnight: 24:00.
        let total = ReadableTable.make(try Self.table(.occupancy, interval: .total))
        #expect(total.table.rows.first?.first == .time("00:00–24:00"))
        // A range over several days shows dates.
        let days = ReportTable(columns: ["period_start", "period_end", "agent_id"], rows: [
            [.time("2026-03-29T00:00:00+01:00"), .time("2026-03-30T00:00:00+02:00"), .text("1")],
            [.time("2026-03-30T00:00:00+02:00"), .time("2026-03-31T00:00:00+02:00"), .text("1")],
        ])
        #expect(ReadableTable.make(days).table.rows.map(\.first) == [.time("2026-03-29 00:00–24:00"), .time("2026-03-30 00:00–24:00")])
        #expect(ReadableTable.isNextDay("2027-01-01", after: "2026-12-31"))
        #expect(ReadableTable.isNextDay("2028-02-29", after: "2028-02-28"))
        #expect(!ReadableTable.isNextDay("2026-02-01", after: "2026-01-28"))
    }

    @Test("a narrow terminal: groups of columns under the key columns, every row in each group, nothing lost")
    func wrapNarrow() throws {
        let width = 50
        let readable = ReadableTable.make(try Self.table(.missed))
        let text = TextTable.render(readable.table, width: width, keyColumns: readable.keyColumns)
        let lines = text.components(separatedBy: "\n")
        for line in lines {
            #expect(TerminalWidth.of(line) <= width, "\(line)")
        }
        let groups = text.components(separatedBy: "\n\n")
        #expect(groups.count > 2, "\(text)")
        var seen: [String] = []
        for group in groups {
            let groupLines = group.split(separator: "\n", omittingEmptySubsequences: false).map(String.init).filter { !$0.isEmpty }
            // A header, a rule and one line per row.
            #expect(groupLines.count == 2 + readable.table.rows.count)
            let header = try #require(groupLines.first)
            #expect(header.hasPrefix("Period       Kind   ID  Name"), "\(header)")
            seen += header.components(separatedBy: "  ").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.dropFirst(4)
            // Each row of a group starts with its keys, as in the first group.
            for (row, line) in groupLines.dropFirst(2).enumerated() {
                let period = try #require(readable.table.rows[row].first?.plainText)
                #expect(line.hasPrefix(period), "\(line)")
            }
        }
        // Every other column appears exactly once, in order.
        #expect(seen == Array(readable.table.columns.dropFirst(readable.keyColumns)))
    }

    @Test("wrapping shortens overlong names with … so the figures stay on screen; a table that fits is left whole")
    func longNames() {
        let long = String(repeating: "Very long name ", count: 20)
        var table = ReportTable(columns: ["Agent", "Name", "Logged in", "Paused"])
        table.rows = [[.text("1"), .text(long), .number("1:00:00"), .number("0:00:00")], [.text("2"), .text("王小明"), .number("0:10:00"), .number("0:00:00")]]
        let text = TextTable.render(table, width: 60, keyColumns: 2)
        for line in text.split(separator: "\n") { #expect(TerminalWidth.of(String(line)) <= 60, "\(line)") }
        #expect(text.contains("Very long name Very lon…  "), "\(text)")
        #expect(text.contains("王小明"))
        #expect(TextTable.fit("王小明王小明", width: 6) == "王小…")
        #expect(TextTable.render(table) == TextTable.render(table, width: .max, keyColumns: 2))
        #expect(TextTable.render(table).contains(long))
    }

    @Test("colours in a wrapped table: each row keeps its colour in every group, and the layout is the plain one")
    func colouredWrap() {
        var table = ReportTable(columns: ["id", "name", "a", "b", "c"])
        table.rows = [[.text("1"), .text("Ann"), .number("1"), .number("2"), .number("3")], [.text("2"), .text("Bob"), .number("4"), .number("5"), .number("6")]]
        let wide = String(repeating: "x", count: 30)
        table = ReportTable(columns: table.columns.map { $0 == "a" || $0 == "b" || $0 == "c" ? $0 + wide : $0 }, rows: table.rows)
        let plain = TerminalTable.render(table, rowStyles: [.green, nil], color: false, width: 45, keyColumns: 2)
        let coloured = TerminalTable.render(table, rowStyles: [.green, nil], color: true, width: 45, keyColumns: 2)
        #expect(coloured.replacing(/\x{1B}\[[0-9]+m/, with: "") == plain)
        #expect(plain.components(separatedBy: "\n\n").count == 3, "\(plain)")
        #expect(coloured.components(separatedBy: "\u{1B}[32m1 ").count == 4, "\(coloured)")
    }

    @Test("HTML: the report page's headers are the table's words (with (s) above seconds), its values the CSV's")
    func htmlHeaders() throws {
        let fixture = try GoldenScenario.build()
        let reader = try fixture.reader()
        for kind in ReportKind.allCases {
            var page = ""
            var csvCells: [Cell] = []
            try reader.read {
                let queries = try ReportQueries(database: reader, parameters: try GoldenScenario.parameters())
                var table = ReportTable(columns: queries.columns(of: kind))
                try queries.run(kind) { table.rows.append($0) }
                csvCells = table.rows.flatMap { $0 }
                page = try ReportPage.render(kind: kind, parameters: queries.parameters, coverage: queries.coverage, table: table)
            }
            let headers = page.matches(of: /<th scope="col">([^<]*)<\/th>/).map { String($0.output.1) }
            #expect(headers == (try Self.table(kind)).columns.map { HTML.escape(ColumnLabels.htmlHeader($0)) }, "\(kind)")
            #expect(!headers.contains { $0.contains("_") }, "\(kind): \(headers)")
            // Values unchanged: every number cell is the CSV's.
            for case .number(let value) in csvCells {
                #expect(page.contains("<td class=\"num\">\(value)</td>"), "\(kind): \(value)")
            }
        }
        let nightly = try NightlyReport.build(database: try fixture.reader(), day: GoldenScenario.day, parameters: try GoldenScenario.parameters()).page()
        let headers = nightly.matches(of: /<th scope="col">([^<]*)<\/th>/).map { String($0.output.1) }
        #expect(!headers.contains { $0.contains("_") }, "\(headers)")
        // The day's durations are h:mm:ss there: "Logged in" with no "(s)"; averages stay seconds.
        for header in ["Logged in", "ACD calls", "Occupancy %", "Avg wait answered (s)", "EWT avg (s)", "Wait (s)", "Called back at"] {
            #expect(headers.contains(header), "\(header) in \(headers)")
        }
        #expect(nightly.contains("<td class=\"num\">3:30:00</td>"), "Alice's logged-in 12600 s, as before")
    }
}
