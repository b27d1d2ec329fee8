import CTIProtocol
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import ServiceLifecycle

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// How a session ended, for the collector to decide what comes next.
enum SessionEnd: Sendable, Equatable {
    /// Graceful shutdown or cancellation: everything received was recorded and committed.
    case shutdown
    /// The server closed the connection after the login: `clean` when it ended the stream
    /// (TCP FIN), not when the connection was reset.
    case serverClosed(clean: Bool)
    /// The server named another protocol version: reconnect with it.
    case versionMismatch(serverVersion: String)
    case failed(CollectorError)

    /// `collection_session.end_reason` of a session that `collect --once` asked for and the
    /// server ended cleanly: the end that was asked for, a normal one (the demo's simulator
    /// closes every connection when its day is over). Without `--once` the same close is
    /// `connection_lost`, as is a reset with it: the collector did not expect those.
    static let onceServerClosedReason = "server_closed"

    /// `collection_session.end_reason`.
    var reason: String {
        switch self {
        case .shutdown: return "shutdown"
        case .serverClosed: return "connection_lost"
        case .versionMismatch: return "protocol_mismatch"
        case .failed(let error):
            switch error {
            case .loginRefused: return "login_refused"
            case .protocolMismatch: return "protocol_mismatch"
            case .tlsNotOffered, .tlsRefused: return "tls_unavailable"
            case .tlsFailed: return "tls_failed"
            case .idleTimeout: return "idle_timeout"
            case .lineTooLong: return "line_too_long"
            case .protocolError: return "protocol_error"
            default: return "connection_lost"
            }
        }
    }
}

struct SessionResult: Sendable {
    var end: SessionEnd
    /// The login completed during the session.
    var loggedIn: Bool
}

/// Runs one collection session: one TCP connection from connect to close, recorded as one
/// `collection_session`.
///
/// The pipeline is `[TLS from the connect or after STARTTLS] -> LineBatchDecoder -> SessionTicker -> async
/// channel`; one loop consumes its events in order, hands every line to the writer (awaiting
/// it: back-pressure), and lets `SessionMachine` decide what to send. Commands are written
/// without waiting for the socket to take them, so a server that stops reading while it floods
/// us cannot stall the read loop; their number is bounded by the number of PBX objects.
struct SessionRunner: Sendable {
    let configuration: CollectorConfiguration
    let tlsContext: NIOSSLContext?
    let writer: RecordingWriter
    let logger: Logger
    let group: any EventLoopGroup
    let clock: @Sendable () -> Double
    let timers: any Clock<Duration>

    private var server: String { configuration.server.description }

    func run(version: CTIProtocolVersion) async -> SessionResult {
        let asyncChannel: NIOAsyncChannel<SessionInput, ByteBuffer>
        do {
            asyncChannel = try await connect()
        } catch {
            return SessionResult(end: .failed(.connectFailed(server: server, reason: Self.describe(error))), loggedIn: false)
        }
        let channel = asyncChannel.channel
        let connectedAt = clock()
        var machine = SessionMachine(settings: SessionSettings(configuration: configuration, version: version))
        var loggedIn = false
        let end: SessionEnd = await withTaskCancellationOrGracefulShutdownHandler {
            do {
                // Everything inside, so the channel is closed (and its writer finished) on
                // every path, a database that cannot even begin the session included.
                return try await asyncChannel.executeThenClose { inbound, _ in
                    do throws(CollectorError) {
                        try await writer.beginSession(server: server, connectedAt: connectedAt)
                    } catch {
                        return .failed(error)
                    }
                    logger.debug("connected", metadata: ["server": "\(server)"])
                    // The read loop runs on the writer's own thread: it hands every read's
                    // lines to the writer and waits for it anyway.
                    return await withTaskExecutorPreference(writer.thread) {
                        await consume(inbound, channel: channel, machine: &machine, loggedIn: &loggedIn)
                    }
                }
            } catch {
                // Only closing the channel can throw here, after the session's end was decided.
                return .failed(.connectionLost(server: server, reason: Self.describe(error)))
            }
        } onCancelOrGracefulShutdown: {
            // The read loop then drains what was already received and sees the end.
            channel.close(promise: nil)
        }

        switch end {
        case .failed(.database):
            break  // The writer already abandoned the session.
        case .serverClosed(clean: true) where configuration.once:
            // Ended at the server's last event, not at this machine's later clock: the same
            // lines record the same session, byte for byte (the demo's reports).
            await writer.endSession(reason: SessionEnd.onceServerClosedReason, at: nil)
        default:
            await writer.endSession(reason: end.reason, at: clock())
        }
        return SessionResult(end: end, loggedIn: loggedIn)
    }

