import CallStatsTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Reports
import Testing
import WebService

/// The routes of `serve`, through HummingbirdTesting, against the demo's database.
@Suite("serve: the JSON API and /metrics")
struct APIRouteTests {
    let database: String

    init() throws {
        database = try DemoDatabase.path()
    }

    func app(token: String? = nil) throws -> some ApplicationProtocol {
        var settings = ServeSettings(databasePath: database, calendar: try #require(ReportCalendar(timeZoneIdentifier: "UTC")))
        settings.token = token
        let serve = try ServeContext.open(settings: settings)
        return Application(router: ServeRouter.make(serve))
    }

    /// What the API answers and what the binary prints for the same view or report.
    static let pairs: [(api: String, cli: [String])] = [
        ("/api/v1/agents?tz=UTC", ["agents", "--tz", "UTC"]),
        ("/api/v1/agents?tz=Europe/Paris", ["agents", "--tz", "Europe/Paris"]),
        ("/api/v1/queues?tz=UTC", ["queues", "--tz", "UTC"]),
        ("/api/v1/queues?tz=UTC&sl-threshold=30s&short-abandon=2", ["queues", "--tz", "UTC", "--sl-threshold", "30s", "--short-abandon", "2"]),
        ("/api/v1/calls?tz=UTC", ["calls", "--tz", "UTC"]),
        ("/api/v1/calls?tz=UTC&since=08:30&missed&limit=0", ["calls", "--tz", "UTC", "--since", "08:30", "--missed", "--limit", "0"]),
        ("/api/v1/calls?tz=UTC&queue=Blue&queue=2&limit=5", ["calls", "--tz", "UTC", "--queue", "Blue", "--queue", "2", "--limit", "5"]),
        ("/api/v1/calls?tz=UTC&user=1&callback-window=1h", ["calls", "--tz", "UTC", "--user", "1", "--callback-window", "1h"]),
        ("/api/v1/reports/occupancy?date=2026-11-02&tz=UTC&interval=15m", ["report", "occupancy", "--date", "2026-11-02", "--tz", "UTC", "--interval", "15m"]),
        ("/api/v1/reports/occupancy?date=2026-11-02&tz=UTC&interval=total&agent=1", ["report", "occupancy", "--date", "2026-11-02", "--tz", "UTC", "--interval", "total", "--agent", "1"]),
        ("/api/v1/reports/ewt?from=2026-11-02T08:00&to=2026-11-02T09:00&tz=UTC&interval=30m&queue=Blue", ["report", "ewt", "--from", "2026-11-02T08:00", "--to", "2026-11-02T09:00", "--tz", "UTC", "--interval", "30m", "--queue", "Blue"]),
        ("/api/v1/reports/missed?date=2026-11-02&tz=UTC&interval=1h&sl-threshold=10", ["report", "missed", "--date", "2026-11-02", "--tz", "UTC", "--interval", "1h", "--sl-threshold", "10"]),
        ("/api/v1/reports/calls-missed?date=2026-11-02&tz=UTC", ["report", "calls-missed", "--date", "2026-11-02", "--tz", "UTC"]),
        ("/api/v1/reports/missed?date=2026-11-02&tz=UTC&format=csv", ["report", "missed", "--date", "2026-11-02", "--tz", "UTC", "--format", "csv"]),
    ]

    @Test("every view and report kind: the API's bytes are the binary's --format json")
    func sameBytesAsTheCommandLine() async throws {
        let app = try app()
        try await app.test(.router) { client in
            for (path, arguments) in Self.pairs {
                let cli = try DemoDatabase.run(arguments + ["--db", database] + (arguments.contains("--format") ? [] : ["--format", "json"]))
                #expect(cli.status == 0, "\(arguments): \(cli.stderr)")
                try await client.execute(uri: path, method: .get) { response in
                    #expect(response.status == .ok, "\(path): \(String(buffer: response.body))")
                    #expect(String(buffer: response.body) == String(decoding: cli.stdout, as: UTF8.self), "\(path)")
                }
            }
        }
    }

    @Test("a report as an xlsx download: the binary's --format xlsx bytes, as an attachment")
    func workbookDownload() async throws {
        let app = try app()
        let cli = try DemoDatabase.run(["report", "missed", "--db", database, "--date", "2026-11-02", "--tz", "UTC", "--format", "xlsx"])
        #expect(cli.status == 0, "\(cli.stderr)")
        #expect(cli.stdout.starts(with: Data("PK".utf8)))
        try await app.test(.router) { client in
            try await client.execute(uri: "/api/v1/reports/missed?date=2026-11-02&tz=UTC&format=xlsx", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
                #expect(response.headers[.contentDisposition] == "attachment; filename=\"missed.xlsx\"")
                #expect(Data(response.body.readableBytesView) == cli.stdout)
            }
        }
    }

    @Test("status: the binary's figures (the time since the last message moves on)")
    func statusFigures() async throws {
        let app = try app()
        let cli = try DemoDatabase.run(["status", "--db", database, "--format", "json"]).stdout
        try await app.test(.router) { client in
            try await client.execute(uri: "/api/v1/status", method: .get) { response in
                #expect(response.status == .ok)
                var api = DemoDatabaseStatus.object(Data(String(buffer: response.body).utf8))
                var expected = DemoDatabaseStatus.object(cli)
                #expect(api.removeValue(forKey: "seconds_since_last_message") != nil)
                #expect(expected.removeValue(forKey: "seconds_since_last_message") != nil)
                // Compared as sorted JSON: Foundation's bridged numbers and booleans compare unevenly.
                let sorted = { (object: [String: Any]) in
                    String(decoding: (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data(), as: UTF8.self)
                }
                #expect(sorted(api) == sorted(expected))
                #expect(!sorted(api).isEmpty && sorted(api) != "{}")
            }
        }
    }

    @Test("a parameter the command does not take, a bad zone, a bad duration or an unknown report: 400 or 404 with one line")
    func badParameters() async throws {
        let app = try app()
        try await app.test(.router) { client in
            for (path, status, words) in [
                ("/api/v1/agents?missed=1", 400, "unknown parameter missed"),
                ("/api/v1/queues?tz=Mars/Olympus", 400, "unknown time zone"),
                ("/api/v1/queues?sl-threshold=soon", 400, "not a duration"),
                ("/api/v1/calls?limit=-1", 400, "limit"),
                ("/api/v1/calls?since=noon", 400, "since=noon"),
                ("/api/v1/calls?queue=Purple", 400, "Purple"),
                ("/api/v1/reports/missed?tz=UTC", 400, "say which time"),
                ("/api/v1/reports/ewt?date=2026-11-02&agent=1", 400, "unknown parameter agent"),
                ("/api/v1/reports/sales?date=2026-11-02", 404, "no report sales"),
            ] {
                try await client.execute(uri: path, method: .get) { response in
                    #expect(response.status.code == status, "\(path)")
                    let body = String(buffer: response.body)
                    #expect(body.contains(words), "\(path): \(body)")
                    #expect(body.hasPrefix(#"{"error":"#) && body.hasSuffix("}\n"), "\(path): \(body)")
                }
            }
        }
    }

    @Test("/metrics: a valid exposition with the queues' figures, one state per agent, counters since the database began")
    func metrics() async throws {
        let app = try app()
        try await app.test(.router) { client in
            let queues = try await client.execute(uri: "/api/v1/queues?tz=UTC", method: .get) { response in
                try #require(try JSONSerialization.jsonObject(with: Data(String(buffer: response.body).utf8)) as? [String: Any])["queues"] as? [[String: Any]]
            }
            let queueRows = try #require(queues)
            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType]?.hasPrefix("text/plain; version=0.0.4") == true)
                let samples = try Exposition.parse(String(buffer: response.body))
                for queue in queueRows {
                    let id = try #require(queue["queue_id"] as? String)
                    let waiting = samples.filter { $0.name == "callstats_queue_waiting_calls" && $0.labels["queue_id"] == id }
                    #expect(waiting.count == 1, "queue \(id)")
                    #expect(waiting.first?.value == (queue["waiting_calls"] as? NSNumber)?.doubleValue, "queue \(id)")
                    let longest = samples.first { $0.name == "callstats_queue_longest_wait_seconds" && $0.labels["queue_id"] == id }
                    #expect(longest?.value == (queue["longest_wait_s"] as? NSNumber)?.doubleValue, "queue \(id)")
                    let answered = samples.first { $0.name == "callstats_queue_calls_total" && $0.labels["queue_id"] == id && $0.labels["outcome"] == "answered" }
                    #expect((answered?.value ?? 0) >= (queue["answered_today"] as? NSNumber)?.doubleValue ?? 1, "queue \(id): the database began today")
                }
                let states = samples.filter { $0.name == "callstats_agent_state" }
                let agents = Set(states.compactMap { $0.labels["agent_id"] })
                #expect(agents.count >= 10)
                for agent in agents {
                    let ones = states.filter { $0.labels["agent_id"] == agent && $0.value == 1 }
                    #expect(ones.count == 1, "agent \(agent) is in one state")
                }
                #expect(samples.contains { $0.name == "callstats_collector_up" && $0.value == 0 })
                #expect(samples.contains { $0.name == "callstats_journal_lines_total" && $0.value > 1000 })
            }
        }
    }

    @Test("with a token: 401 without it or with a wrong one; the bearer header, or the login form's cookie, opens every route")
    func token() async throws {
        let app = try app(token: "s3cret token")
        try await app.test(.router) { client in
            for path in ["/api/v1/queues", "/metrics", "/api/v1/reports/missed?date=2026-11-02"] {
                try await client.execute(uri: path, method: .get) { #expect($0.status == .unauthorized, "\(path)") }
                try await client.execute(uri: path, method: .get, headers: [.authorization: "Bearer wrong"]) { #expect($0.status == .unauthorized) }
                try await client.execute(uri: path, method: .get, headers: [.authorization: "Bearer s3cret token"]) { #expect($0.status == .ok, "\(path)") }
            }
            try await client.execute(uri: "/login", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                                     body: ByteBuffer(string: "token=nope&next=%2F")) { response in
                #expect(response.status == .unauthorized)
                #expect(response.headers[.setCookie] == nil)
            }
            let cookie = try await client.execute(uri: "/login", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                                                  body: ByteBuffer(string: "token=s3cret+token&next=%2Fapi%2Fv1%2Fagents")) { response in
                #expect(response.status == .seeOther)
                #expect(response.headers[.location] == "/api/v1/agents")
                let header = try #require(response.headers[.setCookie])
                #expect(header.contains("HttpOnly"))
                #expect(!header.contains("s3cret"), "the cookie holds a digest, not the token")
                return String(header.prefix { $0 != ";" })
            }
            try await client.execute(uri: "/api/v1/agents", method: .get, headers: [.cookie: cookie]) { #expect($0.status == .ok) }
            try await client.execute(uri: "/api/v1/agents", method: .get, headers: [.cookie: "callstats_session=forged"]) { #expect($0.status == .unauthorized) }
        }
    }

    @Test("TokenCheck compares whole digests: same length or not, only the token passes")
    func tokenComparison() {
        let check = TokenCheck(token: "abc")
        #expect(check.accepts(token: "abc"))
        for wrong in ["", "ab", "abd", "abcd", "ABC"] { #expect(!check.accepts(token: wrong), "\(wrong)") }
    }
}

enum DemoDatabaseStatus {
    static func object(_ data: Data) -> [String: Any] {
        ((try? JSONSerialization.jsonObject(with: data)) as? [String: Any]) ?? [:]
    }
}

/// Prometheus' text exposition, read as Prometheus reads it: `# HELP`/`# TYPE` lines, and
/// samples `name{label="value",...} number` with `\\`, `\"` and `\n` escapes in values.
enum Exposition {
    struct Sample {
        var name: String
        var labels: [String: String]
        var value: Double
    }

    static func parse(_ text: String) throws -> [Sample] {
        var samples: [Sample] = []
        var types: [String: String] = [:]
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) where !line.isEmpty {
            if line.hasPrefix("# TYPE ") {
                let parts = line.split(separator: " ")
                guard parts.count == 4, ["gauge", "counter"].contains(parts[3]) else { throw TestFailure("bad TYPE line: \(line)") }
                types[String(parts[2])] = String(parts[3])
                continue
            }
            if line.hasPrefix("# HELP ") { continue }
            guard !line.hasPrefix("#") else { throw TestFailure("unexpected comment: \(line)") }
            var rest = Substring(line)
            let name = rest.prefix { $0.isLetter || $0.isNumber || $0 == "_" || $0 == ":" }
            guard !name.isEmpty, name.first?.isNumber == false else { throw TestFailure("bad metric name: \(line)") }
            rest = rest.dropFirst(name.count)
            var labels: [String: String] = [:]
            if rest.first == "{" {
                rest = rest.dropFirst()
                while rest.first != "}" {
                    let label = rest.prefix { $0 != "=" }
                    rest = rest.dropFirst(label.count)
                    guard rest.hasPrefix("=\"") else { throw TestFailure("bad label: \(line)") }
                    rest = rest.dropFirst(2)
                    var value = ""
                    while let character = rest.first, character != "\"" {
                        rest = rest.dropFirst()
                        if character == "\\" {
                            guard let escaped = rest.first else { throw TestFailure("bad escape: \(line)") }
                            rest = rest.dropFirst()
                            switch escaped {
                            case "\\": value.append("\\")
                            case "\"": value.append("\"")
                            case "n": value.append("\n")
                            default: throw TestFailure("bad escape: \(line)")
                            }
                        } else {
                            value.append(character)
                        }
                    }
                    guard rest.first == "\"" else { throw TestFailure("unterminated label value: \(line)") }
                    rest = rest.dropFirst()
                    labels[String(label)] = value
                    if rest.first == "," { rest = rest.dropFirst() }
                }
                rest = rest.dropFirst()
            }
            guard rest.first == " ", let value = Double(rest.dropFirst()) else { throw TestFailure("bad value: \(line)") }
            let family = String(name)
            guard types[family] != nil else { throw TestFailure("sample before its TYPE: \(line)") }
            if types[family] == "counter" && !family.hasSuffix("_total") { throw TestFailure("a counter's name ends in _total: \(family)") }
            samples.append(Sample(name: family, labels: labels, value: value))
        }
        return samples
    }
}
