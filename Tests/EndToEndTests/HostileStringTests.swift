import CallStatsTestSupport
import Foundation
import Storage
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Server-supplied strings with HTML, spreadsheet formulas, terminal escapes, NUL, C1 controls,
/// 100 kB values, lone surrogates and invalid UTF-8, sent by a CTI server over TCP, recorded by
/// the real collector, then through every report kind in every format with the real binary.
///
/// The lines are a real simulated day (the simulator, collected over TCP) whose names and
/// numbers are replaced by hostile ones, served again by a scripted server. So every string
/// takes the whole path: framing, JSON decoding, the recorder, SQLite, the report queries and
/// the renderers. (OutputTests checks the renderers alone on a hand-built database.)
@Suite("Hostile server strings through every report", .serialized)
struct HostileStringTests {
    /// A string as the server sends it (the inside of a JSON string literal, ASCII only like
    /// xivo-ctid's `ensure_ascii` output) and what it decodes to.
    struct Hostile {
        let wire: String
        let decoded: String

        init(_ text: String) {
            wire = Self.escape(text)
            decoded = text
        }

        /// With a lone UTF-16 surrogate escape (which Python's json emits for broken input),
        /// decoded as U+FFFD.
        init(_ before: String, loneSurrogate: String, _ after: String) {
            wire = Self.escape(before) + loneSurrogate + Self.escape(after)
            decoded = before + "\u{FFFD}" + after
        }

        static func + (lhs: Hostile, rhs: String) -> Hostile {
            Hostile(wire: lhs.wire + escape(rhs), decoded: lhs.decoded + rhs)
        }

        private init(wire: String, decoded: String) {
            self.wire = wire
            self.decoded = decoded
        }

        static func escape(_ text: String) -> String {
            var out = ""
            for unit in text.utf16 {
                switch unit {
                case 0x22: out += "\\\""
                case 0x5C: out += "\\\\"
                case 0x20..<0x7F: out.unicodeScalars.append(Unicode.Scalar(UInt8(unit)))
                default:
                    let hex = String(unit, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                }
            }
            return out
        }
    }

    /// Agents' first and last names (and users' full names): each first name starts with a
    /// character a spreadsheet would take for a formula.
    static let firstNames: [Hostile] = [
        Hostile("=cmd|' /C calc'!A0 <script>alert('first')</script>"),
        Hostile("+SUM(1,2) <img src=x onerror=alert(1)>"),
        Hostile("-2+3 </td></tr><tr><td>injected"),
        Hostile("@SUM(A1:A9) <b>bold</b> &amp; &lt;"),
        Hostile("\tTAB <i>italic</i>"),
        Hostile("\rCR <a href=\"javascript:alert(1)\">x</a>"),
    ]
    static let lastNames: [Hostile] = [
        Hostile("\u{1B}[2J\u{1B}]0;pwned\u{07} & \"quoted\" 'single' \u{0}NUL"),
        Hostile("\u{9B}31m C1 CSI \u{85}NEL \u{7F}DEL \u{8}BS"),
        Hostile("tab\tinside\rcr\nlf \u{2028}ls \u{2029}ps"),
        Hostile("lone ", loneSurrogate: "\\udc00", " low, ") + "é漢😀 \u{202E}rtl",
        Hostile("long " + String(repeating: "<&>\"'x", count: 100_000 / 6)),
        Hostile("nonchars " + nonCharacters + " ", loneSurrogate: "\\ud800", " high"),
    ]
    /// U+FFFE and U+FDD0, which a Swift string literal refuses to spell.
    static let nonCharacters = String(String.UnicodeScalarView([0xFFFE, 0xFDD0].compactMap(Unicode.Scalar.init(_:) as (UInt32) -> Unicode.Scalar?)))
    static let queueNames: [Hostile] = [
        Hostile("=HYPERLINK(\"http://evil.example\",\"click\") <script>q()</script>"),
        Hostile("+queue\u{1B}[31m red \u{0} </svg><script>x</script>"),
        Hostile("-queue \u{9B}2J " + String(repeating: "<q>", count: 34_000)),
    ]
    /// Prefixes for numbers (phones, agents, callers): formula starts and controls.
    static let numberPrefixes = ["=", "+", "-", "@", "\t", "\r", "\u{1B}[1m", "<b>"]
    static let callerNames: [Hostile] = [
        Hostile("=1+1 caller <script>c</script>"),
        Hostile("@caller \u{1B}]8;;http://evil\u{7}link\u{1B}]8;;\u{7}"),
        Hostile("-caller \u{0}\u{1}\u{2} <!-- comment"),
        Hostile("+caller ", loneSurrogate: "\\udfff", " <style>"),
    ]

