#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CTIProtocol
import Simulator
import Testing

/// A deliberately plain CTI client over a blocking POSIX socket: the tests check the
/// simulator's bytes, so nothing here may share code with the server side. Every read has a
/// timeout, which only guards against a hang: tests wait for messages, not for time.
final class TestClient {
    struct Closed: Error {}
    struct TimedOut: Error, CustomStringConvertible {
        let what: String
        var description: String { "timed out waiting for \(what)" }
    }

    private let fd: Int32
    private var buffer: [UInt8] = []
    private var eof = false
    /// Every complete line received, in order (for byte comparisons).
    private(set) var received: [[UInt8]] = []

    /// `receiveBuffer` shrinks the socket's receive buffer (before connecting, so the window
    /// is small from the start): the server's back-pressure then shows quickly.
    init(port: Int, receiveBuffer: Int32? = nil) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Closed() }
        if var size = receiveBuffer {
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard rc == 0 else {
            close()
            throw Closed()
        }
    }

    private var isClosed = false

    deinit { close() }

    /// Closes our end (unread data makes that a reset, as when a client dies).
    func close() {
        guard !isClosed else { return }
        isClosed = true
        Glibc.close(fd)
    }

    func send(raw bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw Closed() }
            offset += n
        }
    }

    func send(_ text: String) throws { try send(raw: Array(text.utf8)) }

    func send(_ object: JSONObject) throws {
        var out = JSON.serialize(.object(object))
        out.append(0x0A)
        try send(raw: out)
    }

    func send(_ command: ClientCommand) throws { try send(raw: command.encode()) }

    /// The next line, or nil at end of stream.
    func readLine(timeout seconds: Double = 20) throws -> [UInt8]? {
        let deadline = now() + seconds
        while true {
            if let nl = buffer.firstIndex(of: 0x0A) {
                let line = Array(buffer[..<nl])
                buffer.removeSubrange(...nl)
                received.append(line)
                return line
            }
            if eof { return nil }
            let remaining = deadline - now()
            guard remaining > 0 else { throw TimedOut(what: "a line") }
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&pfd, 1, Int32(min(remaining, 1) * 1000))
            if ready <= 0 { continue }
            var chunk = [UInt8](repeating: 0, count: 65536)
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 {
                eof = true
            } else {
                buffer.append(contentsOf: chunk[..<n])
            }
        }
    }

    func readObject(timeout: Double = 20) throws -> JSONObject? {
        guard let line = try readLine(timeout: timeout) else { return nil }
        guard case .object(let o) = try JSON.parse(line) else {
            Issue.record("not a JSON object: \(String(decoding: line, as: UTF8.self))")
            return nil
        }
        return o
    }

    /// Reads until a message satisfies `match` (returned), failing at end of stream.
    @discardableResult
    func read(until what: String, timeout: Double = 30, _ match: (JSONObject) -> Bool) throws -> JSONObject {
        let deadline = now() + timeout
        while true {
            let left = deadline - now()
            guard left > 0 else { throw TimedOut(what: what) }
            guard let o = try readObject(timeout: left) else { throw Closed() }
            if match(o) { return o }
        }
    }

    /// Reads everything until the server closes the connection.
    @discardableResult
    func readToEnd(timeout: Double = 120) throws -> [JSONObject] {
        let deadline = now() + timeout
        var out: [JSONObject] = []
        while true {
            let left = deadline - now()
            guard left > 0 else { throw TimedOut(what: "the end of the stream") }
            guard let o = try readObject(timeout: left) else { return out }
            out.append(o)
        }
    }

    /// Reads several clients to their ends at once (the model goes as fast as the slowest
    /// reader, so reading them one after the other would wait forever).
    static func readAllToEnd(_ clients: [TestClient], timeout seconds: Double = 120) throws {
        let start = clients.first?.now() ?? 0
        while clients.contains(where: { !$0.eof }) {
            guard (clients.first?.now() ?? 0) - start < seconds else { throw TimedOut(what: "the ends of the streams") }
            var fds = clients.map { pollfd(fd: $0.fd, events: Int16(POLLIN), revents: 0) }
            let ready = poll(&fds, nfds_t(fds.count), 1000)
            if ready <= 0 { continue }
            for (i, c) in clients.enumerated() where fds[i].revents != 0 && !c.eof {
                var chunk = [UInt8](repeating: 0, count: 65536)
                let n = chunk.withUnsafeMutableBytes { recv(c.fd, $0.baseAddress, $0.count, 0) }
                if n <= 0 { c.eof = true } else { c.buffer.append(contentsOf: chunk[..<n]) }
            }
        }
        for c in clients {
            while try c.readLine(timeout: 1) != nil {}
        }
    }

    /// True when the server closed the connection within the timeout (lines before the close
    /// are consumed).
    func closedByServer(timeout: Double = 60) throws -> Bool {
        while true {
            guard try readLine(timeout: timeout) != nil else { return true }
        }
    }

    /// The three-step login; returns the three replies.
    @discardableResult
    func login(version: String = "1.2", user: String = "stats", password: String = "secret",
               capaid: Int = 3) throws -> [JSONObject] {
        let v = CTIProtocolVersion(version)
        try send(.loginID(commandID: 1, userlogin: user, ident: "tests", version: v))
        let id = try read(until: "login_id") { $0["class"] == "login_id" }
        guard let session = id["sessionid"]?.string else { throw Closed() }
        try send(.loginPass(commandID: 2, password: password, sessionID: session, version: v))
        let pass = try read(until: "login_pass") { $0["class"] == "login_pass" }
        try send(.loginCapas(commandID: 3, capaID: capaid))
        let capas = try read(until: "login_capas") { $0["class"] == "login_capas" }
        return [id, pass, capas]
    }

    private func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}

