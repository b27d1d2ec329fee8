import CTIProtocol
import CallStatsTestSupport
import Simulator
import Testing

/// Samples the server until `condition` holds, or fails after `timeout` seconds (a guard: the
/// loop ends as soon as the condition is seen).
func waitFor(_ what: String, timeout: Double = 120, server: SimulatorServer,
             _ condition: @escaping (SimulatorStatistics) -> Bool) async throws -> SimulatorStatistics {
    try await eventually(what, timeout: timeout) { () async throws -> SimulatorStatistics? in
        let s = try await server.statistics()
        return condition(s) ? s : nil
    }
}

/// Returns once the server's login timeout has dropped a client that connects now: a span of
/// the server's `loginTimeoutSeconds` has passed, as its own timers count it. Tests that check
/// that nothing happens during a span mark it by this event instead of sleeping through it.
func serverSpan(_ server: SimulatorServer) async throws {
    let port = server.port
    #expect(try await offPool { try TestClient(port: port).closedByServer(timeout: 120) })
}

@Suite("The simulated clock and back-pressure", .shutsDownServers)
struct PacingTests {
    @Test("at max speed a client that stops reading stalls the model instead of growing a buffer")
    func slowReaderStallsModel() async throws {
        // A big day: buffered without bound, its stream would be well over 100 MiB.
        let server = try await startServer {
            $0.agents = 150
            $0.queues = 8
            $0.duration = 8 * 3600 * 1_000_000
            $0.writeBufferHighWaterMark = 256 * 1024
            $0.writeBufferLowWaterMark = 64 * 1024
            $0.loginTimeoutSeconds = 0.1  // the span `serverSpan` marks
        }
        let client = try TestClient(port: server.port, receiveBuffer: 64 * 1024)
        try client.login()
        // Stop reading. The model must come to a halt with little buffered: five spans of the
        // server's own timers in a row in which its clock did not move.
        var previous = try await server.statistics()
        var stalledSpans = 0
        var spans = 0
        while stalledSpans < 5 && spans < 600 {
            try await serverSpan(server)
            spans += 1
            let s = try await server.statistics()
            stalledSpans = s.simulatedTime == previous.simulatedTime && s.bufferedOutboundBytes > 0 ? stalledSpans + 1 : 0
            #expect(s.bufferedOutboundBytes < 2 * 1024 * 1024, "buffered \(s.bufferedOutboundBytes) bytes")
            previous = s
        }
        #expect(stalledSpans == 5, "the model kept running for a client that does not read")
        #expect(!previous.dayOver)
        let stalledAt = previous.simulatedTime
        #expect(stalledAt < Double(SimulatorConfiguration.defaultStart + 8 * 3600 * 1_000_000) / 1e6)
        // Reading again lets the day go on.
        for _ in 0..<20_000 { _ = try client.readLine() }
        let resumed = try await server.statistics()
        #expect(resumed.simulatedTime > stalledAt)
        try await finish(server)
    }

    @Test("shutting down does not wait forever for a client that stopped reading")
    func shutdownWithStuckClient() async throws {
        let server = try await startServer {
            $0.writeBufferHighWaterMark = 32 * 1024
            $0.writeBufferLowWaterMark = 8 * 1024
        }
        let client = try TestClient(port: server.port, receiveBuffer: 16 * 1024)
        try client.login()
        _ = try await waitFor("the model to stall on the client", server: server) { $0.bufferedOutboundBytes > 16 * 1024 }
        let clock = ContinuousClock()
        let began = clock.now
        let stopping = Task {
            try await server.shutdown()
            try await server.waitUntilFinished()
        }
        // Look rather than await: if the server never finishes, fail instead of hanging here.
        try await eventually("the server to finish", timeout: 60) { await server.isStopped }
        // It gives a stuck client 2 s: far less than forever, even on a loaded machine.
        #expect(clock.now - began < .seconds(30))
        try await stopping.value
        withExtendedLifetime(client) {}
    }

