import Foundation
@testable import Reports
import Storage
import Testing

/// The supervisor's "now" queries on a database written row by row: each expected figure is
/// worked out by hand from the rows below.
@Suite("Now: agents, queues and recent calls at an instant")
struct NowQueriesTests {
    /// 2026-11-02T08:00:00Z.
    static let t0 = 1_793_606_400.0
    static let utc = ReportCalendar(timeZone: TimeZone(identifier: "UTC") ?? .current)

    /// Session 1: an earlier connection, 06:00 to 07:00, ended. Session 2: 08:00 to 10:00,
    /// its last event at 09:56:40 (t0 + 7000).
    static func scenario() throws -> Fixture {
        let f = try Fixture()
        let t0 = Self.t0
        try f.session(1, start: t0 - 7200, end: t0 - 3600)
        try f.session(2, start: t0, end: t0 + 7200, lastEvent: t0 + 7000)
        for (id, number, first, last) in [("1", "2001", "Ann", "Lee"), ("2", "2002", "Bob", "Ray"), ("3", "2003", "Cy", "Ode"), ("4", "2004", "Di", "Fox")] {
            try f.agent(id, number: number, first: first, last: last)
        }
        try f.database.execute(
            "UPDATE agent SET status = ? WHERE agent_id = '1'",
            #"{"phonenumber":"1001","queues":["1",2],"availability":"available"}"#
        )
        try f.database.execute("UPDATE agent SET status = 'not json' WHERE agent_id = '2'")
        try f.queue("1", name: "blue", display: "Blue")
        try f.queue("2", name: "red", display: nil)
        try f.user("11", fullname: "Ann Lee", agent: "1")
        try f.user("12", fullname: "Bob Ray", agent: "2")

        // Agent 1: available from the session's start (bootstrap), an ACD call 600..900 with
        // wrap-up to 960, available again, cut at the hour (began 0): available since t0 + 960.
        try f.interval("1", "available", t0, t0 + 600, began: false, session: 2)
        try f.interval("1", "acd_call", t0 + 600, t0 + 900, session: 2)
        try f.interval("1", "wrapup", t0 + 900, t0 + 960, session: 2)
        try f.interval("1", "available", t0 + 960, t0 + 3600, session: 2)
        try f.interval("1", "available", t0 + 3600, t0 + 7200, began: false, session: 2)
        // Agent 2: paused since before the session (bootstrap), across the hour cut.
        try f.interval("2", "paused", t0, t0 + 3600, began: false, session: 2)
        try f.interval("2", "paused", t0 + 3600, t0 + 7200, began: false, session: 2)
        // Agent 3: logged in the earlier session only: unknown now.
        try f.interval("3", "available", t0 - 7200, t0 - 3600, session: 1)
        // Agent 4: on an ACD call that began at t0 + 6500, and a later interval after "now".
        try f.interval("4", "logged_out", t0, t0 + 6500, began: false, session: 2)
        try f.interval("4", "acd_call", t0 + 6500, t0 + 7100, session: 2)
        try f.interval("4", "wrapup", t0 + 7100, t0 + 7200, session: 2)

        // Queue 1's statistics: the latest at or before now counts, not the one after it.
        try f.sample("1", "Xivo-EWT", t0 + 100, 30, session: 2)
        try f.sample("1", "Xivo-EWT", t0 + 6000, 45, session: 2)
        try f.sample("1", "Xivo-EWT", t0 + 7100, 99, session: 2)
        try f.sample("1", "Xivo-LoggedAgents", t0, 3, session: 2)
        try f.sample("1", "Xivo-AvailableAgents", t0 + 10, 1, session: 2)
        try f.sample("1", "Xivo-TalkingAgents", t0 + 20, 2, session: 2)
        // Queue 2: its only EWT is from the earlier session, which ended: not known now.
        try f.sample("2", "Xivo-EWT", t0 - 5000, 12, session: 1)

        // Queue 1's visits: two waiting now (joined 6900 and 6950), one gone at 6980 (pending
        // its pairing), one answered by agent 4 at 6500, one abandoned at 300 and called back
        // by a later answered visit from the same number.
        try f.visit("1", number: "0601", name: "Waiting A", join: t0 + 6900, leave: nil, outcome: nil, session: 2)
        try f.visit("1", number: "0602", name: "Waiting B", join: t0 + 6950, leave: t0 + 7200, outcome: "unknown", session: 2)
        try f.visit("1", number: "0603", name: "Left", join: t0 + 6960, leave: t0 + 6980, outcome: nil, session: 2)
        try f.visit("1", number: "0604", name: "Served", join: t0 + 6480, leave: t0 + 6500, outcome: "answered", agent: "4", answeredAt: t0 + 6500, session: 2)
        try f.visit("1", number: "0605", name: "Gone", join: t0 + 200, leave: t0 + 300, outcome: "abandoned", session: 2)
        try f.visit("1", number: "0605", name: "Again", join: t0 + 1000, leave: t0 + 1010, outcome: "answered", agent: "1", answeredAt: t0 + 1010, session: 2)
        // Queue 2: a caller of the earlier session that crashed while waiting: not waiting now.
        try f.visit("2", number: "0606", name: "Old", join: t0 - 4000, leave: nil, outcome: "unknown", session: 1)
        // After "now": never listed.
        try f.visit("1", number: "0607", name: "Later", join: t0 + 7100, leave: nil, outcome: nil, session: 2)

        // Calls: an inbound call that rang user 12 and was missed; an answered internal call
        // to user 11; an outbound call.
        try f.call(1, direction: "inbound", started: t0 + 5000, firstRing: t0 + 5002, answered: nil, ended: t0 + 5030, outcome: "missed",
                   callerNumber: "0700", callerName: nil, calleeNumber: "1002", session: 2)
        try f.ring(1, phone: "2", user: "12", at: t0 + 5002)
        try f.call(2, direction: "internal", started: t0 + 5500, firstRing: t0 + 5501, answered: t0 + 5505, ended: t0 + 5600, outcome: "answered",
                   callerNumber: "1002", callerName: "Bob Ray", calleeNumber: "1001", session: 2)
        try f.ring(2, phone: "1", user: "11", at: t0 + 5501)
        try f.call(3, direction: "outbound", started: t0 + 5800, firstRing: t0 + 5800, answered: nil, ended: t0 + 5810, outcome: "missed",
                   callerNumber: "1001", callerName: "Ann Lee", calleeNumber: "0033100", session: 2)
        return f
    }

