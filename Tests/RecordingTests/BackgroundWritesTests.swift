import CallStatsTestSupport
import Foundation
import Storage
import Testing
@testable import Recording

/// Live collection writes rows on a thread of their own (`Recorder.startWritingInBackground`):
/// the rows must be those written at once, and a failure must still lose nothing committed.
@Suite("Recorder: rows written in the background")
struct BackgroundWritesTests {
    typealias F = RecordingFixture
    static let t0 = RecorderTests.t0

    /// Three sessions of a busy queue: agents, calls, visits, statistics, objects. A caller
    /// still waiting when a session ends continues in the next; the last session ends in a
    /// crash (abandoned) after a commit.
    static func day(_ f: F) throws {
        let t0 = Self.t0
        for session in 0..<3 {
            let base = t0 + Double(session) * 7200
            let local = Double(session) * 7200
            try f.recorder.beginSession(server: "pbx", connectedAt: local)
            try f.send(#"{"class":"login_id","sessionid":"s\#(session)","timenow":\#(base)}"#, receivedAt: local)
            if session == 0 {
                try f.send(F.phoneConfig(2, identity: "SIP/bob", number: "1002", user: 12, timenow: base + 1), receivedAt: local + 1)
                try f.send(F.userConfig(12, fullname: "Bob", timenow: base + 1), receivedAt: local + 1)
            }
            // The caller "kept" waits across the sessions; the others come and go.
            try f.send(F.queueEntries(3, [("555", t0 + 5, "kept")], timenow: base + 5), receivedAt: local + 5)
            for step in 0..<600 {
                let time = base + 10 + Double(step) * 5
                let at = local + 10 + Double(step) * 5
                let agent = step % 12
                let availability = step % 3 == 0 ? "available" : "unavailable"
                try f.send(F.agentStatus(agent, availability: availability, since: time, acd: step % 3 == 1, timenow: time), receivedAt: at)
                try f.send(#"{"class":"getqueuesstats","stats":{"3":{"Xivo-EWT":"\#(step % 7)","Xivo-WaitingCalls":"\#(step % 4)"}},"timenow":\#(time)}"#, receivedAt: at)
                try f.send(#"{"class":"getlist","listname":"phones","function":"updatestatus","tipbxid":"xivo","tid":"2","status":{"hintstatus":"\#(step % 2)"},"timenow":\#(time)}"#, receivedAt: at)
                let caller = "c\(session)-\(step / 4)"
                try f.send(F.queueEntries(3, [("555", t0 + 5, "kept"), ("600", time, caller)], timenow: time + 1), receivedAt: at + 1)
                try f.send(F.queueEntries(3, [("555", t0 + 5, "kept")], timenow: time + 2), receivedAt: at + 2)
                let channel = "SIP/bob-\(session)-\(step)"
                try f.send(F.channel("SIP/trunk-\(session)-\(step)", #"{"timestamp":\#(time + 1),"commstatus":"calling","talkingto_id":"\#(channel)"}"#), receivedAt: at + 1)
                try f.send(F.channel(channel, #"{"timestamp":\#(time + 2),"commstatus":"ringing","direction":"in"}"#), receivedAt: at + 2)
                if step % 5 != 0 {
                    try f.send(F.hangup(channel, timenow: time + 3), receivedAt: at + 3)
                    try f.send(F.hangup("SIP/trunk-\(session)-\(step)", timenow: time + 3), receivedAt: at + 3)
                }
                if step % 250 == 249 {
                    try f.recorder.commit()
                }
            }
            if session < 2 {
                try f.recorder.endSession(reason: "connection_lost", at: local + 4000)
            } else {
                try f.recorder.commit()
                try f.send(F.agentStatus(1, availability: "available", since: base + 3990, timenow: base + 3990), receivedAt: local + 3990)
                f.recorder.abandonSession()
            }
        }
    }

    @Test("rows written in the background are exactly those written at once, over several sessions, a continued visit and a crash; replay agrees")
    func sameRows() throws {
        let immediate = try F()
        let background = try F(background: true)
        try Self.day(immediate)
        try Self.day(background)
        background.recorder.stopWritingInBackground()
        // The next run of the collector closes the crashed session.
        _ = try Recorder(database: immediate.database)
        let again = try Recorder(database: background.database)
        let journal = "SELECT seq, session_id, received_at, event_time, class, malformed, line FROM journal ORDER BY seq"
        let lines = try immediate.journalRows(journal)
        #expect(lines.count > 15_000)
        #expect(try background.journalRows(journal) == lines)
        let live = try immediate.derivedDump()
        #expect(try background.derivedDump() == live)
        #expect(try background.rows("SELECT * FROM collection_session") == immediate.rows("SELECT * FROM collection_session"))
        // The waiting caller is one visit across the sessions, and calls were recorded.
        #expect(try background.rows("SELECT count(*), min(session_id), max(session_id) FROM queue_visit WHERE uniqueid = 'kept'")
            == [[.integer(1), .integer(3), .integer(3)]])
        #expect((live["call"]?.count ?? 0) > 1_000)
        // The abandoned batch's lines are not in the journal; the committed ones are.
        #expect(try background.journalRows("SELECT count(*) FROM journal WHERE session_id = 3 AND event_time >= \(Self.t0 + 2 * 7200 + 3990)")
            == [[.integer(0)]])

        _ = try again.replay()
        #expect(try background.derivedDump() == live)
    }

    @Test("a failure of the background writes is thrown by a later call: the open batch is rolled back, nothing committed is lost, and the next session records")
    func failure() throws {
        let f = try F(background: true)
        let t0 = Self.t0
        try f.recorder.beginSession(server: "pbx", connectedAt: 0)
        try f.send(#"{"class":"login_id","sessionid":"abc","timenow":\#(t0)}"#, receivedAt: 0)
        try f.recorder.commit()
        try f.recorder.waitForWrites()
        // Room for little more: the journal soon fills the "disk".
        let pages = try f.database.fetchInt64("PRAGMA page_count") ?? 0
        try f.database.execute(sql: "PRAGMA max_page_count = \(pages + 8)")
        // Letters that do not compress (the journal is compressed): each line takes its room.
        var generator = SeededGenerator(state: 15)
        let letters = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        var sent: [String] = [#"{"class":"login_id","sessionid":"abc","timenow":\#(t0)}"#]
        var thrown: (any Error)?
        for index in 0..<2_000 {
            let payload = String((0..<2_000).map { _ in letters[Int.random(in: 0..<letters.count, using: &generator)] })
            let line = #"{"class":"sheet","payload":"\#(payload)","n":\#(index),"timenow":\#(t0 + Double(index))}"#
            do {
                try f.send(line, receivedAt: Double(index))
                sent.append(line)
                if index % 10 == 9 { try f.recorder.commit() }
                try f.recorder.checkBackgroundWrites()
            } catch {
                thrown = error
                break
            }
        }
        let failure = try #require(thrown)
        #expect("\(failure)".contains("full"))
        f.recorder.abandonSession()

        // What reached the journal is a whole number of committed batches, in order.
        try f.database.execute(sql: "PRAGMA max_page_count = 1000000")
        let journaled = try f.journalRows("SELECT seq, line FROM journal ORDER BY seq")
        #expect(journaled.count < sent.count)
        #expect(journaled.count % 10 == 1)
        #expect(journaled.map { $0[1] } == sent.prefix(journaled.count).map { .blob(Array($0.utf8)) })
        #expect(journaled.map { $0[0] } == (1...Int64(journaled.count)).map { .integer($0) })

        // The next session numbers on from what was committed, and records.
        try f.recorder.beginSession(server: "pbx", connectedAt: 5000)
        try f.send(#"{"class":"login_id","sessionid":"abd","timenow":\#(t0 + 5000)}"#, receivedAt: 5000)
        try f.recorder.endSession(reason: "shutdown", at: 5001)
        #expect(try f.journalRows("SELECT seq, session_id FROM journal WHERE session_id = 2")
            == [[.integer(Int64(journaled.count + 1)), .integer(2)]])
        #expect(try f.rows("PRAGMA integrity_check") == [[.text("ok")]])
        #expect(try f.rows("SELECT end_reason FROM collection_session ORDER BY session_id")
            == [[.text(Recorder.abandonedReason)], [.text("shutdown")]])
    }
}