    /// Replaces names and numbers in the lines of a simulated day; adds lines with invalid
    /// UTF-8, which the collector must journal as malformed.
    struct Rewriter {
        var agents: [String: Int] = [:]
        var users: [String: Int] = [:]
        var queues: [String: Int] = [:]
        var numbers: [String: String] = [:]
        var callerNames: [String: Hostile] = [:]
        var malformedAdded = 0

        mutating func rewrite(_ line: String) -> [[UInt8]] {
            var out = line
            if line.contains("\"function\":\"updateconfig\"") {
                if line.contains("\"listname\":\"agents\""), let i = Self.index(of: line, in: &agents) {
                    out = replace("firstname", in: out) { _ in HostileStringTests.firstNames[i % 6].wire }
                    out = replace("lastname", in: out) { _ in HostileStringTests.lastNames[i % 6].wire }
                    out = replace("number", in: out) { number($0).wire }
                    if i == 0 {
                        // The same agent renamed with bytes that are not UTF-8 (a lone
                        // continuation byte, an overlong '/', an encoded surrogate): each line
                        // must be journaled as malformed and change nothing.
                        let parts = replace("firstname", in: line) { _ in "\u{1}" }.split(separator: "\u{1}", omittingEmptySubsequences: false)
                        let bad: [[UInt8]] = [[0x80], [0xC0, 0xAF], [0xED, 0xA0, 0x80]]
                        malformedAdded += bad.count
                        return [Array(out.utf8)] + bad.map { Array(parts[0].utf8) + Array("bad".utf8) + $0 + Array(parts[1].utf8) }
                    }
                } else if line.contains("\"listname\":\"users\""), let i = Self.index(of: line, in: &users) {
                    out = replace("firstname", in: out) { _ in HostileStringTests.firstNames[i % 6].wire }
                    out = replace("lastname", in: out) { _ in HostileStringTests.lastNames[i % 6].wire }
                    out = replace("fullname", in: out) { _ in HostileStringTests.userFullName(i).wire }
                } else if line.contains("\"listname\":\"phones\"") {
                    out = replace("number", in: out) { number($0).wire }
                } else if line.contains("\"listname\":\"queues\""), let i = Self.index(of: line, in: &queues) {
                    out = replace("displayname", in: out) { _ in HostileStringTests.queueNames[i % 3].wire }
                }
            } else if line.contains("\"class\":\"queueentryupdate\"") {
                out = replace("name", in: out) { callerName($0).wire }
                out = replace("number", in: out) { number($0).wire }
            }
            return [Array(out.utf8)]
        }

        /// The object's position in the order ids were first configured.
        static func index(of line: String, in seen: inout [String: Int]) -> Int? {
            guard let tid = line.firstMatch(of: /"tid":"?([0-9]+)"?/)?.1 else { return nil }
            if let known = seen[String(tid)] { return known }
            seen[String(tid)] = seen.count
            return seen.count - 1
        }

        /// The same original number always gets the same hostile number, so call-backs and
        /// phone lookups still match.
        mutating func number(_ original: String) -> Hostile {
            if let known = numbers[original] { return Hostile(known) }
            let prefixed = HostileStringTests.numberPrefixes[numbers.count % HostileStringTests.numberPrefixes.count] + original
            numbers[original] = prefixed
            return Hostile(prefixed)
        }

        mutating func callerName(_ original: String) -> Hostile {
            if let known = callerNames[original] { return known }
            let name = HostileStringTests.callerNames[callerNames.count % HostileStringTests.callerNames.count] + " " + original
            callerNames[original] = name
            return name
        }