    static let asOf = AsOf(time: t0 + 7000, source: .latestEvent)

    func withQueries<T>(_ fixture: Fixture, asOf: AsOf = NowQueriesTests.asOf, _ body: (NowQueries) throws -> T) throws -> T {
        let reader = try fixture.reader()
        return try reader.read {
            try body(NowQueries(database: reader, asOf: asOf, calendar: Self.utc))
        }
    }

    // MARK: Now

    @Test("now is the latest recorded event without a live collection, the server's clock carried forward with one")
    func asOf() throws {
        let fixture = try Self.scenario()
        let reader = try fixture.reader()
        let notLive = try reader.read { try AsOf.find(in: reader, collectorRunning: false, wallClock: 0) }
        #expect(notLive == AsOf(time: Self.t0 + 7000, source: .latestEvent))

        // An open session is live only while a collector runs.
        try fixture.session(3, start: Self.t0 + 8000, end: nil, lastEvent: Self.t0 + 8100)
        try fixture.database.execute(
            // A line as versions before schema 8 stored it: the journal reads those too.
            "INSERT INTO journal_line (session_id, received_at, event_time, line) VALUES (3, 5000, ?, x'7b7d')", Self.t0 + 8100
        )
        let crashed = try reader.read { try AsOf.find(in: reader, collectorRunning: false, wallClock: 5012) }
        #expect(crashed == AsOf(time: Self.t0 + 8100, source: .latestEvent))
        let live = try reader.read { try AsOf.find(in: reader, collectorRunning: true, wallClock: 5012) }
        #expect(live == AsOf(time: Self.t0 + 8112, source: .live, server: "pbx:5003"))
        #expect(live?.explanation == "live: collecting from pbx:5003")
        #expect(notLive?.explanation == "latest recorded event; no live collection")
    }