/// Shuts down every server a test started, however the test ends: a server left running keeps
/// its event-loop thread alive, and the test process would never exit.
struct ShutsDownServers: SuiteTrait, TestTrait, TestScoping {
    var isRecursive: Bool { true }

    func provideScope(for test: Test, testCase: Test.Case?,
                      performing function: @Sendable () async throws -> Void) async throws {
        guard testCase != nil else { return try await function() }
        let registry = ServerRegistry()
        try await ServerRegistry.$current.withValue(registry) {
            do {
                try await function()
            } catch {
                await registry.shutDownAll()
                throw error
            }
            await registry.shutDownAll()
        }
    }
}

extension Trait where Self == ShutsDownServers {
    static var shutsDownServers: Self { ShutsDownServers() }
}

actor ServerRegistry {
    @TaskLocal static var current: ServerRegistry?
    private var servers: [SimulatorServer] = []

    func add(_ server: SimulatorServer) { servers.append(server) }

    /// Idempotent: a server the test already finished just refuses politely.
    func shutDownAll() async {
        for server in servers {
            try? await server.shutdown()
            try? await server.waitUntilFinished()
        }
        servers.removeAll()
    }
}

/// A server for one test, with the settings most tests want: any port, as fast as the client
/// reads, a full day that is still running while the test talks to it. Tests that read a whole
/// day set a short `duration` and `exitWhenDone`.
func startServer(_ configure: (inout SimulatorConfiguration) -> Void = { _ in }) async throws -> SimulatorServer {
    var c = SimulatorConfiguration()
    c.port = 0
    c.speed = .max
    c.duration = 8 * 3600 * 1_000_000
    c.queues = 3
    c.agents = 12
    // The day starts at the login itself: tests that bootstrap send their commands with it.
    c.clockStartDelaySeconds = 0
    configure(&c)
    let server = try await SimulatorServer.start(configuration: c)
    await ServerRegistry.current?.add(server)
    return server
}

/// A short day read from start to end.
func shortDay(_ c: inout SimulatorConfiguration) {
    c.duration = 30 * 60 * 1_000_000
    c.exitWhenDone = true
}

extension JSONObject {
    var klass: String? { self["class"]?.string }
}
