import Foundation

/// One of XiVO's statcenter scenarios (XiVOScenarios/README.md): queue_log rows, and the
/// tables XiVO's statistics pages show for them.
public struct XiVOScenario: Decodable, Sendable {
    public struct StatisticConfiguration: Decodable, Sendable {
        public let name: String
        public let hour_start: String
        public let hour_end: String
    }

    public struct Config: Decodable, Sendable {
        public let statistic_configurations: [StatisticConfiguration]
    }

    public struct Check: Decodable, Sendable {
        public let report: String
        public let target: String
        public let axis: String
        public let date: String
        public let configuration: String
        public let match: String
        public let columns: [String]
        public let rows: [[String: String]]
    }

    public struct Expected: Decodable, Sendable {
        public let checks: [Check]
    }

    public let name: String
    public let config: Config
    public let queue_log: [[String]]
    public let expected: Expected

    /// The scenarios of `queue_scenarios.json` or `agent_scenarios.json`.
    public static func load(_ file: String) throws -> [XiVOScenario] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("XiVOScenarios").appendingPathComponent(file)
        return try JSONDecoder().decode([XiVOScenario].self, from: Data(contentsOf: url))
    }
}

/// One queue_log row of a scenario, its time made absolute in the PBX's zone.
public struct XiVOScenarioRow: Sendable, Equatable {
    /// Epoch seconds (microseconds kept).
    public var time: Double
    /// The table's naive local time, as the scenario gives it (`YYYY-MM-DD HH:MM:SS.ffffff`).
    public var localTime: String
    public var callID: String
    public var queueName: String
    public var agent: String
    public var event: String
    /// data1 ... data5, as the table holds them (data5 may hold `|`).
    public var data: [String]

    /// The line of Asterisk's file form: `epoch|callid|queuename|agent|event|data1|...|data5`.
    public var fileLine: String {
        ([String(format: "%.6f", time), callID, queueName, agent, event] + data).joined(separator: "|")
    }

    /// The row of XiVO's queue_log table: `[time, callid, queuename, agent, event, data1...data5]`,
    /// the time as the naive wall clock XiVO writes.
    public var tableRow: [String] {
        [localTime, callID, queueName, agent, event] + data
    }
}

/// Runs a scenario: its rows into a database through a `Source`, then `callstats report
/// xivo-queues` / `xivo-agents` for each table the scenario expects, compared cell by cell after
/// XiVO's display rules (whole seconds truncated as `HH:MM:SS`, percentages as `intval %`).
public struct XiVOScenarioRunner: Sendable {
    /// Puts the rows (in time order, as Asterisk appends them) into a fresh database in `folder`
    /// through the real binary, and returns its path: a queue_log file (`file`), or the same
    /// rows in PostgreSQL's queue_log table (`postgres`). `zone` is the PBX's, the zone of the
    /// rows' naive times.
    public typealias Source = @Sendable (_ rows: [XiVOScenarioRow], _ zone: String, _ folder: TemporaryFolder, _ binary: CallStatsBinary) async throws -> String

    /// A zone with an offset, so that the naive times are really converted (no DST change on
    /// any scenario's day).
    public static let zone = "Europe/Paris"

    public let binary: CallStatsBinary
    public let source: Source

    public init(binary: CallStatsBinary, source: @escaping Source) {
        self.binary = binary
        self.source = source
    }

    /// The file source: the rows as a queue_log file, `callstats import queue-log --pbx-tz`.
    public static let file: Source = { rows, zone, folder, binary in
        let file = folder.path("queue_log")
        try Data(rows.map { $0.fileLine + "\n" }.joined().utf8).write(to: URL(fileURLWithPath: file))
        let database = folder.path("calls.db")
        try await importRows(rows.count, binary, ["import", "queue-log", "--db", database, "--pbx-tz", zone, file], summary: "1 file, \(rows.count) lines read")
        return database
    }