    @Test("a database that never heard from a server has no now")
    func nothingRecorded() throws {
        let fixture = try Fixture()
        let reader = try fixture.reader()
        #expect(try reader.read { try AsOf.find(in: reader, collectorRunning: false, wallClock: 100) } == nil)
        try fixture.database.execute("INSERT INTO collection_session (server, connected_at) VALUES ('pbx:5003', 1)")
        #expect(try reader.read { try AsOf.find(in: reader, collectorRunning: true, wallClock: 100) } == nil)
    }

    @Test("today so far runs from the local midnight to now, now included")
    func todaySoFar() throws {
        let paris = try #require(ReportCalendar(timeZoneIdentifier: "Europe/Paris"))
        // 2026-11-02T00:30:00Z is 01:30 in Paris: today started at 2026-11-01T23:00:00Z.
        let today = try TodaySoFar(asOf: Self.t0 - 7.5 * 3600, calendar: paris)
        #expect(today.day == ReportCalendar.Day(year: 2026, month: 11, day: 2))
        #expect(today.period.start == Self.t0 - 9 * 3600)
        #expect(today.period.end > Self.t0 - 7.5 * 3600)
        #expect(today.period.end == (Self.t0 - 7.5 * 3600).nextUp)
    }

    // MARK: Agents

    @Test("agents: state at now, since when (walked back over hour cuts to the state's start), queues, phone")
    func agents() throws {
        let fixture = try Self.scenario()
        let agents = try withQueries(fixture) { try $0.agents() }
        #expect(agents.map(\.agentID) == ["1", "2", "3", "4"])
        let byID = Dictionary(uniqueKeysWithValues: agents.map { ($0.agentID, $0) })
        let t0 = Self.t0

        let ann = try #require(byID["1"])
        #expect(ann.state == "available")
        #expect(ann.stateSince == t0 + 960)
        #expect(ann.agentName == "Ann Lee" && ann.agentNumber == "2001")
        #expect(ann.queueIDs == ["1", "2"])
        #expect(ann.queueNames == ["Blue", "red"])
        #expect(ann.phoneNumber == "1001")
        // Today: logged in from t0 to now (7000 s), one ACD call, busy 360 s of 7000.
        #expect(ann.loggedInToday == 7_000_000)
        #expect(ann.acdCallsToday == 1)
        #expect(ann.occupancyToday == 100 * 360.0 / 7000)

        // Paused since before the session: since the session's start.
        let bob = try #require(byID["2"])
        #expect(bob.state == "paused")
        #expect(bob.stateSince == t0)
        #expect(bob.queueIDs.isEmpty && bob.phoneNumber == nil)
        #expect(bob.occupancyToday == nil)

        // Known only in an earlier session, which ended: unknown now, and not logged in today
        // since (the earlier session was today too: 3600 s logged in then).
        let cy = try #require(byID["3"])
        #expect(cy.state == nil && cy.stateSince == nil)
        #expect(cy.loggedInToday == 3_600_000)

        let di = try #require(byID["4"])
        #expect(di.state == "acd_call")
        #expect(di.stateSince == t0 + 6500)
        #expect(di.acdCallsToday == 1)
        #expect(di.loggedInToday == 500_000)
    }