        /// Replaces the value of every `"key":"..."` (the value as written, escapes included).
        func replace(_ key: String, in line: String, _ value: (String) -> String) -> String {
            var result = ""
            var rest = Substring(line)
            let opening = "\"\(key)\":\""
            while let range = rest.range(of: opening) {
                result += rest[..<range.upperBound]
                rest = rest[range.upperBound...]
                var close = rest.startIndex
                while close < rest.endIndex && rest[close] != "\"" {
                    if rest[close] == "\\" { close = rest.index(after: close) }
                    if close < rest.endIndex { close = rest.index(after: close) }
                }
                result += value(String(rest[..<close]))
                rest = rest[close...]
            }
            return result + rest
        }
    }

    static func userFullName(_ i: Int) -> Hostile {
        firstNames[i % 6] + " " + lastNames[(i + 1) % 6].decoded
    }

    struct Day {
        let binary: CallStatsBinary
        let folder: TemporaryFolder
        let database: String
        let date: String
        let malformed: Int
        let lines: Int
    }

    /// A simulated day, collected; its lines rewritten and collected again from a scripted
    /// server into a second database.
    static func hostileDay() throws -> Day {
        let source = try CollectorTruthTests.collectDay(seed: 17, hours: 3, agents: 6, queues: 3)
        let binary = try CallStatsBinary.built()
        let folder = try TemporaryFolder()
        var lines: [String] = []
        var date = ""
        do {
            let database = try Database(path: source.database, mode: .readOnly)
            try JournalReader(database: database).forEachLine { line in
                lines.append(String(decoding: line.bytes, as: UTF8.self))
            }
            let start = try #require(try database.fetchDouble("SELECT min(started_at) FROM collection_session"))
            date = String(ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: start)).prefix(10))
        }
        var rewriter = Rewriter()
        let script = lines.flatMap { rewriter.rewrite($0) }
        #expect(rewriter.agents.count == 6 && rewriter.queues.count == 3 && rewriter.callerNames.count > 3,
                "the day has too few objects to carry every hostile string: \(rewriter.agents.count) agents, \(rewriter.callerNames.count) callers")

        let server = try ScriptedCTIServer(script: script)
        let passwordFile = folder.path("password")
        try Data("secret\n".utf8).write(to: URL(fileURLWithPath: passwordFile))
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: passwordFile)
        let database = folder.path("hostile.db")
        let collector = try binary.run([
            "collect", "--server", "127.0.0.1:\(server.port)", "--user", "stats", "--password-file", passwordFile,
            "--db", database, "--once", "--tls", "off", "--protocol", "1.2", "--log-level", "warning",
        ])
        #expect(collector.status == 0, "collect: \(collector.stderr)")
        try server.finish()
        return Day(binary: binary, folder: folder, database: database, date: date, malformed: rewriter.malformedAdded, lines: script.count)
    }

    @Test("every report kind in csv, html, table and json, and the nightly files: harmless, valid UTF-8, strings round-trip in JSON")
    func everyReportEveryFormat() throws {
        let day = try Self.hostileDay()
        do {
            let database = try Database(path: day.database, mode: .readWrite)
            try database.snapshotJournal()
            #expect(try database.fetchInt64("SELECT count(*) FROM journal") == Int64(day.lines), "every line was journaled")
            #expect(try database.fetchInt64("SELECT count(*) FROM journal WHERE malformed IS NOT NULL") == Int64(day.malformed),
                    "the lines with invalid UTF-8, and only they, are malformed")
            // The hostile strings are in the database exactly as decoded, NUL included.
            let names = try Self.strings(database, "SELECT firstname || ' ' || lastname FROM agent")
            for i in 0..<6 {
                #expect(names.contains(Self.firstNames[i].decoded + " " + Self.lastNames[i].decoded), "agent \(i)")
            }
        }

        for kind in ["occupancy", "ewt", "missed", "calls-missed", "pauses"] {
            var outputs: [String: [UInt8]] = [:]
            // "wide": a table as wide as its 100 kB names (COLUMNS), which the terminal table
            // otherwise shortens to fit 80 columns: every name goes through it whole.
            for format in ["csv", "html", "table", "json", "wide"] {
                // The file's extension says its format (a table is .txt), as --output wants.
                let path = day.folder.path("\(kind).\(format == "table" || format == "wide" ? format + ".txt" : format)")
                // calls-missed has one row per call: no --interval.
                let interval = kind == "calls-missed" ? [] : ["--interval", "1h"]
                var environment = ProcessInfo.processInfo.environment
                environment["COLUMNS"] = format == "wide" ? "10000000" : nil
                let result = try day.binary.run([
                    "report", kind, "--db", day.database, "--date", day.date, "--tz", "UTC",
                ] + interval + ["--format", format == "wide" ? "table" : format, "--output", path], environment: environment)
                #expect(result.status == 0, "\(kind) \(format): \(result.stderr)")
                outputs[format] = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
            }
            try Self.checkCSV(outputs["csv"] ?? [], name: kind)
            try Self.checkHTML(outputs["html"] ?? [], name: kind)
            try Self.checkTable(outputs["wide"] ?? [], name: kind)
            try Self.checkTable(outputs["table"] ?? [], name: kind, width: 80)
            try Self.checkJSON(outputs["json"] ?? [], kind: kind)
        }

        let nightly = try day.binary.run(["report", "nightly", "--db", day.database, "--date", day.date, "--tz", "UTC",
                                          "--out", day.folder.path("nightly")])
        #expect(nightly.status == 0, "nightly: \(nightly.stderr)")
        let dayFolder = URL(fileURLWithPath: day.folder.path("nightly")).appendingPathComponent(day.date)
        let files = try FileManager.default.contentsOfDirectory(atPath: dayFolder.path).sorted()
        #expect(files.filter { $0.hasSuffix(".csv") }.count == 7, "\(files)")
        for file in files {
            let bytes = Array(try Data(contentsOf: dayFolder.appendingPathComponent(file)))
            // XiVO's figures come from a queue_log, which this collected day has none of: their
            // files hold the header alone (QueueLogTests feed them hostile names).
            if file.hasPrefix("xivo-") {
                #expect(try CSVReader.parse(Self.text(bytes, name: file)).count == 1, "\(file)")
                continue
            }
            if file.hasSuffix(".csv") { try Self.checkCSV(bytes, name: "nightly \(file)") }
            if file.hasSuffix(".html") { try Self.checkHTML(bytes, name: "nightly \(file)") }
        }
    }

    @Test("every report kind and the nightly workbook as .xlsx: opens, no formula, every string text that round-trips (but what XML cannot hold), a warning counts the replaced", RequiredTool.openpyxl.trait)
    func workbooks() throws {
        let day = try Self.hostileDay()
        for kind in ["occupancy", "ewt", "missed", "calls-missed", "pauses"] {
            let interval = kind == "calls-missed" ? [] : ["--interval", "1h"]
            var warnings = ""
            for format in ["xlsx", "json"] {
                let result = try day.binary.run(["report", kind, "--db", day.database, "--date", day.date, "--tz", "UTC"]
                    + interval + ["--output", day.folder.path("\(kind).\(format)")])
                #expect(result.status == 0, "\(kind) \(format): \(result.stderr)")
                if format == "xlsx" { warnings = result.stderr }
            }
            // The names hold NUL, ESC and BEL, which XML cannot carry; every report shows a name.
            #expect(warnings.hasPrefix("warning: in the workbook, ") && warnings.contains("replaced with U+FFFD"), "\(kind): \(warnings)")
            // JSON carries the exact strings: the workbook's text must equal them.
            let check = try WorkbookTests.python([WorkbookTests.checker, "openpyxl", day.folder.path("\(kind).xlsx"), "\(kind)=\(day.folder.path("\(kind).json"))"])
            #expect(check.status == 0, "\(kind): \(check.stdout)\(check.stderr)")
        }
        let nightly = try day.binary.run(["report", "nightly", "--db", day.database, "--date", day.date, "--tz", "UTC", "--out", day.folder.path("nightly")])
        #expect(nightly.status == 0, "nightly: \(nightly.stderr)")
        let folder = day.folder.path("nightly/\(day.date)")
        // Opens, no formula, inline strings only (its rows are the reports' above, whose
        // strings round-trip; the CSV files beside it clean theirs, so they are no reference).
        let check = try WorkbookTests.python([WorkbookTests.checker, "openpyxl", folder + "/report.xlsx"])
        #expect(check.status == 0, "nightly: \(check.stdout)\(check.stderr)")
        if let soffice = RequiredTool.libreOffice.path {
            // A real spreadsheet program opens it and saves every sheet.
            let saved = try CallStatsBinary(url: URL(fileURLWithPath: soffice)).run([
                "-env:UserInstallation=file://" + day.folder.path("lo-profile"), "--headless",
                "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,false,false,-1",
                "--outdir", day.folder.path("libreoffice"), folder + "/report.xlsx",
            ])
            #expect(saved.status == 0 && FileManager.default.fileExists(atPath: day.folder.path("libreoffice/report-occupancy.csv")),
                    "\(saved.stdout)\(saved.stderr)")
        }
    }

    // MARK: Checks per format

    static let formulaStarts: Set<Unicode.Scalar> = ["=", "+", "-", "@", "\t", "\r"]

    /// Controls a terminal or a parser acts on: C0 (except the format's own), DEL and C1.
    static func isControl(_ scalar: Unicode.Scalar, allowing allowed: Set<Unicode.Scalar>) -> Bool {
        if allowed.contains(scalar) { return false }
        return scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
    }

    static func text(_ bytes: [UInt8], name: String) throws -> String {
        try #require(String(validating: bytes, as: UTF8.self), "\(name): not valid UTF-8")
    }

    /// No cell starts like a formula unless it is a plain number; no control character but
    /// the line ends and what sits inside quotes; the hostile names are there, defused.
    static func checkCSV(_ bytes: [UInt8], name: String) throws {
        let text = try text(bytes, name: name)
        let rows = try CSVReader.parse(text)
        #expect(rows.count > 1, "\(name): no rows")
        var defused = 0
        for row in rows {
            for cell in row {
                guard let first = cell.unicodeScalars.first else { continue }
                if formulaStarts.contains(first) {
                    #expect(cell.wholeMatch(of: /-[0-9]+(\.[0-9]+)?/) != nil, "\(name): formula-like cell \(cell.debugDescription.prefix(80))")
                }
                if first == "'", let second = cell.unicodeScalars.dropFirst().first, formulaStarts.contains(second) { defused += 1 }
                #expect(!cell.unicodeScalars.contains { isControl($0, allowing: ["\t", "\r", "\n"]) },
                        "\(name): control character in \(cell.debugDescription.prefix(80))")
            }
        }
        #expect(defused > 0, "\(name): no hostile cell to defuse: the test data did not reach this report")
        let controls = text.unicodeScalars.contains { isControl($0, allowing: ["\t", "\r", "\n"]) }
        #expect(!controls, "\(name): control characters")
    }

    /// Every tag is one the renderers write; the hostile markup is there, escaped.
    static func checkHTML(_ bytes: [UInt8], name: String) throws {
        let text = try text(bytes, name: name)
        let ours: Set<String> = [
            "!doctype", "html", "head", "meta", "title", "style", "body", "header", "main", "section", "footer", "nav",
            "h1", "h2", "h3", "p", "div", "span", "strong", "em", "small", "ul", "ol", "li", "dl", "dt", "dd",
            "table", "caption", "thead", "tbody", "tfoot", "tr", "th", "td", "figure", "figcaption",
            "svg", "g", "text", "tspan", "rect", "line", "polyline", "polygon", "circle", "path", "desc", "a",
        ]
        var tags: Set<String> = []
        for match in text.matches(of: /<\/?([A-Za-z][A-Za-z0-9]*|!DOCTYPE)/) {
            tags.insert(match.1.lowercased())
        }
        #expect(tags.isSubset(of: ours), "\(name): tags the renderers never write: \(tags.subtracting(ours).sorted())")
        // (Booleans first, so a failure does not print the whole page.)
        for needle in ["<script", "<img", "<b>", "<i>", "<!-- comment", "href=\"javascript"] {
            let found = text.contains(needle)
            #expect(!found, "\(name): \(needle) unescaped")
        }
        // Only the template's own comment.
        let comments = text.components(separatedBy: "<!--").count - 1
        #expect(comments <= 1, "\(name): \(comments) comments")
        let escaped = text.contains("&lt;script&gt;")
        #expect(escaped, "\(name): the hostile names did not reach this page")
        // Exactly one <style> element: the page's own stylesheet.
        let styles = text.components(separatedBy: "<style").count - 1
        #expect(styles == 1, "\(name): \(styles) style elements")
        let controls = text.unicodeScalars.contains { isControl($0, allowing: ["\t", "\r", "\n"]) }
        #expect(!controls, "\(name): control characters")
    }

    /// Nothing a terminal would act on: no ESC, CSI, NUL, BEL, CR, backspace or tab.
    /// With `width`, the table as a terminal of that width gets it: every line fits, the names
    /// shortened (so the replaced characters need not be among what is left of them).
    static func checkTable(_ bytes: [UInt8], name: String, width: Int? = nil) throws {
        let text = try text(bytes, name: name)
        let controls = text.unicodeScalars.filter { isControl($0, allowing: ["\n"]) }.map { String($0.value, radix: 16) }
        #expect(controls.isEmpty, "\(name): control characters in the table: \(Set(controls).sorted())")
        if let width {
            // Characters, not terminal columns (Reports' TerminalWidth is not linked here): a
            // line of N columns has at most N characters but the invisible ones.
            let longest = text.split(separator: "\n").map(\.count).max() ?? 0
            #expect(longest <= width, "\(name): a line of \(longest) characters in a table for \(width) columns")
        } else {
            let replaced = text.contains("\u{FFFD}")
            #expect(replaced, "\(name): the hostile names did not reach the table")
        }
        // Bidirectional overrides could reorder what the supervisor reads.
        let bidi = text.unicodeScalars.contains { (0x202A...0x202E).contains($0.value) || (0x2066...0x2069).contains($0.value) }
        #expect(!bidi, "\(name): bidirectional control in the table")
    }

    /// Parses, and carries the server's strings exactly (what the wire decoded to).
    static func checkJSON(_ bytes: [UInt8], kind: String) throws {
        _ = try text(bytes, name: kind)
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [[String: Any]], "\(kind): not an array of objects")
        #expect(!rows.isEmpty, "\(kind): no rows")
        func values(_ key: String) -> Set<String> { Set(rows.compactMap { $0[key] as? String }) }
        switch kind {
        case "occupancy":
            let names = values("agent_name")
            for i in 0..<6 {
                #expect(names.contains(firstNames[i].decoded + " " + lastNames[i].decoded), "agent \(i) name in JSON")
            }
        case "ewt":
            let names = values("queue_name")
            for queue in queueNames { #expect(names.contains(queue.decoded), "queue name in JSON") }
        case "missed":
            let names = values("target_name")
            #expect(queueNames.contains { names.contains($0.decoded) }, "queue names in JSON")
            #expect((0..<6).contains { names.contains(userFullName($0).decoded) }, "user names in JSON")
        case "pauses":
            let names = values("agent_name")
            #expect((0..<6).contains { names.contains(firstNames[$0].decoded + " " + lastNames[$0].decoded) }, "agent names in JSON")
        default:
            let callers = values("caller_name")
            #expect(callerNames.contains { hostile in callers.contains { $0.hasPrefix(hostile.decoded) } }, "caller names in JSON: \(callers.prefix(3))")
            #expect(values("caller_number").contains { numberPrefixes.contains(String($0.prefix(1))) || $0.hasPrefix("\u{1B}") || $0.hasPrefix("<b>") })
        }
    }

    static func strings(_ database: Database, _ sql: String) throws -> Set<String> {
        var result: Set<String> = []
        try database.makeStatement(sql).forEachRow { if let s = $0.string(0) { result.insert(s) } }
        return result
    }
}