    @Test("at max speed the model waits while nobody is logged in")
    func noReaderNoProgress() async throws {
        let server = try await startServer {
            $0.writeBufferHighWaterMark = 32 * 1024
            $0.writeBufferLowWaterMark = 8 * 1024
            $0.loginTimeoutSeconds = 0.3  // the span `serverSpan` marks
        }
        let client = try TestClient(port: server.port, receiveBuffer: 16 * 1024)
        try client.login()
        try client.read(until: "some traffic") { $0["listname"] == "agents" }
        client.close()
        let alone = try await waitFor("the disconnection", server: server) { $0.connectedClients == 0 }
        try await serverSpan(server)  // a span in which nothing may happen
        let again = try await server.statistics()
        #expect(!alone.dayOver)
        #expect(again.simulatedTime == alone.simulatedTime)
        try await finish(server)
    }

    @Test("at max speed a login after every reader left resumes the day")
    func loginResumesDay() async throws {
        let server = try await startServer()
        let first = try TestClient(port: server.port)
        try first.login()
        try first.read(until: "some traffic") { $0["listname"] == "agents" }
        first.close()
        let alone = try await waitFor("the disconnection", server: server) { $0.connectedClients == 0 }
        let second = try TestClient(port: server.port)
        try second.login()
        // Day traffic stamped after the moment everyone had left: the model moved on.
        let later = try second.read(until: "traffic after the reconnection") {
            $0["class"]?.string == "getlist" && ($0["timenow"]?.double ?? 0) > alone.simulatedTime
        }
        #expect((later["timenow"]?.double ?? 0) > alone.simulatedTime)
        try await finish(server)
    }

    @Test("the clock starts the configured delay after the first login (1 s by default)")
    func clockStartDelay() async throws {
        #expect(SimulatorConfiguration().clockStartDelaySeconds == 1)
        let server = try await startServer { $0.clockStartDelaySeconds = 0.5 }
        let client = try TestClient(port: server.port)
        let before = ContinuousClock.now
        try client.login()
        #expect(try await server.statistics().clockStarted == false)
        _ = try await waitFor("the clock to start", server: server) { $0.clockStarted }
        #expect(ContinuousClock.now - before >= .milliseconds(450))
        // Nothing of the day reached the client before the clock started: its first broadcast
        // after the login replies is stamped at the day's first instant or later.
        let first = try client.read(until: "an agent status") { $0["listname"] == "agents" }
        #expect((first["timenow"]?.double ?? 0) > Double(SimulatorConfiguration.defaultStart) / 1e6)
        try await finish(server)
    }

    @Test("a finite speed paces simulated time against real time")
    func finiteSpeed() async throws {
        let server = try await startServer { $0.speed = .factor(120) }
        let client = try TestClient(port: server.port)
        let start = ContinuousClock.now
        try client.login()
        let dayStart = Double(SimulatorConfiguration.defaultStart) / 1e6
        // A minute of the day goes by, and not faster than 120 times real time.
        let s = try await waitFor("a simulated minute", server: server) { $0.simulatedTime - dayStart > 60 }
        let elapsed = ContinuousClock.now - start
        let real = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let simulated = s.simulatedTime - dayStart
        #expect(simulated <= real * 120 + 1, "simulated \(simulated) s in \(real) s")
        try await finish(server)
    }

    @Test("at a finite speed a client that stops reading is dropped once its buffer passes the bound")
    func finiteSpeedDropsSlowClient() async throws {
        let server = try await startServer {
            $0.speed = .factor(5000)
            $0.agents = 80
            $0.queues = 5
            $0.duration = 8 * 3600 * 1_000_000
            $0.writeBufferHighWaterMark = 64 * 1024
            $0.writeBufferLowWaterMark = 16 * 1024
            $0.dropClientAboveBufferedBytes = 512 * 1024
        }
        let client = try TestClient(port: server.port, receiveBuffer: 16 * 1024)
        try client.login()
        let s = try await waitFor("the slow client to be dropped", timeout: 60, server: server) { $0.connectedClients == 0 }
        #expect(s.connectedClients == 0)
        // What reached the client stops well before the end of the day: it was cut off, not
        // served to the end.
        let received = try client.readToEnd()
        let last = try #require(received.last?["timenow"]?.double)
        let end = Double(SimulatorConfiguration.defaultStart + 8 * 3600 * 1_000_000) / 1e6
        #expect(last < end - 3600)
        try await finish(server)
    }
}