    @Test("since: a CTI session's bootstrap state begins with it; a queue_log import's state carried from its source's previous import does not")
    func sinceAcrossSessions() throws {
        let f = try Fixture()
        let t0 = Self.t0
        for id in ["1", "2", "3"] {
            try f.agent(id, number: "200\(id)", first: nil, last: nil)
        }
        // Two CTI sessions back to back: the second's bootstrap says paused, as the first ended.
        try f.session(1, start: t0 - 3600, end: t0)
        try f.session(2, start: t0, end: t0 + 3600)
        try f.interval("1", "paused", t0 - 1800, t0, session: 1)
        try f.interval("1", "paused", t0, t0 + 3600, began: false, session: 2)
        // Two imports of one queue_log source, the second going on from the first's end.
        try f.database.execute("INSERT INTO queue_log_source (source_id, name, kind) VALUES (1, 'file', 'file')")
        try f.session(3, start: t0 - 3600, end: t0)
        try f.session(4, start: t0, end: t0 + 3600)
        try f.database.execute("UPDATE collection_session SET source_id = 1 WHERE session_id IN (3, 4)")
        // Agent 2 in the same ACD call across both imports and an hour cut; agent 3's wrap-up
        // ended as the second import began (another state: it began then).
        try f.interval("2", "acd_call", t0 - 1800, t0, session: 3)
        try f.interval("2", "acd_call", t0, t0 + 1800, began: false, session: 4)
        try f.interval("2", "acd_call", t0 + 1800, t0 + 3600, began: false, session: 4)
        try f.interval("3", "wrapup", t0 - 1800, t0, session: 3)
        try f.interval("3", "available", t0, t0 + 3600, began: false, session: 4)

        let agents = try withQueries(f, asOf: AsOf(time: t0 + 3000, source: .latestEvent)) { try $0.agents() }
        let since = Dictionary(uniqueKeysWithValues: agents.map { ($0.agentID, $0.stateSince) })
        #expect(since == ["1": t0, "2": t0 - 1800, "3": t0])
    }

    @Test("an interval that closed at now itself is the last state known")
    func closedAtNow() throws {
        let fixture = try Self.scenario()
        let agents = try withQueries(fixture, asOf: AsOf(time: Self.t0 + 7200, source: .latestEvent)) { try $0.agents() }
        #expect(agents.first { $0.agentID == "4" }?.state == "wrapup")
        #expect(agents.first { $0.agentID == "1" }?.state == "available")
    }

    @Test("today's agent figures are the occupancy report's rows for the same period")
    func agentsAgreeWithReport() throws {
        let fixture = try Self.scenario()
        let reader = try fixture.reader()
        let (agents, reportRows) = try reader.read {
            let queries = try NowQueries(database: reader, asOf: Self.asOf, calendar: Self.utc)
            var rows: [OccupancyRow] = []
            try ReportQueries(database: reader, parameters: queries.todayParameters).occupancy { rows.append($0) }
            return (try queries.agents(), rows)
        }
        #expect(reportRows.count == 4)
        for row in reportRows {
            #expect(agents.first { $0.agentID == row.agentID }?.today == row)
        }
    }

    // MARK: Queues

    @Test("queues: waiting list and longest wait at now, the latest statistics in a session covering now, today's calls")
    func queues() throws {
        let fixture = try Self.scenario()
        let queues = try withQueries(fixture) { try $0.queues() }
        #expect(queues.map(\.queueID) == ["1", "2"])
        let blue = try #require(queues.first)
        #expect(blue.queueName == "Blue")
        #expect(blue.waitingCalls == 2)
        #expect(blue.longestWait == 100)
        #expect(blue.ewt == 45)
        #expect(blue.loggedAgents == 3 && blue.availableAgents == 1 && blue.talkingAgents == 2)
        // Today: six visits joined by now (the one at 7100 is after it), two answered, one
        // abandoned; the service level counts answers within 20 s of the six.
        #expect(blue.offeredToday == 6)
        #expect(blue.answeredToday == 2)
        #expect(blue.missedToday == 1)
        #expect(blue.missedTodayPercent == 100.0 / 6)
        #expect(blue.serviceLevelTodayPercent == 100 * 2.0 / 6)

        let red = try #require(queues.last)
        #expect(red.queueName == "red")
        #expect(red.waitingCalls == 0 && red.longestWait == 0)
        #expect(red.ewt == nil)
        #expect(red.offeredToday == 1 && red.answeredToday == 0 && red.missedToday == 0)
    }

