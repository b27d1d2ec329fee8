import CallStatsTestSupport
import Foundation
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `/metrics` read by the real thing: Debian's `prometheus` server, started by the test on
/// loopback with its own storage folder and a one-second scrape interval, scrapes `callstats
/// serve` (with a token, sent as Prometheus sends one: `authorization.credentials_file`), and its
/// query API must return every queue's series with the values the command line prints for the
/// same database. `promtool check metrics` judges the exposition itself.
@Suite("callstats serve scraped by Prometheus", RequiredTool.prometheus.trait, RequiredTool.promtool.trait)
struct PrometheusScrapeTests {
    let binary: CallStatsBinary
    let database: String

    init() throws {
        binary = try CallStatsBinary.built()
        database = try SupervisorDemo.database()
    }

    /// A token file (mode 0600), as both serve and Prometheus read it.
    static func tokenFile(in folder: TemporaryFolder) throws -> String {
        let path = folder.path("token")
        try Data("scrape-token-\(UUID().uuidString)\n".utf8).write(to: URL(fileURLWithPath: path))
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
        return path
    }

    @Test("promtool check metrics passes on /metrics")
    func promtoolCheck() async throws {
        let promtool = try RequiredTool.promtool.require()
        let (server, base) = try await ServeProcess.start(binary, ["--db", database, "--listen", "127.0.0.1:0", "--tz", "UTC"])
        let (status, metrics) = try await ServeProcess.fetch(base + "/metrics")
        #expect(status == 200)
        #expect(try await ServeProcess.stop(server) == 0)
        let folder = try TemporaryFolder()
        let file = folder.path("metrics.txt")
        try metrics.write(to: URL(fileURLWithPath: file))
        let check = try CallStatsBinary(url: URL(fileURLWithPath: "/bin/sh")).run(["-c", "exec \"$0\" check metrics < \"$1\"", promtool, file])
        #expect(check.status == 0, "\(check.stdout) \(check.stderr)")
        #expect(check.stdout.isEmpty && check.stderr.isEmpty, "promtool's remarks: \(check.stdout) \(check.stderr)")
    }

