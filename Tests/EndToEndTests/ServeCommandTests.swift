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
        let server = try RunningCallStats(binary: binary, arguments: ["serve", "--db", database, "--listen", "127.0.0.1:0", "--tz", "UTC"] + extra)
        let line = try await Self.blocking(server) { $0.nextLine() }
        let prefix = "callstats serve: listening on "
        guard let line, line.hasPrefix(prefix) else {
            server.signal(SIGTERM)
            throw TestFailure("serve did not start: \(line ?? "") \(server.standardError())")
        }
        return (server, String(line.dropFirst(prefix.count)))
    }

    /// A blocking call on the process (read a line, wait for its exit), off the cooperative pool.
    /// The process object is only used by this call while the test awaits it.
    static func blocking<T: Sendable>(_ server: RunningCallStats, _ body: @escaping @Sendable (RunningCallStats) -> T) async throws -> T {
        let handle = ProcessHandle(server: server)
        return try await offPool { body(handle.server) }
    }

    static func fetch(_ url: String, headers: [String: String] = [:]) async throws -> (Int, Data) {
        var request = URLRequest(url: try #require(URL(string: url)))
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, data)
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

/// A `RunningCallStats` handed to one blocking call at a time (see `blocking`).
private struct ProcessHandle: @unchecked Sendable {
    let server: RunningCallStats
}