    @Test("a caller who left at now is not waiting, though the session ended before the outcome was known; one cut off by the session's end is")
    func departedAtNow() throws {
        let f = try Fixture()
        let t0 = Self.t0
        try f.queue("1", name: "blue", display: "Blue")
        // The session ends 44 ms after the last event, which is when caller A left the list.
        try f.session(1, start: t0, end: t0 + 7000.044, lastEvent: t0 + 7000)
        try f.visit("1", number: "0601", name: "A", join: t0 + 6900, leave: t0 + 7000, outcome: "unknown", session: 1)
        try f.visit("1", number: "0602", name: "B", join: t0 + 6950, leave: t0 + 7000.044, outcome: "unknown", session: 1)
        let atLastEvent = AsOf(time: t0 + 7000, source: .latestEvent)
        let queue = try #require(try withQueries(f, asOf: atLastEvent) { try $0.queues() }.first)
        #expect(queue.waitingCalls == 1, "only B waits at the last event")
        #expect(queue.longestWait == 50)
        let calls = try withQueries(f, asOf: atLastEvent) { try $0.recentCalls(RecentCallsFilter(since: t0)) }
        #expect(calls.map(\.callerName) == ["B", "A"])
        #expect(calls.map(\.outcome) == [.waiting, .unknown])
        // At the session's end B was cut off still waiting; A had left.
        let atEnd = AsOf(time: t0 + 7000.044, source: .latestEvent)
        #expect(try withQueries(f, asOf: atEnd) { try $0.queues() }.first?.waitingCalls == 1)
        #expect(try withQueries(f, asOf: atEnd) { try $0.recentCalls(RecentCallsFilter(since: t0)) }.map(\.outcome) == [.waiting, .unknown])
    }

    @Test("today's queue figures are the missed-calls report's rows for the same period")
    func queuesAgreeWithReport() throws {
        let fixture = try Self.scenario()
        let reader = try fixture.reader()
        let (queues, reportRows) = try reader.read {
            let queries = try NowQueries(database: reader, asOf: Self.asOf, calendar: Self.utc)
            var rows: [MissedRow] = []
            try ReportQueries(database: reader, parameters: queries.todayParameters).missed { if $0.targetKind == .queue { rows.append($0) } }
            return (try queries.queues(), rows)
        }
        #expect(reportRows.count == 2)
        for row in reportRows {
            #expect(queues.first { $0.queueID == row.targetID }?.today == row)
        }
    }

    // MARK: Calls

    @Test("calls: visits and calls since a time, newest first, with wait, talk, outcome and call back")
    func recentCalls() throws {
        let fixture = try Self.scenario()
        let t0 = Self.t0
        let rows = try withQueries(fixture) { try $0.recentCalls(RecentCallsFilter(since: t0)) }
        #expect(rows.map(\.time) == [6960, 6950, 6900, 6480, 5800, 5500, 5000, 1000, 200].map { t0 + $0 })
        #expect(rows.map(\.outcome) == [.pending, .waiting, .waiting, .answered, .unanswered, .answered, .missed, .answered, .missed])

        let waiting = rows[2]
        #expect(waiting.kind == .queue && waiting.targetID == "1" && waiting.targetName == "Blue")
        #expect(waiting.callerNumber == "0601" && waiting.callerName == "Waiting A")
        #expect(waiting.wait == 100)
        #expect(waiting.talk == nil)

        // Answered by agent 4 at 6500, whose ACD call lasted until its wrap-up at 7100: so far
        // (now is 7000), 500 s.
        let served = rows[3]
        #expect(served.agentID == "4" && served.agentName == "Di Fox")
        #expect(served.wait == 20)
        #expect(served.talk == 500)

        // Still waiting at now (it left at 7200, cut off by the session's end): 50 s so far.
        #expect(rows[1].wait == 50)

        let outbound = rows[4]
        #expect(outbound.kind == .call && outbound.direction == "outbound")
        #expect(outbound.calledBackAt == nil)
        #expect(outbound.calleeNumber == "0033100" && outbound.targetID == nil)
        #expect(outbound.wait == 10)

        let internalCall = rows[5]
        #expect(internalCall.targetID == "11" && internalCall.targetName == "Ann Lee")
        #expect(internalCall.wait == 4 && internalCall.talk == 95)

        let missed = rows[6]
        #expect(missed.targetID == "12" && missed.wait == 28 && missed.talk == nil && missed.calledBackAt == nil)

        // Caller 0605 abandoned at 300 and was answered again at 1010 (the next visit).
        let gone = rows[8]
        #expect(gone.calledBackAt == t0 + 1010)
    }

