import CallStatsTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Reports
import Storage
import Testing
@testable import WebService

/// A wall of screens and scripts asking for the same figures: one read of the database per
/// snapshot, one render of each board per `?queues=`.
@Suite("serve: one read per snapshot, one render per board")
struct SnapshotSharingTests {
    let database: String

    init() throws {
        database = try DemoDatabase.path()
    }

    /// The demo's database copied (the tests commit to it) and a `serve` over it on `clock`.
    func serve(_ folder: TemporaryFolder, clock: ManualClock) throws -> (ServeContext, copy: String) {
        let copy = folder.path("calls.db")
        try FileManager.default.copyItem(atPath: database, toPath: copy)
        let settings = ServeSettings(databasePath: copy, calendar: try #require(ReportCalendar(timeZoneIdentifier: "UTC")))
        return (try ServeContext.open(settings: settings, wallClock: clock.wallTime, clock: clock), copy)
    }

    @Test("concurrent API requests of one view in one snapshot: one read, the same bytes; other parameters, a new second or a commit read again")
    func oneReadPerSnapshot() async throws {
        let folder = try TemporaryFolder()
        let clock = ManualClock(epoch: 1_800_000_000.25)
        let (serve, copy) = try serve(folder, clock: clock)
        let app = Application(router: ServeRouter.make(serve))
        try await app.test(.router) { client in
            @Sendable func get(_ path: String) async throws -> String {
                try await client.execute(uri: path, method: .get) { response in
                    #expect(response.status == .ok, "\(path)")
                    return String(buffer: response.body)
                }
            }
            // One question spelled two ways: the parameters as parsed are the key.
            let paths = Array(repeating: "/api/v1/queues?tz=UTC&sl-threshold=30", count: 20)
                + Array(repeating: "/api/v1/queues?sl-threshold=30s&tz=UTC", count: 20)
            let bodies = try await withThrowingTaskGroup(of: String.self) { group in
                for path in paths { group.addTask { try await get(path) } }
                return try await group.reduce(into: [String]()) { $0.append($1) }
            }
            #expect(bodies.count == 40)
            #expect(Set(bodies).count == 1)
            #expect(bodies.first?.contains("\"queues\"") == true)
            #expect(await serve.live.snapshotsRead == 1)

            // Later in the same second: still that read.
            clock.advance(by: .milliseconds(500))
            #expect(try await get("/api/v1/queues?tz=UTC&sl-threshold=30") == bodies.first)
            #expect(await serve.live.snapshotsRead == 1)

            // Other parameters, another view, /status and /metrics: a read each, once.
            for _ in 0..<3 {
                _ = try await get("/api/v1/queues?tz=UTC")
                _ = try await get("/api/v1/agents?tz=UTC")
                _ = try await get("/api/v1/status")
                _ = try await get("/metrics")
            }
            #expect(await serve.live.snapshotsRead == 5)

            // The next second reads again.
            clock.advance(by: .milliseconds(500))
            _ = try await get("/api/v1/queues?tz=UTC")
            #expect(await serve.live.snapshotsRead == 6)

            // So does a commit by another connection, within the second.
            let writer = try Database(path: copy)
            try writer.execute(sql: "CREATE TABLE serve_test_commit (x); INSERT INTO serve_test_commit VALUES (1);")
            _ = try await get("/api/v1/queues?tz=UTC")
            _ = try await get("/api/v1/queues?tz=UTC")
            #expect(await serve.live.snapshotsRead == 7)
        }
    }

    @Test("one board, many wallboards: rendered once per ?queues=, every stream handed the same event")
    func oneRenderPerBoard() async throws {
        let folder = try TemporaryFolder()
        let clock = ManualClock()
        let (serve, _) = try serve(folder, clock: clock)
        let hub = serve.hub
        var everyQueue: [AsyncStream<ByteBuffer>.AsyncIterator] = []
        var blue: [AsyncStream<ByteBuffer>.AsyncIterator] = []
        for _ in 0..<30 {
            everyQueue.append(try #require(await hub.subscribe()).events.makeAsyncIterator())
            blue.append(try #require(await hub.subscribe(queues: ["Blue"])).events.makeAsyncIterator())
        }
        try await hub.poll(force: true)
        #expect(await hub.boardsRead == 1)
        #expect(await hub.boardsRendered == 2)

        var events: [String] = []
        for index in everyQueue.indices {
            events.append(String(buffer: try #require(await everyQueue[index].next())))
        }
        #expect(Set(events).count == 1)
        #expect(events.first.map { $0.components(separatedBy: "<article class=\"tile").count - 1 } == 3)
        var blueEvents: [String] = []
        for index in blue.indices {
            blueEvents.append(String(buffer: try #require(await blue[index].next())))
        }
        #expect(Set(blueEvents).count == 1)
        #expect(blueEvents.first.map { $0.components(separatedBy: "<article class=\"tile").count - 1 } == 1)

        // A screen opened later gets the current board's event, not a new render.
        var late = try #require(await hub.subscribe()).events.makeAsyncIterator()
        #expect(await late.next().map { String(buffer: $0) } == events.first)
        #expect(await hub.boardsRendered == 2)
    }
}
