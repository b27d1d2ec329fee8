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

/// `callstats collect`: connects to the CTI server, logs in, bootstraps and records every line
/// it receives, session after session, until a graceful shutdown.
///
/// Each TCP connection is one collection session. When a session ends for any reason other than
/// a shutdown, the collector reconnects after a capped exponential backoff with jitter (the
/// failure count is reset by a successful login), except for a protocol version mismatch under
/// `--protocol auto`, which is retried at once with the server's version. With `--once` the
/// first session is the last: `run()` returns when the server closes it after the login and
/// throws on any failure.
///
/// Its timers (the session's keepalive, poll and idle ticks, the reconnection backoff, the
/// commit and status timers, the database file check) sleep on `timers`, and what it records
/// reads the time from `clock`: tests inject a clock they advance instead of waiting.
///
/// Runs as a `Service`: on graceful shutdown (SIGTERM/SIGINT in a `ServiceGroup`) or task
/// cancellation the current connection is closed, the lines already received are recorded and
/// committed, the session ends with reason `shutdown`, and `run()` returns.
public struct Collector: Service, CustomStringConvertible {
    public let configuration: CollectorConfiguration
    let writer: RecordingWriter
    let logger: Logger
    private let runner: SessionRunner
    private let clock: @Sendable () -> Double
    let timers: any Clock<Duration>

    public init(
        configuration: CollectorConfiguration,
        writer: RecordingWriter,
        logger: Logger,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        clock: @escaping @Sendable () -> Double = WallClock.now,
        timers: any Clock<Duration> = ContinuousClock()
    ) throws(CollectorError) {
        self.configuration = configuration
        self.writer = writer
        self.logger = logger
        self.clock = clock
        self.timers = timers
        self.runner = SessionRunner(
            configuration: configuration, tlsContext: try configuration.makeTLSContext(), writer: writer,
            logger: logger, group: eventLoopGroup, clock: clock, timers: timers)
    }

    public var description: String { "Collector(\(configuration.server))" }

    public func run() async throws {
        await prepareDatabase()
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await self.commitLoop() }
                group.addTask { await self.statusLoop() }
                group.addTask { try await self.watchDatabaseFile() }
                group.addTask { try await self.collect() }
                // The first to end ends the run: the sessions (a shutdown, --once, a failure)
                // or the file watch (the database moved); the timers only end when cancelled.
                defer { group.cancelAll() }
                try await group.next()
            }
        } catch CollectorError.databaseReplaced(let path) {
            await closeMovedDatabase(path: path)
            throw CollectorError.databaseReplaced(path: path)
        }
    }

    // MARK: Sessions

    private func collect() async throws {
        let server = configuration.server.description
        var failures = 0
        var version = configuration.protocolChoice.firstVersion
        var retryingMismatch = false
        logger.info("collecting from \(server) as '\(configuration.user)' (TLS \(configuration.tls.rawValue), protocol \(configuration.protocolChoice.label))")

        while !Self.isStopping {
            let result = await runner.run(version: version)
            // A commit refused because the file moved fails the session like a full disk
            // would, but retrying cannot help: the collector stops.
            if let path = movedDatabasePath() {
                throw CollectorError.databaseReplaced(path: path)
            }
            if result.loggedIn {
                failures = 0
                retryingMismatch = false
            }
            let problem: CollectorError
            switch result.end {
            case .shutdown:
                await logStopped()
                return
            case .serverClosed:
                if configuration.once {
                    logger.info("\(server) closed the connection; one session was asked for (--once): done")
                    return
                }
                problem = .connectionLost(server: server, reason: "closed by the server")
            case .versionMismatch(let serverVersion):
                if configuration.protocolChoice == .auto && !retryingMismatch {
                    logger.notice("\(server) speaks CTI protocol \(serverVersion), not \(version): reconnecting with \(serverVersion)")
                    version = CTIProtocolVersion(serverVersion)
                    retryingMismatch = true
                    continue
                }
                problem = .protocolMismatch(server: server, client: version.rawValue, serverVersion: serverVersion)
            case .failed(let error):
                problem = error
            }
            if configuration.once {
                // The caller reports it (the command line prints it as its error).
                throw problem
            }
            failures += 1
            let delay = configuration.timing.backoff.delay(afterFailures: failures)
            let retry = "reconnecting in \(CollectorError.format1(delay)) s"
            switch problem {
            case .connectFailed, .connectionLost, .closedBeforeLogin, .idleTimeout:
                logger.warning("\(problem); \(retry)")
            default:
                logger.error("\(problem); \(retry)")
            }
            do {
                try await cancelWhenGracefulShutdown {
                    try await timers.sleep(for: .seconds(delay))
                }
            } catch {
                await logStopped()
                return
            }
        }
        await logStopped()
    }

    /// The last word of a graceful stop: how many lines were received, all of them committed
    /// and journaled by now (the writer ends the session before the run returns).
    private func logStopped() async {
        if movedDatabasePath() != nil { return }
        let statistics = await writer.statistics
        logger.info("collection stopped: shutdown; \(statistics.messages) lines received, all committed")
    }

    private static var isStopping: Bool {
        Task.isCancelled || Task.isShuttingDownGracefully
    }

    // MARK: Timers

    /// Commits a batch that has become old enough even when no line arrives to do it.
    private func commitLoop() async {
        let interval = Duration.seconds(configuration.timing.commitCheckInterval)
        while !Task.isCancelled {
            do {
                try await timers.sleep(for: interval)
            } catch {
                return
            }
            await writer.commitIfDue(now: clock())
        }
    }

    /// Once a minute: what was recorded so far, and how long ago the last line arrived.
    private func statusLoop() async {
        let interval = Duration.seconds(configuration.timing.statusLogInterval)
        while !Task.isCancelled {
            do {
                try await timers.sleep(for: interval)
            } catch {
                return
            }
            let statistics = await writer.statistics
            let last = statistics.lastReceivedAt.map { "\(Int((clock() - $0).rounded())) s ago" } ?? "none yet"
            logger.info("\(statistics.messages) messages, \(statistics.commits) commits, \(statistics.malformed) malformed lines; last message: \(last)")
        }
    }
}

extension ProtocolChoice {
    var label: String {
        switch self {
        case .auto: return "auto"
        case .fixed(let version): return version.rawValue
        }
    }
}

/// The local clock as epoch seconds, as the recorder stores it.
public enum WallClock {
    @Sendable
    public static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1_000_000_000
    }
}
