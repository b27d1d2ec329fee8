import CallStatsTestSupport
import Foundation
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `callstats serve` as a process, for the tests that talk to it over a real socket.
enum ServeProcess {
    /// Starts `callstats serve ARGUMENTS` (which name `--listen`) and returns it with the base
    /// URL it says it listens on.
    static func start(_ binary: CallStatsBinary, _ arguments: [String]) async throws -> (RunningCallStats, String) {
        let server = try RunningCallStats(binary: binary, arguments: ["serve"] + arguments)
        let line = try await blocking(server) { $0.nextLine() }
        let prefix = "callstats serve: listening on "
        guard let line, line.hasPrefix(prefix) else {
            server.signal(SIGTERM)
            throw TestFailure("serve did not start: \(line ?? "") \(server.standardError())")
        }
        return (server, String(line.dropFirst(prefix.count)))
    }

    /// Stops it with SIGTERM and returns its exit status. A server that does not end within
    /// `timeout` seconds is killed and the test fails, rather than hanging the run.
    static func stop(_ server: RunningCallStats, timeout: Double = 30) async throws -> Int32 {
        server.signal(SIGTERM)
        do {
            try await eventually("the process to exit after SIGTERM", timeout: timeout, every: .milliseconds(20)) { !server.process.isRunning }
        } catch {
            server.signal(SIGKILL)
            _ = try await blocking(server) { $0.wait() }
            throw error
        }
        return try await blocking(server) { $0.wait() }
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

    /// The port of a base URL such as `http://127.0.0.1:8080`.
    static func port(_ base: String) throws -> Int {
        guard let port = URL(string: base)?.port else { throw TestFailure("no port in \(base)") }
        return port
    }
}

/// A `RunningCallStats` handed to one blocking call at a time (see `ServeProcess.blocking`).
struct ProcessHandle: @unchecked Sendable {
    let server: RunningCallStats
}
