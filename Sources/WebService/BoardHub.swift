import Foundation
import Logging
import Hummingbird
import Reports
import ServiceLifecycle

/// Watches the database for commits and hands every wallboard stream the new board.
///
/// One poll for all clients: every `pollInterval` (on the injected clock) it reads SQLite's
/// `data_version`, which changes when the collector commits and costs no read of the tables;
/// only then does it read a board, once, for every client. It also reads one every
/// `refreshInterval` without a commit, so "now" and the waits move on a quiet floor and a
/// proxy sees traffic on the stream.
///
/// Each board is rendered once per distinct `?queues=` among the open streams, and every
/// stream of that choice is handed the same event bytes: a wall of 200 screens costs one
/// render a commit, not 200.
///
/// Each client's stream keeps only the newest event (`bufferingNewest(1)`): a slow client
/// skips boards and never holds up the hub or the others. At most `maximumEventClients`
/// streams are open at once.
public actor BoardHub: Service {
    private struct Subscriber {
        var queues: [String]
        var continuation: AsyncStream<ByteBuffer>.Continuation
    }

    private let reader: SnapshotReader
    private let settings: ServeSettings
    private let clock: any Clock<Duration>
    private let wallClock: @Sendable () -> Double
    public let refreshInterval: Duration = .seconds(5)

    private var subscribers: [UUID: Subscriber] = [:]
    private var latest: Board?
    /// The latest board's SSE event, per `?queues=` (emptied with each new board).
    private var events: [[String]: ByteBuffer] = [:]
    private var lastVersion: Int64?
    /// Boards read since the hub started (tests wait on it).
    public private(set) var boardsRead = 0
    /// Boards rendered into events since the hub started.
    public private(set) var boardsRendered = 0

    public init(reader: SnapshotReader, settings: ServeSettings, clock: any Clock<Duration>, wallClock: @escaping @Sendable () -> Double) {
        self.reader = reader
        self.settings = settings
        self.clock = clock
        self.wallClock = wallClock
    }

    public var clientCount: Int { subscribers.count }

    /// A stream of SSE board events for the tiles of `queues` (names or ids; empty for all),
    /// the current board's first; nil when `maximumEventClients` are open.
    public func subscribe(queues: [String] = []) -> (id: UUID, events: AsyncStream<ByteBuffer>)? {
        guard subscribers.count < settings.maximumEventClients else { return nil }
        let id = UUID()
        let (stream, continuation) = AsyncStream.makeStream(of: ByteBuffer.self, bufferingPolicy: .bufferingNewest(1))
        subscribers[id] = Subscriber(queues: queues, continuation: continuation)
        if let latest { continuation.yield(event(latest, queues: queues)) }
        continuation.onTermination = { [weak self] _ in
            Task { await self?.unsubscribe(id) }
        }
        return (id, stream)
    }

    public func unsubscribe(_ id: UUID) {
        subscribers.removeValue(forKey: id)?.continuation.finish()
    }

    /// One poll: reads a board when the database changed, or when `force`.
    public func poll(force: Bool = false) async throws {
        let version = try await reader.dataVersion()
        guard force || version != lastVersion || latest == nil else { return }
        lastVersion = version
        let board = try await reader.board(calendar: settings.calendar, thresholds: settings.thresholds,
                                           stale: settings.stale, wallClock: wallClock())
        latest = board
        events.removeAll()
        boardsRead += 1
        for subscriber in subscribers.values {
            subscriber.continuation.yield(event(board, queues: subscriber.queues))
        }
    }

    /// `board`'s event for `queues`, rendered on the first ask.
    private func event(_ board: Board, queues: [String]) -> ByteBuffer {
        if let event = events[queues] { return event }
        let options = Wallboard.Options(queues: queues)
        let event = ByteBuffer(string: Wallboard.event(Wallboard.fragment(board, options: options, settings: settings)))
        events[queues] = event
        boardsRendered += 1
        return event
    }

    public func run() async throws {
        let logger = Logger(label: "callstats.serve")
        await cancelWhenGracefulShutdown {
            var sinceRefresh: Duration = .zero
            while !Task.isCancelled {
                do {
                    try await self.clock.sleep(for: self.settings.pollInterval)
                } catch {
                    return
                }
                sinceRefresh += self.settings.pollInterval
                let force = sinceRefresh >= self.refreshInterval
                if force { sinceRefresh = .zero }
                do {
                    try await self.poll(force: force)
                } catch {
                    // Nothing recorded yet, or the database briefly unreadable: the streams
                    // keep their last board, and the next poll tries again.
                    logger.debug("wallboard poll failed: \(error)")
                }
            }
        }
        finishAll()
    }

    private func finishAll() {
        for subscriber in subscribers.values { subscriber.continuation.finish() }
        subscribers.removeAll()
    }
}