/// RFC 4180, strictly: a test's own reader, so a quoting mistake in the renderer is noticed.
enum CSVReader {
    struct Malformed: Error, CustomStringConvertible { let description: String }

    static func parse(_ text: String) throws -> [[String]] {
        var rows: [[String]] = []
        var row: [String] = []
        var cell = ""
        var scalars = Array(text.unicodeScalars)[...]
        while let c = scalars.popFirst() {
            switch c {
            case "\"" where cell.isEmpty:
                while true {
                    guard let q = scalars.popFirst() else { throw Malformed(description: "unterminated quoted cell") }
                    if q == "\"" {
                        if scalars.first == "\"" { scalars.removeFirst(); cell.unicodeScalars.append("\"") } else { break }
                    } else {
                        cell.unicodeScalars.append(q)
                    }
                }
                guard scalars.first == "," || scalars.first == "\r" || scalars.first == nil else {
                    throw Malformed(description: "text after a quoted cell: \(cell.prefix(40))")
                }
            case ",":
                row.append(cell)
                cell = ""
            case "\r":
                guard scalars.popFirst() == "\n" else { throw Malformed(description: "CR without LF outside quotes") }
                row.append(cell)
                rows.append(row)
                row = []
                cell = ""
            case "\n", "\"":
                throw Malformed(description: "bare \(c == "\n" ? "LF" : "quote") in \(cell.prefix(40))")
            default:
                cell.unicodeScalars.append(c)
            }
        }
        guard cell.isEmpty && row.isEmpty else { throw Malformed(description: "last line without CRLF") }
        return rows
    }
}

