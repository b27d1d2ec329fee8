import Foundation
import Storage
import Testing
@testable import Recording

@Suite("Recorder: messages into rows")
struct RecorderTests {
    typealias F = RecordingFixture
    // 2026-11-02 08:00:00 UTC, on an hour boundary.
    static let t0 = 1_793_606_400.0

    @Test("every line is journaled once, in order, with its event time; bad lines are journaled as malformed")
    func journal() throws {
        let f = try F()
        let t0 = Self.t0
        try f.recorder.beginSession(server: "pbx:5003", connectedAt: 100)
        try f.send(#"{"class":"login_id","sessionid":"abc","xivoversion":"1.2","timenow":\#(t0)}"#, receivedAt: 100)
        try f.send("not json", receivedAt: 100.5)
        try f.send("[1,2]", receivedAt: 100.6)
        try f.send(#"{"class":"brand_new_thing","timenow":\#(t0 + 1)}"#, receivedAt: 101)
        try f.recorder.endSession(reason: "shutdown", at: 103)
        let rows = try f.journalRows("SELECT seq, class, malformed IS NOT NULL, event_time, received_at FROM journal ORDER BY seq")
        #expect(rows.count == 4)
        #expect(rows.map { $0[1] } == [.text("login_id"), .null, .null, .text("brand_new_thing")])
        #expect(rows.map { $0[2] } == [.integer(0), .integer(1), .integer(1), .integer(0)])
        // A line without a time gets the server's clock carried forward from the last one.
        #expect(rows[1][3] == .real(t0 + 0.5))
        #expect(f.recorder.statistics.malformed == 2)
        let line = try f.journalRows("SELECT line FROM journal WHERE seq = 2")
        #expect(line == [[.blob(Array("not json".utf8))]])
        let session = try f.rows("SELECT started_at, ended_at, end_reason FROM collection_session")
        // The session ends at the last event plus the local time elapsed since: t0+1 + (103-101).
        #expect(session == [[.real(t0), .real(t0 + 3), .text("shutdown")]])
    }

    @Test("agent states follow metrics.md: bootstrap state from the session start, partial statuses merged, cuts at each UTC hour")
    func agentStates() throws {
        let f = try F()
        let t0 = Self.t0
        try f.recorder.beginSession(server: "pbx", connectedAt: 0)
        try f.send(#"{"class":"login_id","sessionid":"abc","timenow":\#(t0)}"#, receivedAt: 0)
        try f.send(#"{"class":"getlist","function":"listid","listname":"agents","tipbxid":"xivo","list":["7"],"timenow":\#(t0 + 0.2)}"#, receivedAt: 0.2)
        // Full status at bootstrap, available since long before: holds from the session start.
        try f.send(F.agentStatus(7, availability: "available", since: t0 - 5000, timenow: t0 + 0.3), receivedAt: 0.3)
        // ACD call at t0+100 (availability changes: its own since counts).
        try f.send(F.agentStatus(7, availability: "unavailable", since: t0 + 100, acd: true, timenow: t0 + 100.4), receivedAt: 100.4)
        // Wrap-up: availability unchanged, so timenow dates it, not the old since.
        try f.send(F.agentStatus(7, availability: "unavailable", since: t0 + 100, acd: false, wrapup: true, timenow: t0 + 400), receivedAt: 400)
        // A partial push (string tid) changing only the queues keeps the state.
        try f.send(F.agentPartial(7, #"{"queues":["3","5"]}"#, timenow: t0 + 410), receivedAt: 410)
        // Unknown availability counts as paused; crosses the 09:00 boundary (t0+3600).
        try f.send(F.agentStatus(7, availability: "on_break_of_some_new_kind", since: t0 + 3000, timenow: t0 + 3000), receivedAt: 3000)
        try f.send(F.agentStatus(7, availability: "available", since: t0 + 3700, timenow: t0 + 3700), receivedAt: 3700)
        try f.recorder.endSession(reason: "shutdown", at: 3800)
        let intervals = try f.rows("SELECT state, start_time - \(t0), end_time - \(t0), began FROM agent_state_interval ORDER BY start_time")
        #expect(intervals == [
            [.text("available"), .real(0), .real(100), .integer(0)],
            [.text("acd_call"), .real(100), .real(400), .integer(1)],
            [.text("wrapup"), .real(400), .real(3000), .integer(1)],
            [.text("paused"), .real(3000), .real(3600), .integer(1)],
            [.text("paused"), .real(3600), .real(3700), .integer(0)],
            [.text("available"), .real(3700), .real(3800), .integer(1)],
        ])
        let changes = try f.rows("SELECT state, partial FROM agent_status_change ORDER BY id")
        #expect(changes.map { $0[0] } == [.text("available"), .text("acd_call"), .text("wrapup"), .text("wrapup"), .text("paused"), .text("available")])
        #expect(changes[3][1] == .integer(1))
    }

    @Test("implausible server times (1e30, overflow to infinity, the year 33658, a jump of a month) are journaled but not trusted: no crash, no flood of hourly cuts")
    func implausibleTimes() throws {
        let f = try F()
        let t0 = Self.t0
        try f.recorder.beginSession(server: "pbx", connectedAt: 0)
        try f.send(#"{"class":"login_id","sessionid":"abc","timenow":\#(t0)}"#, receivedAt: 0)
        try f.send(#"{"class":"getlist","function":"listid","listname":"agents","tipbxid":"xivo","list":["7"],"timenow":\#(t0 + 1)}"#, receivedAt: 1)
        try f.send(F.agentStatus(7, availability: "available", since: t0, timenow: t0 + 2), receivedAt: 2)
        // Each of these would otherwise cut agent 7's interval at every hour up to it, or crash
        // converting the hour to an integer.
        try f.send(F.agentStatus(7, availability: "unavailable", since: 1e30, acd: true, timenow: 1e30), receivedAt: 10)
        try f.send(#"{"class":"getlist","listname":"agents","function":"updatestatus","tipbxid":"xivo","tid":7,"status":{"availability":"available","availability_since":1e400,"on_call_acd":false,"on_wrapup":false},"timenow":1e400}"#, receivedAt: 20)
        try f.send(F.agentStatus(7, availability: "unavailable", since: 1e12, acd: true, timenow: 1e12), receivedAt: 30)
        try f.send(F.agentStatus(7, availability: "available", since: t0 + 31 * 86_400, timenow: t0 + 31 * 86_400), receivedAt: 40)
        try f.send(F.agentStatus(7, availability: "unavailable", since: t0 + 50, acd: true, timenow: t0 + 50), receivedAt: 50)
        try f.recorder.endSession(reason: "shutdown", at: 60)

        #expect(try f.journalRows("SELECT count(*) FROM journal") == [[.integer(8)]])
        #expect(try f.journalRows("SELECT count(*) FROM journal WHERE malformed IS NOT NULL") == [[.integer(0)]])
        // The untrusted lines are dated by the server's clock estimated from the line before
        // (the first status by its own availability_since).
        let times = try f.journalRows("SELECT event_time - \(t0) FROM journal ORDER BY seq").map { $0[0] }
        #expect(times == [.real(0), .real(1), .real(0), .real(10), .real(20), .real(30), .real(40), .real(50)])
        // Every state change happened, each at its estimated time; nothing after the session.
        let intervals = try f.rows("SELECT state, start_time - \(t0), end_time - \(t0) FROM agent_state_interval ORDER BY start_time, id")
        #expect(intervals == [
            [.text("available"), .real(0), .real(10)],
            [.text("acd_call"), .real(10), .real(20)],
            [.text("available"), .real(20), .real(30)],
            [.text("acd_call"), .real(30), .real(40)],
            [.text("available"), .real(40), .real(50)],
            [.text("acd_call"), .real(50), .real(60)],
        ])
    }

    @Test("queue visits: answered when a member agent enters acd_call within 2 s, abandoned otherwise, unknown at the session's end")
    func queueVisits() throws {
        let f = try F()
        let t0 = Self.t0
        try f.recorder.beginSession(server: "pbx", connectedAt: 0)
        try f.send(#"{"class":"login_id","sessionid":"abc","timenow":\#(t0)}"#, receivedAt: 0)
        try f.send(F.agentStatus(7, availability: "available", since: t0, queues: ["3"], timenow: t0 + 1), receivedAt: 1)
        try f.send(F.agentStatus(8, availability: "available", since: t0, queues: ["5"], timenow: t0 + 1), receivedAt: 1)
        try f.send(F.queueEntries(3, [("555", t0 + 10, "u1")], timenow: t0 + 10), receivedAt: 10)
        try f.send(F.queueEntries(3, [("555", t0 + 10, "u1"), ("666", t0 + 20, "u2")], timenow: t0 + 20), receivedAt: 20)
        // u1 leaves at +30; agent 7 (member of 3) answers at +31: answered.
        try f.send(F.queueEntries(3, [("666", t0 + 20, "u2")], timenow: t0 + 30), receivedAt: 30)
        try f.send(F.agentStatus(7, availability: "unavailable", since: t0 + 31, acd: true, queues: ["3"], timenow: t0 + 31), receivedAt: 31)
        // u2 leaves at +40; agent 8 is not a member of queue 3 and answers: abandoned.
        try f.send(F.queueEntries(3, [], timenow: t0 + 40), receivedAt: 40)
        try f.send(F.agentStatus(8, availability: "unavailable", since: t0 + 40.5, acd: true, queues: ["5"], timenow: t0 + 40.5), receivedAt: 40.5)
        try f.send(F.queueEntries(3, [("777", t0 + 50, "u3")], timenow: t0 + 50), receivedAt: 50)
        try f.recorder.endSession(reason: "connection_lost", at: 60)
        let visits = try f.rows("SELECT uniqueid, caller_number, join_time - \(t0), leave_time - \(t0), outcome, agent_id FROM queue_visit ORDER BY visit_id")
        #expect(visits == [
            [.text("u1"), .text("555"), .real(10), .real(30), .text("answered"), .text("7")],
            [.text("u2"), .text("666"), .real(20), .real(40), .text("abandoned"), .null],
            [.text("u3"), .text("777"), .real(50), .real(60), .text("unknown"), .null],
        ])
    }

    @Test("calls: channels that talk to each other form one call; direction, answer, rings and missed")
    func calls() throws {
        let f = try F()
        let t0 = Self.t0
        try f.recorder.beginSession(server: "pbx", connectedAt: 0)
        try f.send(#"{"class":"login_id","sessionid":"abc","timenow":\#(t0)}"#, receivedAt: 0)
        try f.send(F.phoneConfig(1, identity: "SIP/alice", number: "1001", user: 11, timenow: t0), receivedAt: 0)
        try f.send(F.phoneConfig(2, identity: "SIP/bob", number: "1002", user: 12, timenow: t0), receivedAt: 0)
        try f.send(F.userConfig(11, fullname: "Alice Bouzat", timenow: t0), receivedAt: 0)
        // Internal call Alice -> Bob, answered (the protocol document's sequence).
        try f.send(F.channel("SIP/alice-0000000a", #"{"timestamp":\#(t0 + 10),"holded":false,"commstatus":"ready","parked":false,"state":"Down"}"#), receivedAt: 10)
        try f.send(F.channel("SIP/bob-0000000b", #"{"timestamp":\#(t0 + 10.1),"holded":false,"commstatus":"ready","parked":false,"state":"Unknown"}"#), receivedAt: 10)
        try f.send(F.channel("SIP/alice-0000000a", #"{"talkingto_kind":"channel","direction":"out","timestamp":\#(t0 + 10.2),"talkingto_id":"SIP/bob-0000000b","state":"Ring","commstatus":"calling"}"#), receivedAt: 10)
        try f.send(F.channel("SIP/bob-0000000b", #"{"direction":"in","timestamp":\#(t0 + 10.2),"talkingto_id":"SIP/alice-0000000a","state":"Down","commstatus":"ringing"}"#), receivedAt: 10)
        try f.send(F.channel("SIP/bob-0000000b", #"{"timestamp":\#(t0 + 15),"commstatus":"linked-called","state":"Up"}"#), receivedAt: 15)
        try f.send(F.channel("SIP/alice-0000000a", #"{"timestamp":\#(t0 + 15),"commstatus":"linked-caller","state":"Up"}"#), receivedAt: 15)
        try f.send(F.hangup("SIP/alice-0000000a", timenow: t0 + 60), receivedAt: 60)
        try f.send(F.hangup("SIP/bob-0000000b", timenow: t0 + 60.1), receivedAt: 60.1)
        // Inbound call from a trunk to Bob, never answered: missed for Bob's user.
        try f.send(F.channel("SIP/trunk-00000001", #"{"timestamp":\#(t0 + 100),"commstatus":"calling","direction":"out","talkingto_id":"SIP/bob-0000000c","state":"Ring"}"#), receivedAt: 100)
        try f.send(F.channel("SIP/bob-0000000c", #"{"timestamp":\#(t0 + 100.5),"commstatus":"ringing","direction":"in","talkingto_id":"SIP/trunk-00000001","state":"Ringing"}"#), receivedAt: 100.5)
        try f.send(F.hangup("SIP/bob-0000000c", timenow: t0 + 120), receivedAt: 120)
        try f.send(F.hangup("SIP/trunk-00000001", timenow: t0 + 120.2), receivedAt: 120.2)
        try f.recorder.endSession(reason: "shutdown", at: 130)
        let calls = try f.rows("""
            SELECT round(started_at - \(t0), 3), round(first_ring_at - \(t0), 3), round(answered_at - \(t0), 3),
                   round(ended_at - \(t0), 3), direction, outcome,
                   caller_number, caller_name, callee_number FROM call ORDER BY call_id
            """)
        #expect(calls == [
            [.real(10), .real(10.2), .real(15), .real(60.1), .text("internal"), .text("answered"), .text("1001"), .text("Alice Bouzat"), .text("1002")],
            [.real(100), .real(100.5), .null, .real(120.2), .text("inbound"), .text("missed"), .null, .null, .text("1002")],
        ])
        // A call's id is the id of its first channel event: 1 for the first call, whose two
        // channels began as calls of their own (ids 1 and 2) until they named each other, and
        // 9 for the second.
        let rings = try f.rows("SELECT call_id, phone_id, user_id FROM call_ring ORDER BY call_id")
        #expect(rings == [[.integer(1), .text("2"), .text("12")], [.integer(9), .text("2"), .text("12")]])
        #expect(try f.rows("SELECT call_id FROM call ORDER BY call_id") == [[.integer(1)], [.integer(9)]])
        #expect(try f.database.fetchInt64("SELECT count(*) FROM channel_event WHERE call_id IS NULL") == 0)
        // Each event belongs to its own call, also those of channels that began as calls of
        // their own and were merged when they named each other.
        let events = try f.rows("SELECT channel, call_id FROM channel_event ORDER BY id")
        #expect(events.map { $0[1] } == Array(repeating: .integer(1), count: 8) + Array(repeating: .integer(9), count: 4))
        #expect(Set(events.prefix(8).map { $0[0] }) == [.text("SIP/alice-0000000a"), .text("SIP/bob-0000000b")])
    }

    @Test("channel events carry their call's id from the start; merged calls keep the id with more events; ids go on from what was committed after a batch is lost; replay agrees")
    func channelEventCallIDs() throws {
        let f = try F()
        let t0 = Self.t0
        func event(_ name: String, _ json: String, at offset: Double) throws {
            try f.send(F.channel(name, #"{"timestamp":\#(t0 + offset),\#(json)}"#), receivedAt: offset)
        }
        try f.recorder.beginSession(server: "pbx", connectedAt: 0)
        try f.send(#"{"class":"login_id","sessionid":"abc","timenow":\#(t0)}"#, receivedAt: 0)
        // Channel a: three events as a call of its own (ids 1-3); channel b: one (id 4), later
        // started. b names a: one call, which keeps a's id (more events) though a began first.
        try event("SIP/a-1", #""commstatus":"ready""#, at: 1)
        try event("SIP/a-1", #""commstatus":"ready","state":"Down""#, at: 1.5)
        try event("SIP/a-1", #""commstatus":"ready","state":"Ring""#, at: 2)
        try event("SIP/b-1", #""commstatus":"ready""#, at: 3)
        try event("SIP/b-1", #""commstatus":"calling","talkingto_id":"SIP/a-1""#, at: 4)
        try f.send(F.hangup("SIP/a-1", timenow: t0 + 10), receivedAt: 10)
        try f.send(F.hangup("SIP/b-1", timenow: t0 + 11), receivedAt: 11)
        // Channel c (id 8) one event, then d (id 9) with three; d names c: d's id wins,
        // although c began first (the call's start is c's).
        try event("SIP/c-1", #""commstatus":"ready""#, at: 20)
        try event("SIP/d-1", #""commstatus":"ready""#, at: 21)
        try event("SIP/d-1", #""commstatus":"ready","state":"Up""#, at: 22)
        try event("SIP/d-1", #""commstatus":"calling","talkingto_id":"SIP/c-1""#, at: 23)
        try f.send(F.hangup("SIP/c-1", timenow: t0 + 30), receivedAt: 30)
        try f.send(F.hangup("SIP/d-1", timenow: t0 + 31), receivedAt: 31)
        try f.recorder.commit()
        #expect(try f.rows("SELECT call_id, started_at - \(t0) FROM call ORDER BY call_id") == [[.integer(1), .real(1)], [.integer(9), .real(20)]])
        #expect(try f.rows("SELECT id, call_id FROM channel_event ORDER BY id").map { $0[1] }
            == Array(repeating: .integer(1), count: 7) + Array(repeating: .integer(9), count: 6))
        // A batch lost to a failure (rolled back): its events' ids are given again.
        try event("SIP/e-1", #""commstatus":"ready""#, at: 40)
        f.recorder.abandonSession()
        try f.recorder.beginSession(server: "pbx", connectedAt: 50)
        try f.send(#"{"class":"login_id","sessionid":"abc","timenow":\#(t0 + 50)}"#, receivedAt: 50)
        try event("SIP/f-1", #""commstatus":"ready""#, at: 51)
        try f.recorder.endSession(reason: "shutdown", at: 60)
        #expect(try f.rows("SELECT id, channel, call_id FROM channel_event WHERE id > 13")
            == [[.integer(14), .text("SIP/f-1"), .integer(14)]])
        #expect(try f.rows("SELECT call_id, outcome FROM call WHERE call_id = 14") == [[.integer(14), .text("unknown")]])
        let live = try f.derivedDump()
        _ = try f.recorder.replay()
        #expect(try f.derivedDump() == live)
    }

    @Test("queue statistics: a value is stored when it changes its queue's and key's step function; the first value of each session always; every line stays in the journal")
    func queueStatisticChanges() throws {
        let f = try F()
        let t0 = Self.t0
        func stats(_ values: String, at offset: Double) throws {
            try f.send(#"{"class":"getqueuesstats","stats":{"3":{\#(values)}},"timenow":\#(t0 + offset)}"#, receivedAt: offset)
        }
        for session in 0..<2 {
            let base = Double(session) * 1000
            try f.recorder.beginSession(server: "pbx", connectedAt: base)
            try f.send(#"{"class":"login_id","sessionid":"abc","timenow":\#(t0 + base)}"#, receivedAt: base)
            try stats(#""Xivo-EWT":"6","Xivo-WaitingCalls":"1""#, at: base + 1)
            try stats(#""Xivo-EWT":"6","Xivo-WaitingCalls":"2""#, at: base + 2)
            try stats(#""Xivo-EWT":"6","Xivo-WaitingCalls":2"#, at: base + 3)       // the same, as an integer
            try stats(#""Xivo-EWT":"","Xivo-WaitingCalls":"2""#, at: base + 4)       // no data
            try stats(#""Xivo-EWT":"","Xivo-WaitingCalls":"0""#, at: base + 5)
            try stats(#""Xivo-EWT":"6""#, at: base + 6)
            try f.recorder.endSession(reason: "shutdown", at: base + 10)
        }
        let samples = try f.rows("SELECT session_id, key, event_time - \(t0), value FROM queue_stat_sample ORDER BY id")
        var expected: [[DatabaseValue]] = []
        for session in 0..<2 {
            let (id, base) = (DatabaseValue.integer(Int64(session + 1)), Double(session) * 1000)
            expected += [
                [id, .text("Xivo-EWT"), .real(base + 1), .real(6)], [id, .text("Xivo-WaitingCalls"), .real(base + 1), .real(1)],
                [id, .text("Xivo-WaitingCalls"), .real(base + 2), .real(2)],
                [id, .text("Xivo-EWT"), .real(base + 4), .null],
                [id, .text("Xivo-WaitingCalls"), .real(base + 5), .real(0)],
                [id, .text("Xivo-EWT"), .real(base + 6), .real(6)],
            ]
        }
        #expect(samples == expected)
        #expect(try f.journalRows("SELECT count(*) FROM journal WHERE class = 'getqueuesstats'") == [[.integer(12)]])
        let live = try f.derivedDump()
        _ = try f.recorder.replay()
        #expect(try f.derivedDump() == live)
    }

    @Test("queue statistics: an emptied queue ends the longest wait, so the same longest wait after it is stored, and so is an emptied queue after a longest wait; a value dated before the series' latest is stored")
    func queueStatisticRepeatsThatCount() throws {
        let f = try F()
        let t0 = Self.t0
        func stats(_ values: String, at offset: Double) throws {
            try f.send(#"{"class":"getqueuesstats","stats":{"3":{\#(values)}},"timenow":\#(t0 + offset)}"#, receivedAt: offset)
        }
        try f.recorder.beginSession(server: "pbx", connectedAt: 0)
        try f.send(#"{"class":"login_id","sessionid":"abc","timenow":\#(t0)}"#, receivedAt: 0)
        try stats(#""Xivo-WaitingCalls":"1","Xivo-LongestWaitTime":"4""#, at: 1)
        try stats(#""Xivo-WaitingCalls":"0""#, at: 2)                              // ends the longest wait of 4
        try stats(#""Xivo-LongestWaitTime":"4""#, at: 3)                          // a new step: stored
        try stats(#""Xivo-WaitingCalls":"0""#, at: 4)                              // ends it again: stored
        try stats(#""Xivo-WaitingCalls":"0""#, at: 5)                              // a repeat
        try stats(#""Xivo-EWT":"7""#, at: 10)
        try stats(#""Xivo-EWT":"7""#, at: 8)                                       // dated before 10: stored
        try stats(#""Xivo-EWT":"7""#, at: 11)                                      // after 10, but 8 came between: stored
        try stats(#""Xivo-EWT":"7""#, at: 12)                                      // a repeat
        try stats(#""Xivo-WaitingCalls":"5""#, at: 30)
        try stats(#""Xivo-WaitingCalls":"0","Xivo-LongestWaitTime":"2""#, at: 40)  // the emptied queue is the next step
        try stats(#""Xivo-WaitingCalls":"3""#, at: 25)                             // dated before 30 and 40
        try stats(#""Xivo-WaitingCalls":"3""#, at: 35)                             // after 25, but 30 came between: stored
        try f.recorder.endSession(reason: "shutdown", at: 50)
        let samples = try f.rows("SELECT key, event_time - \(t0), value FROM queue_stat_sample ORDER BY id")
        #expect(samples == [
            [.text("Xivo-WaitingCalls"), .real(1), .real(1)], [.text("Xivo-LongestWaitTime"), .real(1), .real(4)],
            [.text("Xivo-WaitingCalls"), .real(2), .real(0)],
            [.text("Xivo-LongestWaitTime"), .real(3), .real(4)],
            [.text("Xivo-WaitingCalls"), .real(4), .real(0)],
            [.text("Xivo-EWT"), .real(10), .real(7)], [.text("Xivo-EWT"), .real(8), .real(7)], [.text("Xivo-EWT"), .real(11), .real(7)],
            [.text("Xivo-WaitingCalls"), .real(30), .real(5)],
            [.text("Xivo-WaitingCalls"), .real(40), .real(0)], [.text("Xivo-LongestWaitTime"), .real(40), .real(2)],
            [.text("Xivo-WaitingCalls"), .real(25), .real(3)], [.text("Xivo-WaitingCalls"), .real(35), .real(3)],
        ])
        let live = try f.derivedDump()
        _ = try f.recorder.replay()
        #expect(try f.derivedDump() == live)
    }

    @Test("object rows hold the last status of each batch; a status heard before the object's configuration reaches its row with the next status line, even unchanged")
    func objectStatuses() throws {
        let f = try F()
        let t0 = Self.t0
        func phoneStatus(_ hint: String, _ time: Double) -> String {
            #"{"class":"getlist","listname":"phones","function":"updatestatus","tipbxid":"xivo","tid":"2","status":{"hintstatus":"\#(hint)"},"timenow":\#(time)}"#
        }
        func status() throws -> [[DatabaseValue]] {
            try f.rows("SELECT status FROM phone WHERE ipbx = 'xivo' AND phone_id = '2'")
        }
        try f.recorder.beginSession(server: "pbx", connectedAt: 0)
        try f.send(#"{"class":"login_id","sessionid":"abc","timenow":\#(t0)}"#, receivedAt: 0)
        // The status comes first: there is no row to hold it yet.
        try f.send(phoneStatus("0", t0 + 1), receivedAt: 1)
        try f.recorder.commit()
        #expect(try status().isEmpty)
        try f.send(F.phoneConfig(2, identity: "SIP/bob", number: "1002", user: 12, timenow: t0 + 2), receivedAt: 2)
        try f.recorder.commit()
        #expect(try status() == [[.text("{}")]])
        // The same status again: the row has never held it, so it is written.
        try f.send(phoneStatus("0", t0 + 3), receivedAt: 3)
        try f.recorder.commit()
        #expect(try status() == [[.text(#"{"hintstatus":"0"}"#)]])
        // Rang and stopped within one batch: the row keeps what it holds.
        try f.send(phoneStatus("1", t0 + 4), receivedAt: 4)
        try f.send(phoneStatus("0", t0 + 5), receivedAt: 5)
        try f.recorder.commit()
        #expect(try status() == [[.text(#"{"hintstatus":"0"}"#)]])
        try f.send(phoneStatus("1", t0 + 6), receivedAt: 6)
        try f.recorder.commit()
        #expect(try status() == [[.text(#"{"hintstatus":"1"}"#)]])
        // A new session starts from nothing written: its first status is written.
        try f.recorder.endSession(reason: "connection_lost", at: 7)
        try f.recorder.beginSession(server: "pbx", connectedAt: 8)
        try f.send(#"{"class":"login_id","sessionid":"abd","timenow":\#(t0 + 8)}"#, receivedAt: 8)
        try f.database.execute("UPDATE phone SET status = '{}'")
        try f.send(phoneStatus("1", t0 + 9), receivedAt: 9)
        try f.recorder.commit()
        #expect(try status() == [[.text(#"{"hintstatus":"1"}"#)]])
    }

    @Test("replay rebuilds every derived table exactly as live collection wrote it")
    func replayEqualsLive() throws {
        let f = try F()
        let t0 = Self.t0
        for session in 0..<2 {
            let base = t0 + Double(session) * 7200
            try f.recorder.beginSession(server: "pbx", connectedAt: Double(session) * 7200)
            try f.send(#"{"class":"login_id","sessionid":"abc","timenow":\#(base)}"#, receivedAt: 0)
            try f.send(#"{"class":"getqueuesstats","stats":{"3":{"Xivo-EWT":"6","Xivo-AvailableAgents":"1"}},"timenow":\#(base + 1)}"#, receivedAt: 1)
            try f.send(F.phoneConfig(2, identity: "SIP/bob", number: "1002", user: 12, timenow: base + 1), receivedAt: 1)
            for agent in 1...5 {
                try f.send(F.agentStatus(agent, availability: "available", since: base, timenow: base + 2), receivedAt: 2)
            }
            try f.send(F.queueEntries(3, [("555", base + 10, "u\(session)")], timenow: base + 10), receivedAt: 10)
            try f.send(F.queueEntries(3, [], timenow: base + 30), receivedAt: 30)
            try f.send(F.agentStatus(3, availability: "unavailable", since: base + 30.5, acd: true, timenow: base + 30.5), receivedAt: 30.5)
            try f.send(F.channel("SIP/trunk-1", #"{"timestamp":\#(base + 40),"commstatus":"calling","talkingto_id":"SIP/bob-1"}"#), receivedAt: 40)
            try f.send(F.channel("SIP/bob-1", #"{"timestamp":\#(base + 41),"commstatus":"ringing","direction":"in"}"#), receivedAt: 41)
            try f.send(F.agentStatus(4, availability: "unavailable", since: base + 5000, timenow: base + 5000), receivedAt: 5000)
            try f.send(F.queueEntries(3, [("556", base + 5001, "w\(session)")], timenow: base + 5001), receivedAt: 5001)
            try f.send(#"{"class":"getqueuesstats","stats":{"3":{"Xivo-EWT":"8"}},"timenow":\#(base + 5002)}"#, receivedAt: 5002)
            try f.recorder.endSession(reason: "connection_lost", at: 5100)
        }
        let live = try f.derivedDump()
        #expect((live["agent_state_interval"]?.count ?? 0) > 10)
        let outcome = try f.recorder.replay()
        #expect(outcome.sessions == 2)
        #expect(try f.derivedDump() == live)
    }

    @Test("a restart after a crash closes the abandoned session at its last event, and replay agrees")
    func crashRecovery() throws {
        let f = try F()
        let t0 = Self.t0
        try f.recorder.beginSession(server: "pbx", connectedAt: 0)
        try f.send(#"{"class":"login_id","sessionid":"abc","timenow":\#(t0)}"#, receivedAt: 0)
        try f.send(F.agentStatus(7, availability: "available", since: t0, timenow: t0 + 1), receivedAt: 1)
        try f.send(F.queueEntries(3, [("555", t0 + 10, "u1")], timenow: t0 + 10), receivedAt: 10)
        try f.recorder.commit()
        // Lines of the uncommitted batch are lost with the crash.
        try f.send(F.agentStatus(7, availability: "unavailable", since: t0 + 20, timenow: t0 + 20), receivedAt: 20)
        f.recorder.abandonSession()
        // The next run of the collector.
        let again = try Recorder(database: f.database)
        let session = try f.rows("SELECT ended_at - \(t0), end_reason FROM collection_session")
        #expect(session == [[.real(10), .text(Recorder.abandonedReason)]])
        #expect(try f.rows("SELECT state, end_time - \(t0) FROM agent_state_interval") == [[.text("available"), .real(10)]])
        #expect(try f.rows("SELECT outcome FROM queue_visit") == [[.text("unknown")]])
        let live = try f.derivedDump()
        _ = try again.replay()
        #expect(try f.derivedDump() == live)
    }
}
