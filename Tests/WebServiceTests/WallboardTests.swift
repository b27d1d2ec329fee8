import CallStatsTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Reports
import Storage
import Testing
@testable import WebService

@Suite("serve: the wallboard")
struct WallboardTests {
    let database: String

    init() throws {
        database = try DemoDatabase.path()
    }

    func settings(_ path: String) throws -> ServeSettings {
        ServeSettings(databasePath: path, calendar: try #require(ReportCalendar(timeZoneIdentifier: "UTC")))
    }

    @Test("the page without JavaScript: a tile per queue, every agent, the missed calls; ?queues= and ?theme= choose")
    func page() async throws {
        let serve = try ServeContext.open(settings: try settings(database))
        let app = Application(router: ServeRouter.make(serve))
        try await app.test(.router) { client in
            let queues = try await client.execute(uri: "/api/v1/queues?tz=UTC", method: .get) { response in
                ((try JSONSerialization.jsonObject(with: Data(String(buffer: response.body).utf8)) as? [String: Any])?["queues"] as? [[String: Any]]) ?? []
            }
            #expect(queues.count == 3)
            try await client.execute(uri: "/", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentSecurityPolicy]?.contains("script-src 'self'") == true)
                let html = String(buffer: response.body)
                #expect(html.components(separatedBy: "<article class=\"tile").count - 1 == queues.count)
                for queue in queues {
                    let name = try #require(queue["queue_name"] as? String)
                    #expect(html.contains("<h2>\(HTML.escape(name))</h2>"))
                }
                #expect(html.contains("<script src=\"/static/wallboard.js\" defer></script>"))
                #expect(html.components(separatedBy: "<script").count == 2, "one script, from this origin, no inline one")
                #expect(html.contains("data-agent-id="))
                #expect(html.contains("Latest missed calls"))
                #expect(html.contains("body class=\"light\""))
            }
            try await client.execute(uri: "/?queues=Blue&theme=dark", method: .get) { response in
                let html = String(buffer: response.body)
                #expect(html.components(separatedBy: "<article class=\"tile").count - 1 == 1)
                #expect(html.contains("<h2>Blue</h2>"))
                #expect(html.contains("body class=\"dark\""))
            }
            try await client.execute(uri: "/static/wallboard.js", method: .get) { response in
                #expect(response.headers[.contentType]?.hasPrefix("text/javascript") == true)
                #expect(String(buffer: response.body).contains("EventSource"))
            }
        }
    }

    @Test("every string from the database is escaped in the board")
    func escaping() throws {
        let calendar = try #require(ReportCalendar(timeZoneIdentifier: "UTC"))
        let hostile = "<script>alert(1)</script>\"'&"
        let board = Board(
            asOf: AsOf(time: 1_800_000_000, source: .latestEvent), calendar: calendar,
            today: try TodaySoFar(asOf: 1_800_000_000, calendar: calendar), serviceLevelThreshold: 20,
            agents: [AgentNow(agentID: hostile, agentNumber: hostile, agentName: hostile, state: hostile, stateSince: 1_799_999_000,
                              queueIDs: [hostile], queueNames: [hostile])],
            queues: [QueueNow(queueID: hostile, queueName: hostile)],
            missedCalls: [RecentCall(kind: .queue, time: 1_799_999_500, callerNumber: hostile, callerName: hostile,
                                     targetID: hostile, targetName: hostile, outcome: .missed)],
            visitTotals: [], collecting: false, health: .notLive, secondsSinceLastMessage: nil, journalLines: 0)
        let html = Wallboard.fragment(board, options: Wallboard.Options(QueryItems(nil)), settings: try settings(database))
        #expect(!html.contains("<script"))
        #expect(!html.contains(hostile))
        #expect(html.contains("&lt;script&gt;"))
    }

    @Test("the hub reads a board on a commit, within one poll, and not without one")
    func pushesOnCommit() async throws {
        let folder = try TemporaryFolder()
        let copy = folder.path("calls.db")
        try FileManager.default.copyItem(atPath: database, toPath: copy)
        let clock = ManualClock()
        var settings = try settings(copy)
        settings.pollInterval = .milliseconds(250)
        let serve = try ServeContext.open(settings: settings, wallClock: clock.wallTime, clock: clock)
        let hub = serve.hub
        let subscription = try #require(await hub.subscribe())
        var events = subscription.events.makeAsyncIterator()
        let running = Task { try await hub.run() }
        defer { running.cancel() }

        // The first poll reads a board (none yet).
        await clock.waitForSleep(lasting: .milliseconds(250))
        clock.advance(by: .milliseconds(250))
        let first = await events.next().map { String(buffer: $0) }
        #expect(first.map { $0.components(separatedBy: "<article class=\"tile").count - 1 } == 3)

        // A poll without a commit reads nothing.
        await clock.waitForSleep(lasting: .milliseconds(250))
        clock.advance(by: .milliseconds(250))
        await clock.waitForSleep(lasting: .milliseconds(250))
        #expect(await hub.boardsRead == 1)

        // Another connection commits: the next poll reads and pushes a board.
        let writer = try Database(path: copy)
        try writer.execute(sql: "CREATE TABLE serve_test_commit (x); INSERT INTO serve_test_commit VALUES (1);")
        clock.advance(by: .milliseconds(250))
        let second = await events.next()
        #expect(second != nil)
        #expect(await hub.boardsRead == 2)
    }

    @Test("an SSE event carries the board line by line; a CR (a name's) ends a data line, never starts a field")
    func eventFraming() {
        #expect(Wallboard.event("<a>\n<b>") == "event: board\ndata: <a>\ndata: <b>\n\n")
        #expect(Wallboard.event("<td>x\rretry: 1\r\nevent: y</td>") == "event: board\ndata: <td>x\ndata: retry: 1\ndata: \ndata: event: y</td>\n\n")
    }
}