    // MARK: Connection

    private func connect() async throws -> NIOAsyncChannel<SessionInput, ByteBuffer> {
        let maximumLineLength = configuration.maximumLineLength
        let tickInterval = configuration.timing.tickInterval
        let clock = self.clock
        let timers = self.timers
        let timeout = TimeAmount.milliseconds(Int64(configuration.timing.connectTimeout * 1000))
        // `--tls direct`: the handshake starts with the connection (the server's TLS port).
        let directTLS = configuration.tls == .direct ? tlsContext : nil
        let hostname = configuration.server.hostIsIPAddress ? nil : configuration.server.host
        return try await ClientBootstrap(group: group)
            .connectTimeout(timeout)
            .channelOption(.socketOption(.so_keepalive), value: 1)
            .connect(host: configuration.server.host, port: configuration.server.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    let operations = channel.pipeline.syncOperations
                    if let directTLS {
                        try operations.addHandler(NIOSSLClientHandler(context: directTLS, serverHostname: hostname))
                    }
                    try operations.addHandler(
                        ByteToMessageHandler(LineBatchDecoder(maximumLineLength: maximumLineLength, clock: clock)))
                    try operations.addHandler(SessionTicker(interval: tickInterval, clock: clock, timers: timers))
                    // A bounded number of reads in flight: the read loop pulls, the socket waits.
                    // Enough (8 to 24 reads of at most 64 KiB) that the writer finds lines
                    // waiting when it finishes a batch: with 2 to 8 it went idle a sixth of the
                    // time at full speed, waiting for the server to send again.
                    return try NIOAsyncChannel<SessionInput, ByteBuffer>(
                        wrappingChannelSynchronously: channel,
                        configuration: .init(backPressureStrategy: .init(lowWatermark: 8, highWatermark: 24)))
                }
            }
    }

    // MARK: Read loop


    private func consume(_ inbound: NIOAsyncChannelInboundStream<SessionInput>, channel: any Channel,
                         machine: inout SessionMachine, loggedIn: inout Bool) async -> SessionEnd
    {
        if let end = await perform(machine.start(now: clock()), channel: channel, loggedIn: &loggedIn) {
            return end
        }
        var iterator = inbound.makeAsyncIterator()
        while true {
            let input: SessionInput?
            do {
                input = try await iterator.next()
            } catch let oversized as OversizedLineError {
                return await lineTooLong(oversized)
            } catch NIOSSLError.uncleanShutdown {
                // The server closed the TCP connection without TLS's close_notify: a close.
                input = nil
            } catch {
                if Self.isShuttingDown { return .shutdown }
                if loggedIn && Self.isPeerClose(error) { return .serverClosed(clean: false) }
                if Self.isTLSError(error) {
                    return .failed(.tlsFailed(server: server, reason: Self.describe(error)))
                }
                return .failed(.connectionLost(server: server, reason: Self.describe(error)))
            }
            guard let input else {
                if Self.isShuttingDown { return .shutdown }
                return loggedIn ? .serverClosed(clean: true) : .failed(.closedBeforeLogin(server: server))
            }

            switch input {
            case .tick(let tick):
                do {
                    // Rows are written in the background: a failure may come after the
                    // hand-off that caused it, and no line may come to learn of it.
                    try await writer.checkWrites()
                } catch {
                    return .failed(error)
                }
                if let end = await perform(machine.tick(tick, now: clock()), channel: channel, loggedIn: &loggedIn) {
                    return end
                }

            case .lines(let batch):
                do {
                    try await writer.record(batch)
                } catch {
                    return .failed(error)
                }
                for index in 0..<batch.count {
                    let acts = batch.withMessage(at: index) { decoded in
                        guard case .success(let message) = decoded else { return false }
                        return machine.acts(on: message)
                    }
                    guard acts, case .success(let message) = batch.message(at: index) else { continue }
                    let actions = machine.receive(message, now: clock())
                    if actions.contains(.startTLS) && index != batch.count - 1 {
                        return .failed(.protocolError(
                            server: server, reason: "the server sent clear text after agreeing to STARTTLS"))
                    }
                    if let end = await perform(actions, channel: channel, loggedIn: &loggedIn) {
                        return end
                    }
                }
            }
        }
    }

    private func lineTooLong(_ line: OversizedLineError) async -> SessionEnd {
        do {
            try await writer.recordOversizedLine(line)
        } catch {
            return .failed(error)
        }
        return .failed(.lineTooLong(server: server, limit: line.limit))
    }

    /// Carries out the machine's actions; returns the session's end when one of them ends it.
    private func perform(_ actions: [SessionMachine.Action], channel: any Channel,
                         loggedIn: inout Bool) async -> SessionEnd?
    {
        for action in actions {
            switch action {
            case .send(let commands):
                guard !commands.isEmpty else { continue }
                var buffer = channel.allocator.buffer(capacity: commands.count * 128)
                for command in commands {
                    buffer.writeBytes(command.encode())
                }
                logger.trace("sending", metadata: ["commands": "\(commands.count)", "first": "\(commands[0].object["class"]?.string ?? "?")"])
                channel.writeAndFlush(buffer, promise: nil)

            case .startTLS:
                guard let tlsContext else {
                    return .failed(.tlsFailed(server: server, reason: "TLS is not configured"))
                }
                let hostname = configuration.server.hostIsIPAddress ? nil : configuration.server.host
                do {
                    try await channel.eventLoop.submit {
                        let handler = try NIOSSLClientHandler(context: tlsContext, serverHostname: hostname)
                        try channel.pipeline.syncOperations.addHandler(handler, position: .first)
                    }.get()
                } catch {
                    return .failed(.tlsFailed(server: server, reason: Self.describe(error)))
                }
                logger.debug("STARTTLS accepted, TLS handshake started", metadata: ["server": "\(server)"])

            case let .loggedIn(version, tls):
                loggedIn = true
                do {
                    try await writer.describeSession(protocolVersion: version.rawValue, tls: tls)
                } catch {
                    return .failed(error)
                }
                logger.info("logged in to \(server) as '\(configuration.user)' (CTI protocol \(version), \(tls ? "TLS" : "clear text"))")

            case .end(let ending):
                switch ending {
                case .idleTimeout:
                    return .failed(.idleTimeout(server: server, seconds: configuration.timing.idleTimeout))
                case .loginRefused(let text):
                    return .failed(.loginRefused(user: configuration.user, server: server, error: text))
                case .versionMismatch(let serverVersion):
                    return .versionMismatch(serverVersion: serverVersion)
                case .tlsNotOffered:
                    return .failed(.tlsNotOffered(server: server))
                case .tlsRefused:
                    return .failed(.tlsRefused(server: server))
                }
            }
        }
        return nil
    }

    // MARK: Helpers

    private static var isShuttingDown: Bool {
        Task.isCancelled || Task.isShuttingDownGracefully
    }

    static func isTLSError(_ error: any Error) -> Bool {
        error is NIOSSLError || error is NIOSSLExtraError || error is BoringSSLError
    }

    /// True for the errors a peer's close can surface as (a reset instead of a clean close,
    /// e.g. when it closes with our commands unread): after the login, the server closed.
    static func isPeerClose(_ error: any Error) -> Bool {
        guard let error = error as? IOError else { return false }
        return error.errnoCode == ECONNRESET || error.errnoCode == EPIPE
    }

    /// A short description of a network error for a log line.
    static func describe(_ error: any Error) -> String {
        if let error = error as? IOError {
            return String(cString: strerror(error.errnoCode))
        }
        if let error = error as? NIOConnectionError {
            var reasons: [String] = []
            for failure in error.connectionErrors {
                let reason = describe(failure.error)
                if !reasons.contains(reason) { reasons.append(reason) }
            }
            if reasons.isEmpty, let dns = error.dnsAError ?? error.dnsAAAAError {
                return "cannot resolve \(error.host): \(dns)"
            }
            return reasons.isEmpty ? "no address to connect to" : reasons.joined(separator: "; ")
        }
        if let error = error as? ChannelError, case .connectTimeout(let timeout) = error {
            return "no answer within \(timeout.nanoseconds / 1_000_000_000) s"
        }
        if let error = error as? NIOSSLError {
            switch error {
            case .handshakeFailed(let inner):
                return "handshake failed: \(inner)"
            default:
                return "\(error)"
            }
        }
        return "\(error)"
    }
}
