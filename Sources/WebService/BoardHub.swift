import Foundation
import Logging
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
/// Each client's stream keeps only the newest board (`bufferingNewest(1)`): a slow client
/// skips boards and never holds up the hub or the others. At most `maximumEventClients`
/// streams are open at once.
public actor BoardHub: Service {
    private let reader: SnapshotReader
    private let settings: ServeSettings
    private let clock: any Clock<Duration>
    private let wallClock: @Sendable () -> Double
    public let refreshInterval: Duration = .seconds(5)

    private var subscribers: [UUID: AsyncStream<Board>.Continuation] = [:]
    private var latest: Board?
    private var lastVersion: Int64?
    /// Boards read since the hub started (tests wait on it).
    public private(set) var boardsRead = 0

    public init(reader: SnapshotReader, settings: ServeSettings, clock: any Clock<Duration>, wallClock: @escaping @Sendable () -> Double) {
        self.reader = reader
        self.settings = settings
        self.clock = clock
        self.wallClock = wallClock
    }

    public var clientCount: Int { subscribers.count }

    /// A stream of boards, the current one first; nil when `maximumEventClients` are open.
    public func subscribe() -> (id: UUID, boards: AsyncStream<Board>)? {
        guard subscribers.count < settings.maximumEventClients else { return nil }
        let id = UUID()
        let (stream, continuation) = AsyncStream.makeStream(of: Board.self, bufferingPolicy: .bufferingNewest(1))
        subscribers[id] = continuation
        if let latest { continuation.yield(latest) }
        continuation.onTermination = { [weak self] _ in
            Task { await self?.unsubscribe(id) }
        }
        return (id, stream)
    }

    public func unsubscribe(_ id: UUID) {
        subscribers.removeValue(forKey: id)?.finish()
    }

    /// One poll: reads a board when the database changed, or when `force`.
    public func poll(force: Bool = false) async throws {
        let version = try await reader.dataVersion()
        guard force || version != lastVersion || latest == nil else { return }
        lastVersion = version
        let board = try await reader.board(calendar: settings.calendar, thresholds: settings.thresholds,
                                           stale: settings.stale, wallClock: wallClock())
        latest = board
        boardsRead += 1
        for continuation in subscribers.values { continuation.yield(board) }
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
        for continuation in subscribers.values { continuation.finish() }
        subscribers.removeAll()
    }
}