    @Test("calls filters: --missed, --since, --queue, --user, --limit, and unknown values refused")
    func filters() throws {
        let fixture = try Self.scenario()
        let t0 = Self.t0
        try withQueries(fixture) { queries in
            let missed = try queries.recentCalls(RecentCallsFilter(since: t0, missedOnly: true))
            // The outbound miss rang nobody's phone: not a missed call in metrics.md's sense.
            #expect(missed.map(\.time) == [t0 + 5000, t0 + 200])
            #expect(missed.allSatisfy { $0.outcome == .missed })

            let since = try queries.recentCalls(RecentCallsFilter(since: t0 + 5500))
            #expect(since.map(\.time) == [6960, 6950, 6900, 6480, 5800, 5500].map { t0 + $0 })

            let blue = try queries.recentCalls(RecentCallsFilter(since: t0 - 86_400, queues: ["Blue"]))
            #expect(blue.count == 6 && blue.allSatisfy { $0.kind == .queue && $0.targetID == "1" })
            let red = try queries.recentCalls(RecentCallsFilter(since: t0 - 86_400, queues: ["2"]))
            #expect(red.map(\.callerName) == ["Old"])

            let user = try queries.recentCalls(RecentCallsFilter(since: t0, users: ["12"]))
            #expect(user.map(\.time) == [t0 + 5000])

            let limited = try queries.recentCalls(RecentCallsFilter(since: t0, limit: 2))
            #expect(limited.map(\.time) == [t0 + 6960, t0 + 6950])

            #expect(throws: ReportError.self) { try queries.recentCalls(RecentCallsFilter(since: t0, queues: ["nope"])) }
            #expect(throws: ReportError.self) { try queries.recentCalls(RecentCallsFilter(since: t0, users: ["99"])) }
        }
    }

    @Test("calls: a queue call is listed once, as its visit with its call's direction; as a call only where its visit is not listed")
    func queueCallsOnce() throws {
        let fixture = try Self.scenario()
        let t0 = Self.t0
        // The calls of two visits of the scenario: "Again" (answered by agent 1 on user 11's
        // phone) and "Gone" (hung up after user 12's phone rang).
        try fixture.call(4, direction: "inbound", started: t0 + 999.5, firstRing: t0 + 1005, answered: t0 + 1010, ended: t0 + 1100,
                         outcome: "answered", callerNumber: "0605", callerName: "Again", calleeNumber: "1001", session: 2)
        try fixture.ring(4, phone: "1", user: "11", at: t0 + 1005)
        try fixture.call(5, direction: "inbound", started: t0 + 199.8, firstRing: t0 + 250, answered: nil, ended: t0 + 300,
                         outcome: "missed", callerNumber: "0605", callerName: "Gone", calleeNumber: "1002", session: 2)
        try fixture.ring(5, phone: "2", user: "12", at: t0 + 250)
        try fixture.database.execute("UPDATE queue_visit SET call_id = 4 WHERE caller_name = 'Again'")
        try fixture.database.execute("UPDATE queue_visit SET call_id = 5 WHERE caller_name = 'Gone'")
        try withQueries(fixture) { queries in
            let rows = try queries.recentCalls(RecentCallsFilter(since: t0))
            #expect(rows.map(\.time) == [6960, 6950, 6900, 6480, 5800, 5500, 5000, 1000, 200].map { t0 + $0 })
            let again = rows[7]
            #expect(again.kind == .queue && again.direction == "inbound" && again.targetName == "Blue" && again.agentName == "Ann Lee")
            #expect(again.callerName == "Again" && again.calleeNumber == nil && again.wait == 10 && again.outcome == .answered)
            #expect(rows[8].kind == .queue && rows[8].outcome == .missed && rows[8].calledBackAt == t0 + 1010)
            // Visits without a call have no direction.
            #expect(rows[3].kind == .queue && rows[3].direction == nil)

            let missed = try queries.recentCalls(RecentCallsFilter(since: t0, missedOnly: true))
            #expect(missed.map(\.time) == [t0 + 5000, t0 + 200])
            #expect(missed.map(\.kind) == [.call, .queue])

            // --user lists calls, not visits: the queue call that rang user 12 is a call there.
            let user = try queries.recentCalls(RecentCallsFilter(since: t0, users: ["12"]))
            #expect(user.map(\.time) == [t0 + 5000, t0 + 199.8])
            #expect(user.last?.kind == .call && user.last?.callerNumber == "0605" && user.last?.outcome == .missed)
            // With --queue too, the visit of queue Blue is listed, and its call is not again.
            let both = try queries.recentCalls(RecentCallsFilter(since: t0, queues: ["1"], users: ["12"]))
            #expect(both.filter { $0.time < t0 + 400 }.map(\.kind) == [.queue])
            #expect(both.contains { $0.time == t0 + 5000 && $0.kind == .call })
            // A visit of another queue does not hide the call.
            let red = try queries.recentCalls(RecentCallsFilter(since: t0, queues: ["2"], users: ["12"]))
            #expect(red.map(\.time) == [t0 + 5000, t0 + 199.8])

            let listing = NowListing.calls(rows, queries: queries, filter: RecentCallsFilter(since: t0))
            let csv = listing.render(.csv).components(separatedBy: "\r\n").filter { !$0.isEmpty }
            #expect(csv.count == 1 + rows.count)
            #expect(csv.filter { $0.contains(",0605,") }.count == 2)
        }
    }