/// A CTI server that plays recorded lines: each login reply when the client asks for it,
/// then everything else at once, then closes. Over real TCP on 127.0.0.1.
final class ScriptedCTIServer: @unchecked Sendable {
    let port: Int
    private let listener: Int32
    private let script: [[UInt8]]
    private let done = DispatchSemaphore(value: 0)
    private let lock = NSLock()
    private var failure: String?

    struct Failure: Error, CustomStringConvertible { let description: String }

    init(script: [[UInt8]]) throws {
        self.script = script
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw Failure(description: "socket: \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(descriptor, 1) == 0 else {
            close(descriptor)
            throw Failure(description: "bind/listen: \(errno)")
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        listener = descriptor
        port = Int(UInt16(bigEndian: address.sin_port))
        Thread { [self] in
            serve()
            done.signal()
        }.start()
    }

    /// Waits for the conversation to end and reports what went wrong in it.
    func finish() throws {
        guard done.wait(timeout: .now() + 120) == .success else { throw Failure(description: "the scripted server never finished") }
        close(listener)
        if let failure = lock.withLock({ failure }) { throw Failure(description: failure) }
    }

    private func fail(_ message: String) {
        lock.withLock { failure = failure ?? message }
    }

    private func serve() {
        let connection = accept(listener, nil, nil)
        guard connection >= 0 else { return fail("accept: \(errno)") }
        defer { close(connection) }
        var timeout = timeval(tv_sec: 60, tv_usec: 0)
        setsockopt(connection, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var cursor = 0
        var received: [UInt8] = []
        var loggedIn = false
        while !loggedIn {
            guard let line = readLine(connection, &received) else { return fail("the client closed during login") }
            guard let requested = Self.className(line), requested.hasPrefix("login_") else { continue }
            // Everything up to and including the reply of the same class.
            while cursor < script.count {
                let reply = script[cursor]
                cursor += 1
                guard send(reply, on: connection) else { return fail("send failed during login") }
                if Self.className(reply) == requested { break }
            }
            loggedIn = requested == "login_capas"
        }
        // The client's requests are read (and ignored) while the rest is sent, until the
        // client closes.
        let clientClosed = DispatchSemaphore(value: 0)
        Thread {
            var buffer = [UInt8](repeating: 0, count: 65_536)
            while recv(connection, &buffer, buffer.count, 0) > 0 {}
            clientClosed.signal()
        }.start()
        var rest: [UInt8] = []
        for line in script[cursor...] {
            rest += line
            rest.append(0x0A)
        }
        if !write(rest, on: connection) { fail("send failed") }
        // End of stream after the last byte; the client closes once it has read everything.
        shutdown(connection, Int32(SHUT_WR))
        if clientClosed.wait(timeout: .now() + 120) != .success { fail("the client never closed the connection") }
    }

    private func readLine(_ connection: Int32, _ received: inout [UInt8]) -> [UInt8]? {
        while true {
            if let newline = received.firstIndex(of: 0x0A) {
                let line = Array(received[..<newline])
                received.removeSubrange(...newline)
                return line
            }
            var buffer = [UInt8](repeating: 0, count: 4096)
            let count = recv(connection, &buffer, buffer.count, 0)
            guard count > 0 else { return nil }
            received += buffer[..<count]
        }
    }

    private func send(_ line: [UInt8], on connection: Int32) -> Bool {
        write(line + [0x0A], on: connection)
    }

    private func write(_ bytes: [UInt8], on connection: Int32) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { Glibc.send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard sent > 0 else { return false }
            offset += sent
        }
        return true
    }

    static func className(_ line: [UInt8]) -> String? {
        String(decoding: line, as: UTF8.self).firstMatch(of: /"class": ?"([a-z_]+)"/).map { String($0.1) }
    }
}