    @Test("a real Prometheus scrapes serve with the bearer token; its query API has every queue's series with the database's values",
          .timeLimit(.minutes(3)))
    func scrape() async throws {
        let prometheusPath = try RequiredTool.prometheus.require()
        let folder = try TemporaryFolder()
        let token = try Self.tokenFile(in: folder)
        let (server, base) = try await ServeProcess.start(binary, [
            "--db", database, "--listen", "127.0.0.1:0", "--tz", "UTC", "--token-file", token,
        ])
        let servePort = try ServeProcess.port(base)

        // A port for Prometheus' own web server: it cannot be told port 0 and say which it got.
        let (socket, webPort) = try LoopbackSocket.bind(listen: false)
        close(socket)
        let config = folder.path("prometheus.yml")
        try Data("""
            global:
              scrape_interval: 1s
            scrape_configs:
              - job_name: callstats
                scrape_interval: 1s
                static_configs: [{ targets: ["127.0.0.1:\(servePort)"] }]
                authorization: { credentials_file: \(token) }

            """.utf8).write(to: URL(fileURLWithPath: config))
        let prometheus = try RunningCallStats(binary: CallStatsBinary(url: URL(fileURLWithPath: prometheusPath)), arguments: [
            "--config.file=\(config)", "--storage.tsdb.path=\(folder.path("data"))",
            "--web.listen-address=127.0.0.1:\(webPort)", "--log.level=warn",
        ])
        let api = "http://127.0.0.1:\(webPort)/api/v1/query?query="

        let cli = try binary.run(["queues", "--db", database, "--tz", "UTC", "--format", "json"])
        #expect(cli.status == 0)
        let queues = try #require((try JSONSerialization.jsonObject(with: cli.stdoutBytes) as? [String: Any])?["queues"] as? [[String: Any]])
        #expect(queues.count == 3)

        // Awaited through the query API until a scrape has landed (a scrape a second).
        let waiting = try await eventually("Prometheus' waiting-calls series for every queue", timeout: 90, every: .milliseconds(250)) {
            () async throws -> [String: Double]? in
            let series = try? await Self.query(api, "callstats_queue_waiting_calls")
            return series?.count == queues.count ? series : nil
        }
        let ewt = try await Self.query(api, "callstats_queue_ewt_seconds")
        let answered = try await Self.query(api, #"callstats_queue_calls_total{outcome="answered"}"#)
        let missed = try await Self.query(api, #"callstats_queue_calls_total{outcome="missed"}"#)
        for queue in queues {
            let id = try #require(queue["queue_id"] as? String)
            #expect(waiting[id] == (queue["waiting_calls"] as? NSNumber)?.doubleValue, "queue \(id)")
            #expect(ewt[id] == (queue["ewt_s"] as? NSNumber)?.doubleValue, "queue \(id)")
            #expect(answered[id] == (queue["answered_today"] as? NSNumber)?.doubleValue, "queue \(id)")
            #expect(missed[id] == (queue["missed_today"] as? NSNumber)?.doubleValue, "queue \(id)")
        }
        // The scrape itself succeeded, with the token (without it, serve answers 401 and up is 0).
        #expect(try await Self.query(api, #"up{job="callstats"}"#, by: "job") == ["callstats": 1])

        prometheus.signal(SIGTERM)
        _ = try await ServeProcess.blocking(prometheus) { $0.wait() }
        #expect(try await ServeProcess.stop(server) == 0)
    }

    /// The README's alert rules: the fenced block whose first line is the rule file's path,
    /// without the indentation of the list item it sits in.
    static func readmeRules() throws -> String {
        let readme = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("README.md")
        let lines = try String(contentsOf: readme, encoding: .utf8).components(separatedBy: "\n")
        let marker = "# /etc/prometheus/rules/callstats.yml"
        guard let first = lines.firstIndex(where: { $0.trimmingCharacters(in: .whitespaces) == marker }) else {
            throw TestFailure("README.md has no block starting with \(marker)")
        }
        let indent = lines[first].prefix { $0 == " " }.count
        guard let end = lines[first...].firstIndex(where: { $0.trimmingCharacters(in: .whitespaces) == "```" }) else {
            throw TestFailure("the rules block in README.md has no end")
        }
        return lines[first..<end].map { String($0.dropFirst(min(indent, $0.prefix { $0 == " " }.count))) }.joined(separator: "\n") + "\n"
    }

    @Test("the README's alert rules: promtool check rules accepts them and promtool test rules fires each on its own series only")
    func readmeAlertRules() throws {
        let promtool = try RequiredTool.promtool.require()
        let folder = try TemporaryFolder()
        try Data(try Self.readmeRules().utf8).write(to: URL(fileURLWithPath: folder.path("callstats.yml")))
        let check = try CallStatsBinary(url: URL(fileURLWithPath: promtool)).run(["check", "rules", folder.path("callstats.yml")])
        #expect(check.status == 0, "\(check.stdout) \(check.stderr)")
        #expect(check.stdout.contains("SUCCESS: 2 rules found"), "\(check.stdout)")

        // Blue has callers and nobody available from the 1st minute (firing at the 2nd, after
        // its `for: 1m`); Red has callers and an available agent; Green nobody waiting. The
        // collector's last line is more than 300 s old from the 8th minute: firing at the
        // 13th, after `for: 5m`. Series labelled as serve exposes them.
        try Data("""
            rule_files: [callstats.yml]
            evaluation_interval: 1m
            tests:
              - interval: 1m
                input_series:
                  - series: 'callstats_queue_waiting_calls{job="callstats",instance="wall:8080",queue_id="1",queue="Blue"}'
                    values: '0 2 3 3 3'
                  - series: 'callstats_queue_agents{job="callstats",instance="wall:8080",queue_id="1",queue="Blue",state="available"}'
                    values: '1 0 0 0 0'
                  - series: 'callstats_queue_waiting_calls{job="callstats",instance="wall:8080",queue_id="2",queue="Red"}'
                    values: '4 4 4 4 4'
                  - series: 'callstats_queue_agents{job="callstats",instance="wall:8080",queue_id="2",queue="Red",state="available"}'
                    values: '1 1 1 1 1'
                  - series: 'callstats_queue_waiting_calls{job="callstats",instance="wall:8080",queue_id="3",queue="Green"}'
                    values: '0 0 0 0 0'
                  - series: 'callstats_queue_agents{job="callstats",instance="wall:8080",queue_id="3",queue="Green",state="available"}'
                    values: '0 0 0 0 0'
                  - series: 'callstats_collector_up{job="callstats",instance="wall:8080"}'
                    values: '1+0x13'
                  - series: 'callstats_last_message_age_seconds{job="callstats",instance="wall:8080"}'
                    values: '1 1 1 60 120 180 240 300 360 420 480 540 600 660'
                alert_rule_test:
                  - eval_time: 1m
                    alertname: CallersWaitingNobodyAvailable
                    exp_alerts: []
                  - eval_time: 3m
                    alertname: CallersWaitingNobodyAvailable
                    exp_alerts:
                      - exp_labels: { severity: page, job: callstats, instance: "wall:8080", queue_id: "1", queue: Blue }
                        exp_annotations: { summary: "Blue: 3 callers waiting and no agent available" }
                  - eval_time: 12m
                    alertname: CallStatsCollectionStale
                    exp_alerts: []
                  - eval_time: 13m
                    alertname: CallStatsCollectionStale
                    exp_alerts:
                      - exp_labels: { severity: ticket, job: callstats, instance: "wall:8080" }
                        exp_annotations: { summary: "callstats on wall:8080 is not recording live calls" }

            """.utf8).write(to: URL(fileURLWithPath: folder.path("callstats.test.yml")))
        let test = try CallStatsBinary(url: URL(fileURLWithPath: promtool)).run(["test", "rules", folder.path("callstats.test.yml")])
        #expect(test.status == 0, "\(test.stdout) \(test.stderr)")
    }

    /// An instant query's samples, by the value of `label`.
    static func query(_ api: String, _ expression: String, by label: String = "queue_id") async throws -> [String: Double] {
        let encoded = try #require(expression.addingPercentEncoding(withAllowedCharacters: .alphanumerics))
        let (status, body) = try await ServeProcess.fetch(api + encoded)
        guard status == 200 else { throw TestFailure("Prometheus answered \(status): \(String(decoding: body, as: UTF8.self))") }
        let object = try JSONSerialization.jsonObject(with: body) as? [String: Any]
        let result = ((object?["data"] as? [String: Any])?["result"] as? [[String: Any]]) ?? []
        var values: [String: Double] = [:]
        for sample in result {
            guard let key = (sample["metric"] as? [String: String])?[label],
                  let value = (sample["value"] as? [Any])?.last as? String, let number = Double(value)
            else { throw TestFailure("an unexpected sample from Prometheus: \(sample)") }
            values[key] = number
        }
        return values
    }
}