    // MARK: Rendering

    @Test("CSV: as_of and its source first, then the view's columns; JSON names the source; no colour unless asked")
    func listings() throws {
        let fixture = try Self.scenario()
        let (agents, queues) = try withQueries(fixture) { queries in
            (NowListing.agents(try queries.agents(), queries: queries), NowListing.queues(try queries.queues(), queries: queries))
        }
        let csv = agents.render(.csv).components(separatedBy: "\r\n")
        #expect(csv[0] == "as_of,as_of_source,agent_id,agent_number,agent_name,state,state_since,queues,phone_number,logged_in_today_s,acd_calls_today,occupancy_today_pct")
        #expect(csv[1] == "2026-11-02T09:56:40+00:00,latest_event,1,2001,Ann Lee,available,2026-11-02T08:16:00+00:00,1 2,1001,7000,1,5.143")
        let queueCSV = queues.render(.csv).components(separatedBy: "\r\n")
        #expect(queueCSV[0] == "as_of,as_of_source,queue_id,queue_name,waiting_calls,longest_wait_s,ewt_s,logged_agents,available_agents,talking_agents,offered_today,answered_today,missed_today,missed_today_pct,service_level_today_pct")
        #expect(queueCSV[1] == "2026-11-02T09:56:40+00:00,latest_event,1,Blue,2,100,45,3,1,2,6,2,1,16.667,33.333")

        let json = try #require(try JSONSerialization.jsonObject(with: Data(agents.render(.json).utf8)) as? [String: Any])
        #expect(json["as_of"] as? String == "2026-11-02T09:56:40+00:00")
        #expect(json["as_of_source"] as? String == "latest_event")
        #expect(json["live"] as? Bool == false)
        #expect(json["today_start"] as? String == "2026-11-02T00:00:00+00:00")
        let rows = try #require(json["agents"] as? [[String: Any]])
        #expect(rows.count == 4)
        #expect(rows.first?["state"] as? String == "available")
        #expect(rows[2]["state"] is NSNull)

        let plain = agents.render(.table(color: false))
        #expect(plain.hasPrefix("as of 2026-11-02T09:56:40+00:00 (latest recorded event; no live collection)\n"))
        #expect(!plain.contains("\u{1B}"))
        let coloured = agents.render(.table(color: true))
        #expect(coloured.contains("\u{1B}[32m"))
        // The colours never move a column: without them, the same text.
        #expect(coloured.replacing(/\x{1B}\[[0-9]+m/, with: "") == plain)
    }
}
