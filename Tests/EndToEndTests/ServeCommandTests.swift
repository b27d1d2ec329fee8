import CallStatsTestSupport
import Foundation
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `callstats serve` as a process, on the demo's database: it says where it listens, answers
/// what the commands print, refuses to listen beyond loopback without a token, and stops
/// cleanly on SIGTERM.
@Suite("callstats serve, run as a process")
struct ServeCommandTests {
    let binary: CallStatsBinary
    let database: String

    init() throws {
        binary = try CallStatsBinary.built()
        database = try SupervisorDemo.database()
    }

    /// Starts serve on a port the system picks, and its base URL.
    func serve(_ extra: [String] = []) async throws -> (RunningCallStats, String) {
        try await ServeProcess.start(binary, ["--db", database, "--listen", "127.0.0.1:0", "--tz", "UTC"] + extra)
    }

    static func blocking<T: Sendable>(_ server: RunningCallStats, _ body: @escaping @Sendable (RunningCallStats) -> T) async throws -> T {
        try await ServeProcess.blocking(server, body)
    }

    static func fetch(_ url: String, headers: [String: String] = [:]) async throws -> (Int, Data) {
        try await ServeProcess.fetch(url, headers: headers)
    }

    @Test("the API over a real socket equals --format json; SIGTERM ends it with status 0")
    func apiEqualsCommandLine() async throws {
        let (server, base) = try await serve()
        for (path, arguments) in [
            ("/api/v1/queues", ["queues"]),
            ("/api/v1/agents", ["agents"]),
            ("/api/v1/calls?missed&limit=0", ["calls", "--missed", "--limit", "0"]),
            ("/api/v1/reports/missed?date=\(SupervisorDemo.day)&interval=total", ["report", "missed", "--date", SupervisorDemo.day, "--interval", "total"]),
        ] {
            let cli = try binary.run(arguments + ["--db", database, "--tz", "UTC", "--format", "json"])
            #expect(cli.status == 0, "\(cli.stderr)")
            let (status, body) = try await Self.fetch(base + path)
            #expect(status == 200, "\(path)")
            #expect(body == cli.stdoutBytes, "\(path)")
        }
        let (metricsStatus, metrics) = try await Self.fetch(base + "/metrics")
        #expect(metricsStatus == 200)
        #expect(String(decoding: metrics, as: UTF8.self).contains("callstats_queue_waiting_calls{"))
        server.signal(SIGTERM)
        let status = try await Self.blocking(server) { $0.wait() }
        #expect(status == 0, "\(server.standardError())")
    }

    @Test("the wallboard without JavaScript: its server-rendered page shows each queue's waiting callers and each agent's state as the commands print them")
    func pageIsASnapshot() async throws {
        let (server, base) = try await serve()
        let (status, body) = try await Self.fetch(base + "/")
        #expect(status == 200)
        #expect(try await ServeProcess.stop(server) == 0)
        let html = String(decoding: body, as: UTF8.self)

        func rows(_ command: String, _ key: String) throws -> [[String: Any]] {
            let cli = try binary.run([command, "--db", database, "--tz", "UTC", "--format", "json"])
            #expect(cli.status == 0, "\(cli.stderr)")
            return ((try JSONSerialization.jsonObject(with: cli.stdoutBytes) as? [String: Any])?[key] as? [[String: Any]]) ?? []
        }
        let queues = try rows("queues", "queues")
        let agents = try rows("agents", "agents")
        #expect(!queues.isEmpty && !agents.isEmpty)
        for queue in queues {
            let id = try #require(queue["queue_id"] as? String)
            let waiting = try #require(queue["waiting_calls"] as? Int)
            // The queue's own tile, up to its end, holds its waiting count.
            let start = try #require(html.range(of: "data-queue-id=\"\(id)\">"), "no tile for queue \(id)")
            let rest = html[start.upperBound...]
            let tile = rest.range(of: "</article>").map { rest[..<$0.lowerBound] } ?? rest
            #expect(tile.contains("<p class=\"waiting\"><span class=\"n\">\(waiting)</span> waiting</p>"), "queue \(id)")
        }
        for agent in agents {
            let id = try #require(agent["agent_id"] as? String)
            let state = agent["state"] as? String ?? "unknown"
            #expect(html.contains("<tr class=\"state-\(state)\" data-agent-id=\"\(id)\">"), "agent \(id) is \(state)")
        }
    }

    @Test("with --token-file: 401 without the token, 200 with it, and the token never in its output")
    func token() async throws {
        let folder = try TemporaryFolder()
        let tokenFile = folder.path("token")
        try Data("wall-screen-token\n".utf8).write(to: URL(fileURLWithPath: tokenFile))
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: tokenFile)
        let (server, base) = try await serve(["--token-file", tokenFile])
        #expect(try await Self.fetch(base + "/api/v1/queues").0 == 401)
        #expect(try await Self.fetch(base + "/api/v1/queues", headers: ["Authorization": "Bearer nope"]).0 == 401)
        #expect(try await Self.fetch(base + "/api/v1/queues", headers: ["Authorization": "Bearer wall-screen-token"]).0 == 200)
        server.signal(SIGINT)
        let status = try await Self.blocking(server) { $0.wait() }
        #expect(status == 0)
        #expect(!server.standardError().contains("wall-screen-token"))
    }

    @Test("--listen beyond loopback without --token-file: refused in one line, status 64")
    func refusesOpenListen() throws {
        let result = try binary.run(["serve", "--db", database, "--listen", "0.0.0.0:0"])
        #expect(result.status == 64)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(result.stderr)")
        #expect(result.stderr.contains("--token-file"))
    }
}