    /// The PostgreSQL source: the rows in the queue_log table of a fresh database on the test
    /// server (`PostgresTestServer`), its `time` column declared as XiVO's text or Wazo's
    /// timestamptz, then `callstats import queue-log --postgres URL --password-file F --pbx-tz`.
    public static func postgres(_ time: PostgresTestDatabase.TimeColumn) -> Source {
        { rows, zone, folder, binary in
            let table = try await PostgresTestServer.database()
            try await table.createQueueLogTable(time)
            // The naive wall clock as XiVO writes it; a timestamptz column reads it in the
            // PBX's zone, as Wazo's server does in its own.
            try await table.insert(rows.map(\.tableRow), zone: zone)
            let passwordFile = folder.path("password")
            try Data((PostgresTestServer.password + "\n").utf8).write(to: URL(fileURLWithPath: passwordFile))
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: passwordFile)
            let database = folder.path("calls.db")
            try await importRows(rows.count, binary, [
                "import", "queue-log", "--db", database, "--postgres", table.url, "--password-file", passwordFile, "--pbx-tz", zone,
            ], summary: "\(rows.count) rows read")
            return database
        }
    }

    /// Runs an import and requires its summary to count every row read and added, none
    /// unreadable: a row lost on the way fails here, before any figure is compared.
    static func importRows(_ count: Int, _ binary: CallStatsBinary, _ arguments: [String], summary: String) async throws {
        var environment = ProcessInfo.processInfo.environment
        // The password comes from the file alone.
        environment["PGPASSWORD"] = nil
        let result = try await offPool { [environment] in try binary.run(arguments, environment: environment) }
        guard result.status == 0 else { throw Failure("import failed: \(result.stderr)") }
        let expected = "\(summary), \(count) added, 0 unreadable"
        guard result.stdout.contains(expected) else { throw Failure("import printed \(result.stdout), not \(expected)") }
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
        public init(_ description: String) { self.description = description }
    }

    /// What a run compared: every expected cell, and those that differ (empty when all match).
    public struct Outcome: Sendable {
        public var cellsCompared = 0
        public var mismatches: [String] = []
    }

    public func run(_ scenario: XiVOScenario, now: Date = Date()) async throws -> Outcome {
        let folder = try TemporaryFolder()
        // The folder holds the database: it lives until every table is compared.
        defer { withExtendedLifetime(folder) {} }
        let zone = Self.zone
        let rows = try Self.rows(scenario, zone: zone, now: now)
        let database = try await source(rows, zone, folder, binary)
        // Each table is reports run as child processes and waited for: off the cooperative pool.
        return try await offPool { [self] in
            var outcome = Outcome()
            for check in scenario.expected.checks {
                try compare(check, scenario: scenario, database: database, zone: zone, now: now, into: &outcome)
            }
            return outcome
        }
    }

    // MARK: Rows

    /// The rows in time order (stable): the feature lists some in reverse on purpose, which
    /// XiVO's SQL does not mind; Asterisk appends them as they happen.
    static func rows(_ scenario: XiVOScenario, zone: String, now: Date) throws -> [XiVOScenarioRow] {
        guard let header = scenario.queue_log.first else { return [] }
        let index = Dictionary(uniqueKeysWithValues: header.enumerated().map { ($1, $0) })
        func field(_ row: [String], _ name: String) -> String {
            guard let position = index[name], position < row.count else { return "" }
            return row[position]
        }
        let previousHour = Self.previousHour(now, zone: zone)
        var rows: [XiVOScenarioRow] = []
        for row in scenario.queue_log.dropFirst() {
            var local = field(row, "time")
            // "Generate stats twice": MM:SS.ffffff within the hour before now.
            if local.count < 19 { local = previousHour + ":" + local }
            rows.append(XiVOScenarioRow(
                time: try epoch(local, zone: zone), localTime: local, callID: field(row, "callid"), queueName: field(row, "queuename"),
                agent: field(row, "agent"), event: field(row, "event"),
                data: (1...5).map { field(row, "data\($0)") }))
        }
        return rows.enumerated().sorted { ($0.element.time, $0.offset) < ($1.element.time, $1.offset) }.map(\.element)
    }

    static func calendar(_ zone: String) throws -> Calendar {
        guard let timeZone = TimeZone(identifier: zone) else { throw Failure("unknown zone \(zone)") }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        return calendar
    }

    /// `YYYY-MM-DD HH:MM:SS[.ffffff]` in `zone` to epoch seconds.
    static func epoch(_ text: String, zone: String) throws -> Double {
        let parts = text.split(whereSeparator: { " -:".contains($0) }).map(String.init)
        guard parts.count == 6, let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
              let hour = Int(parts[3]), let minute = Int(parts[4]) else { throw Failure("not a time: \(text)") }
        let secondParts = parts[5].split(separator: ".", maxSplits: 1).map(String.init)
        guard let second = secondParts.first.flatMap({ Int($0) }) else { throw Failure("not a time: \(text)") }
        let fraction = secondParts.count > 1 ? (Double("0." + secondParts[1]) ?? 0) : 0
        let components = DateComponents(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
        guard let date = try calendar(zone).date(from: components) else { throw Failure("not a time: \(text)") }
        return date.timeIntervalSince1970 + fraction
    }

    /// `YYYY-MM-DD HH` of the hour before `now` in `zone`.
    static func previousHour(_ now: Date, zone: String) -> String {
        guard let calendar = try? calendar(zone) else { return "" }
        let parts = calendar.dateComponents([.year, .month, .day, .hour], from: now.addingTimeInterval(-3600))
        return String(format: "%04d-%02d-%02d %02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0, parts.hour ?? 0)
    }

    // MARK: Tables

    /// XiVO's column headers to the reports' CSV columns.
    static let columns = [
        "Received": "received", "Answered": "answered", "Abandoned": "abandoned", "Closed": "closed", "Saturated": "saturated",
        "Blocking": "blocking", "AWT": "awt_s", "Answered rate": "answered_rate_pct", "QoS": "qos_pct",
        "Conversation": "conversation_s", "Login": "login_s", "Pause": "pause_s", "Wrapup": "wrapup_s",
    ]

    static let durationColumns: Set<String> = ["awt_s", "conversation_s", "login_s", "pause_s", "wrapup_s"]
    static let percentColumns: Set<String> = ["answered_rate_pct", "qos_pct"]

    /// A CSV cell as XiVO's page shows it.
    static func display(_ cell: String, column: String) -> String {
        guard !cell.isEmpty, let value = Double(cell) else { return cell }
        if durationColumns.contains(column) {
            let seconds = Int(value.rounded(.towardZero))
            return String(format: "%02d:%02d:%02d", seconds / 3600, seconds / 60 % 60, seconds % 60)
        }
        if percentColumns.contains(column) {
            return "\(Int(value.rounded(.towardZero))) %"
        }
        return cell
    }

    /// `callstats report KIND` as CSV, as rows of column name to cell.
    func report(_ arguments: [String]) throws -> [[String: String]] {
        let result = try binary.run(["report"] + arguments + ["--format", "csv"])
        guard result.status == 0 else { throw Failure("report \(arguments.joined(separator: " ")) failed: \(result.stderr)") }
        // CSV lines end with CRLF, one Character (a newline) to Swift.
        let lines = result.stdout.split(whereSeparator: \.isNewline).map(String.init)
        guard let header = lines.first else { return [] }
        let names = header.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        return lines.dropFirst().map { line in
            let cells = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            return Dictionary(uniqueKeysWithValues: zip(names, cells).map { ($0, $1) })
        }
    }

    func compare(_ check: XiVOScenario.Check, scenario: XiVOScenario, database: String, zone: String, now: Date,
                 into outcome: inout Outcome) throws {
        guard let configuration = scenario.config.statistic_configurations.first(where: { $0.name == check.configuration }) else {
            throw Failure("\(scenario.name): no configuration \(check.configuration)")
        }
        let kind = check.report == "queue" ? "xivo-queues" : "xivo-agents"
        // "queue q01" / "agent number 1"
        guard let target = check.target.split(separator: " ").last.map(String.init) else { throw Failure("no target") }
        let filter = check.report == "queue" ? ["--queue", target] : ["--agent", target]
        guard let startHour = configuration.hour_start.split(separator: ":").first.flatMap({ Int($0) }),
              let endHour = configuration.hour_end.split(separator: ":").first.flatMap({ Int($0) }), startHour < endHour else {
            throw Failure("\(scenario.name): working hours \(configuration.hour_start)-\(configuration.hour_end)")
        }
        var date = check.date
        if date.hasPrefix("<") {
            date = String(Self.previousHour(now, zone: zone).prefix(10))
        }
        let base = ["--db", database, "--tz", zone] + filter
        func time(_ day: String, _ hour: Int) throws -> String {
            hour < 24 ? day + "T" + String(format: "%02d", hour) + ":00" : try Self.day(after: day, zone: zone) + "T00:00"
        }
        // The table's rows by label: each hour (or each day of the week, within the working
        // hours), and the total over the range.
        var rows: [String: [String: String]] = [:]
        var displayed: [String] = []
        if check.axis == "week" {
            var day = date
            for _ in 0..<7 {
                let label = try Self.weekLabel(day, zone: zone)
                rows[label] = try report([kind] + base + ["--from", try time(day, startHour), "--to", try time(day, endHour), "--interval", "total"]).first
                displayed.append(label)
                day = try Self.day(after: day, zone: zone)
            }
            let last = try Self.day(after: date, zone: zone, days: 6)
            rows["Total"] = try report([kind] + base + ["--from", try time(date, startHour), "--to", try time(last, endHour), "--interval", "total"]).first
        } else {
            let hourly = try report([kind] + base + ["--from", try time(date, startHour), "--to", try time(date, endHour), "--interval", "1h"])
            for (offset, hour) in (startHour..<endHour).enumerated() {
                let label = "\(hour)h-\(hour + 1)h"
                rows[label] = offset < hourly.count ? hourly[offset] : nil
                displayed.append(label)
            }
            if hourly.count != endHour - startHour {
                outcome.mismatches.append("\(scenario.name): \(hourly.count) hourly rows for \(check.target), XiVO shows \(endHour - startHour)")
            }
            rows["Total"] = try report([kind] + base + ["--from", try time(date, startHour), "--to", try time(date, endHour), "--interval", "total"]).first
        }
        displayed.append("Total")
        if check.match.hasPrefix("exact") {
            let expectedLabels = check.rows.map { $0[""] ?? "" }
            if expectedLabels != displayed {
                outcome.mismatches.append("\(scenario.name): rows \(displayed), XiVO shows \(expectedLabels)")
            }
        }
        for expected in check.rows {
            var label = expected[""] ?? ""
            if label.hasPrefix("<") {
                let hour = Int(Self.previousHour(now, zone: zone).suffix(2)) ?? 0
                label = "\(hour)h-\(hour + 1)h"
            }
            for column in check.columns where !column.isEmpty {
                guard let csvColumn = Self.columns[column] else { throw Failure("\(scenario.name): no column for \(column)") }
                let want = expected[column] ?? ""
                outcome.cellsCompared += 1
                guard let row = rows[label] else {
                    outcome.mismatches.append("\(scenario.name) [\(check.target) \(label)] \(column): no row, XiVO shows \(want)")
                    continue
                }
                let got = Self.display(row[csvColumn] ?? "", column: csvColumn)
                if got != want {
                    outcome.mismatches.append("\(scenario.name) [\(check.target) \(label)] \(column): \(got) (\(csvColumn) \(row[csvColumn] ?? "")), XiVO shows \(want)")
                }
            }
        }
    }

    static func day(after day: String, zone: String, days: Int = 1) throws -> String {
        let midday = try epoch(day + " 12:00:00", zone: zone) + Double(days) * 86_400
        let parts = try calendar(zone).dateComponents([.year, .month, .day], from: Date(timeIntervalSince1970: midday))
        return String(format: "%04d-%02d-%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0)
    }

    /// `Monday 30`, as XiVO's week axis labels a day.
    static func weekLabel(_ day: String, zone: String) throws -> String {
        let calendar = try calendar(zone)
        let date = Date(timeIntervalSince1970: try epoch(day + " 12:00:00", zone: zone))
        let names = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
        return names[calendar.component(.weekday, from: date) - 1] + " \(calendar.component(.day, from: date))"
    }
}
