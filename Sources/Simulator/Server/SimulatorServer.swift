import Logging
import NIOCore
import NIOPosix
import NIOSSL

/// A running simulated XiVO/Wazo CTI server.
///
/// One clear-text listener (STARTTLS offered on connect with protocol 2.x) and, optionally, a
/// listener that speaks TLS from the first byte, like XiVO's `CTIS` port up to 15.19.
///
/// One event-loop thread runs the listener, every client connection and the model (see `Hub`).
/// The simulated clock starts at the first successful login (`login_capas`); before that it
/// shows `configuration.start`.
public final class SimulatorServer: Sendable {
    private let group: MultiThreadedEventLoopGroup
    private let hub: NIOLoopBound<Hub>
    private let eventLoop: EventLoop
    private let serverChannels: [Channel]
    private let lifecycle = Lifecycle()
    /// The port actually bound (useful with port 0).
    public let port: Int
    public let host: String
    /// The direct TLS listener, when there is one.
    public let directTLSHost: String?
    public let directTLSPort: Int?

    private init(group: MultiThreadedEventLoopGroup, hub: NIOLoopBound<Hub>, eventLoop: EventLoop,
                 serverChannels: [Channel], host: String, port: Int, directTLSHost: String?, directTLSPort: Int?) {
        self.group = group
        self.hub = hub
        self.eventLoop = eventLoop
        self.serverChannels = serverChannels
        self.host = host
        self.port = port
        self.directTLSHost = directTLSHost
        self.directTLSPort = directTLSPort
    }

    /// Binds the listener and returns once clients can connect. Without a logger, only
    /// problems are logged.
    public static func start(configuration: SimulatorConfiguration, logger: Logger? = nil) async throws -> SimulatorServer {
        let logger = logger ?? {
            var l = Logger(label: "callstats.simulator")
            l.logLevel = .warning
            return l
        }()
        let tlsContext = try configuration.tls.map { tls throws(SimulatorError) in try tls.makeContext() }
        if configuration.directTLSPort != nil && tlsContext == nil {
            throw SimulatorError.tls("a direct TLS listener needs a certificate and its key")
        }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let eventLoop = group.next()
        let box: NIOLoopBound<Hub>
        do {
            box = try await eventLoop.submit {
                let truth = try configuration.truthPath.map { path throws(SimulatorError) in try LineFileWriter(path: path, what: "truth file") }
                let queueLog = try configuration.queueLogPath.map { path throws(SimulatorError) in try LineFileWriter(path: path, what: "queue_log") }
                let hub = Hub(eventLoop: eventLoop, configuration: configuration, truthFile: truth, queueLogFile: queueLog, logger: logger)
                hub.tlsContext = tlsContext
                try hub.attachYielder()
                return NIOLoopBound(hub, eventLoop: eventLoop)
            }.get()
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
        let channel: Channel
        var directTLS: (channel: Channel, port: Int)?
        do {
            channel = try await listen(host: configuration.host, port: configuration.port, tls: nil,
                                       configuration: configuration, eventLoop: eventLoop, hub: box)
            if let port = configuration.directTLSPort, let tlsContext {
                let host = configuration.directTLSHost ?? configuration.host
                let tlsChannel = try await listen(host: host, port: port, tls: tlsContext,
                                                  configuration: configuration, eventLoop: eventLoop, hub: box)
                directTLS = (tlsChannel, tlsChannel.localAddress?.port ?? port)
            }
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
        let listeners = [channel] + (directTLS.map { [$0.channel] } ?? [])
        try await eventLoop.submit { box.value.serverChannels = listeners }.get()
        let port = channel.localAddress?.port ?? configuration.port
        return SimulatorServer(group: group, hub: box, eventLoop: eventLoop, serverChannels: listeners,
                               host: configuration.host, port: port,
                               directTLSHost: directTLS == nil ? nil : (configuration.directTLSHost ?? configuration.host),
                               directTLSPort: directTLS?.port)
    }

    /// Binds one listener. With `tls`, every accepted connection speaks TLS from its first byte
    /// (the `CTIS` kind of listener); otherwise clear text, with STARTTLS as the protocol allows.
    private static func listen(host: String, port: Int, tls: NIOSSLContext?, configuration: SimulatorConfiguration,
                               eventLoop: EventLoop, hub box: NIOLoopBound<Hub>) async throws -> Channel {
        let bootstrap = ServerBootstrap(group: eventLoop, childGroup: eventLoop)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.writeBufferWaterMark, value: .init(
                low: configuration.writeBufferLowWaterMark, high: configuration.writeBufferHighWaterMark))
            .childChannelInitializer { channel in
                // The child channel lives on the hub's loop (childGroup above).
                channel.eventLoop.makeCompletedFuture {
                    let operations = channel.pipeline.syncOperations
                    if let tls {
                        try operations.addHandler(NIOSSLServerHandler(context: tls))
                    }
                    try operations.addHandler(ClientHandler(hub: box.value, directTLS: tls != nil))
                }
            }
        do {
            return try await bootstrap.bind(host: host, port: port).get()
        } catch {
            throw SimulatorError.bind(host: host, port: port, reason: "\(error)")
        }
    }

    /// Returns when the simulated day is over and every connection has been closed (with
    /// `exitWhenDone`), or after `shutdown()`. Safe to call more than once.
    public func waitUntilFinished() async throws {
        guard await !lifecycle.isStopped else { return }
        let hub = self.hub
        let future = try await eventLoop.submit { hub.value.finished.futureResult }.get()
        try await future.get()
        for channel in serverChannels {
            try await channel.closeFuture.get()
        }
        guard await lifecycle.stop() else { return }
        try await group.shutdownGracefully()
    }

    /// Closes every connection (after writing what is pending, with a short grace for clients
    /// that do not read) and the listener. Does nothing once the server has stopped.
    public func shutdown() async throws {
        guard await !lifecycle.isStopped else { return }
        let hub = self.hub
        try await eventLoop.submit { hub.value.shutdown() }.get()
    }

    /// Once the event loop is gone nothing may be scheduled on it (NIO complains, and will
    /// crash in the future): this remembers that it is.
    private actor Lifecycle {
        private(set) var isStopped = false

        /// True for the one caller that gets to stop the event loop.
        func stop() -> Bool {
            defer { isStopped = true }
            return !isStopped
        }
    }

    /// True once `waitUntilFinished` has seen the server through to the end.
    public var isStopped: Bool {
        get async { await lifecycle.isStopped }
    }

    public func statistics() async throws -> SimulatorStatistics {
        guard await !lifecycle.isStopped else { throw SimulatorError.stopped }
        let hub = self.hub
        return try await eventLoop.submit { hub.value.statistics() }.get()
    }
}

/// A snapshot of the simulator's state, for tests and benchmarks.
public struct SimulatorStatistics: Sendable {
    /// Epoch seconds on the simulated clock.
    public var simulatedTime: Double
    public var clockStarted: Bool
    public var dayOver: Bool
    public var connectedClients: Int
    public var loggedInClients: Int
    /// Messages queued for connected clients so far (disconnected clients' counts drop out).
    public var messagesSent: Int
    /// Output produced for clients and not yet accepted by their sockets (ours and NIO's).
    public var bufferedOutboundBytes: Int
    public var modelEvents: Int
}
