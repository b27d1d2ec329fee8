import Foundation
import Storage
import Testing
@testable import Recording

/// A caller in a queue is a queue visit and a call: the visit names its call, and the call
/// takes the caller the queue entry named (docs/RECORDING.md "Queue visits and their calls").
@Suite("Recorder: queue visits and their calls")
struct QueueVisitCallTests {
    typealias F = RecordingFixture
    static let t0 = RecorderTests.t0

    /// Two sessions of queue 3 beside an outbound call. Anne is answered by agent 7 on Bob's
    /// phone (her call keeps the id of Bob's channel, which had more events when they met);
    /// Bernard hangs up before anything rings; Claire's channel is never seen; Denis joins
    /// while another trunk channel waits in a voice menu; Frank is still waiting when the
    /// first session ends and continues in the second, where his channel shows again as a new
    /// call; Eve joins when the only call that rang nobody is Frank's.
    static func queueCalls(_ f: F) throws {
        let t0 = Self.t0
        func channel(_ name: String, _ json: String, at offset: Double) throws {
            try f.send(F.channel(name, #"{"timestamp":\#(t0 + offset),\#(json)}"#), receivedAt: offset)
        }
        func entries(_ list: [(number: String, join: Double, id: String)], at offset: Double) throws {
            try f.send(F.queueEntries(3, list.map { ($0.number, t0 + $0.join, $0.id) }, timenow: t0 + offset), receivedAt: offset)
        }
        func hangup(_ name: String, at offset: Double) throws {
            try f.send(F.hangup(name, timenow: t0 + offset), receivedAt: offset)
        }
        try f.recorder.beginSession(server: "pbx", connectedAt: 0)
        try f.send(#"{"class":"login_id","sessionid":"abc","timenow":\#(t0)}"#, receivedAt: 0)
        try f.send(F.phoneConfig(1, identity: "SIP/alice", number: "1001", user: 11, timenow: t0), receivedAt: 0)
        try f.send(F.phoneConfig(2, identity: "SIP/bob", number: "1002", user: 12, timenow: t0), receivedAt: 0)
        try f.send(F.userConfig(11, fullname: "Alice Bouzat", timenow: t0), receivedAt: 0)
        try f.send(F.agentStatus(7, availability: "available", since: t0, queues: ["3"], timenow: t0 + 1), receivedAt: 1)
        // Alice calls out; the trunk rings at once and answers: up until the session ends.
        try channel("SIP/alice-0001", #""commstatus":"calling","direction":"out","talkingto_id":"SIP/trunk-0001","state":"Ring""#, at: 2)
        try channel("SIP/trunk-0001", #""commstatus":"ringing","direction":"in","talkingto_id":"SIP/alice-0001","state":"Ringing""#, at: 2.5)
        try channel("SIP/alice-0001", #""commstatus":"linked-caller","state":"Up""#, at: 3)
        try channel("SIP/trunk-0001", #""commstatus":"linked-called","state":"Up""#, at: 3)
        // Anne: her trunk channel, then the queue; Bob's phone rings and agent 7 answers.
        try channel("SIP/trunk-0002", #""commstatus":"ready","state":"Ring""#, at: 10)
        try entries([("0612345678", 10.4, "ua")], at: 10.4)
        try channel("SIP/bob-0003", #""commstatus":"ready","state":"Down""#, at: 11)
        try channel("SIP/bob-0003", #""commstatus":"ready","state":"Down""#, at: 11.2)
        try channel("SIP/trunk-0002", #""commstatus":"calling","direction":"out","talkingto_id":"SIP/bob-0003""#, at: 11.5)
        try channel("SIP/bob-0003", #""commstatus":"ringing","direction":"in","talkingto_id":"SIP/trunk-0002","state":"Ringing""#, at: 11.5)
        try entries([], at: 14)
        try f.send(F.agentStatus(7, availability: "unavailable", since: t0 + 14, acd: true, queues: ["3"], timenow: t0 + 14), receivedAt: 14)
        try channel("SIP/bob-0003", #""commstatus":"linked-called","state":"Up""#, at: 14)
        try channel("SIP/trunk-0002", #""commstatus":"linked-caller","state":"Up""#, at: 14)
        // Bernard hangs up while waiting, before any phone rang.
        try channel("SIP/trunk-0004", #""commstatus":"ready","state":"Ring""#, at: 20)
        try entries([("0699999999", 20.2, "ub")], at: 20.2)
        try entries([], at: 25)
        try hangup("SIP/trunk-0004", at: 25)
        // Claire: no channel of hers is ever seen.
        try entries([("0611111111", 30, "uc")], at: 30)
        try entries([], at: 35)
        // Denis joins just after another caller reached a voice menu (trunk-0005, no queue).
        try channel("SIP/trunk-0005", #""commstatus":"ready","state":"Ring""#, at: 40)
        try channel("SIP/trunk-0006", #""commstatus":"ready","state":"Ring""#, at: 41)
        try entries([("0622222222", 41.5, "ud")], at: 41.5)
        try entries([], at: 45)
        try hangup("SIP/trunk-0006", at: 45)
        try hangup("SIP/trunk-0005", at: 50)
        try hangup("SIP/trunk-0002", at: 60)
        try hangup("SIP/bob-0003", at: 60)
        // Frank waits on; Eve joins, and the nearest call that rang nobody is Frank's.
        try channel("SIP/trunk-0007", #""commstatus":"ready","state":"Ring""#, at: 70)
        try entries([("0633333333", 70.2, "uf")], at: 70.2)
        try entries([("0633333333", 70.2, "uf"), ("0644444444", 71, "ue")], at: 71)
        try f.recorder.endSession(reason: "connection_lost", at: 100)

        try f.recorder.beginSession(server: "pbx", connectedAt: 200)
        try f.send(#"{"class":"login_id","sessionid":"def","timenow":\#(t0 + 200)}"#, receivedAt: 200)
        try entries([("0633333333", 70.2, "uf")], at: 201)
        try channel("SIP/trunk-0007", #""commstatus":"ready","state":"Ring""#, at: 202)
        try entries([], at: 205)
        try hangup("SIP/trunk-0007", at: 205)
        try f.recorder.endSession(reason: "shutdown", at: 300)
    }

    @Test("a visit names the call its caller was on, which takes the visit's caller; replay agrees")
    func visitsNameTheirCalls() throws {
        let f = try F()
        try Self.queueCalls(f)
        let visits = try f.rows("""
            SELECT v.uniqueid, v.session_id, c.caller_channel, c.direction, c.caller_number, c.caller_name, c.session_id
            FROM queue_visit v LEFT JOIN call c ON c.call_id = v.call_id ORDER BY v.visit_id
            """)
        #expect(visits == [
            [.text("ua"), .integer(1), .text("SIP/trunk-0002"), .text("inbound"), .text("0612345678"), .text("Caller 0612345678"), .integer(1)],
            [.text("ub"), .integer(1), .text("SIP/trunk-0004"), .text("inbound"), .text("0699999999"), .text("Caller 0699999999"), .integer(1)],
            [.text("uc"), .integer(1), .null, .null, .null, .null, .null],
            [.text("ud"), .integer(1), .text("SIP/trunk-0006"), .text("inbound"), .text("0622222222"), .text("Caller 0622222222"), .integer(1)],
            [.text("uf"), .integer(2), .text("SIP/trunk-0007"), .text("inbound"), .text("0633333333"), .text("Caller 0633333333"), .integer(1)],
            [.text("ue"), .integer(1), .null, .null, .null, .null, .null],
        ])
        // Anne's call is the merged call, under the id of Bob's first channel event (6), not
        // that of her trunk channel's (5), which her visit was linked to while she waited.
        #expect(try f.rows("SELECT call_id FROM queue_visit WHERE uniqueid = 'ua'") == [[.integer(6)]])
        #expect(try f.rows("SELECT call_id FROM channel_event WHERE channel = 'SIP/trunk-0002' LIMIT 1") == [[.integer(6)]])
        // Calls no visit names keep what the channel events said: nothing of an inbound
        // caller, the calling phone's number and user of an outbound one.
        let others = try f.rows("""
            SELECT caller_channel, direction, caller_number, caller_name FROM call c
            WHERE NOT EXISTS (SELECT 1 FROM queue_visit v WHERE v.call_id = c.call_id) ORDER BY call_id
            """)
        #expect(others == [
            [.text("SIP/alice-0001"), .text("outbound"), .text("1001"), .text("Alice Bouzat")],
            [.text("SIP/trunk-0005"), .text("inbound"), .null, .null],
            [.text("SIP/trunk-0007"), .text("inbound"), .null, .null],
        ])
        let live = try f.derivedDump()
        _ = try f.recorder.replay()
        #expect(try f.derivedDump() == live)
    }

    @Test("migration 0007 links the visits and callers of a database of the previous schema as the recorder does")
    func migrationLinksAsTheRecorder() throws {
        let f = try F()
        try Self.queueCalls(f)
        try f.recorder.waitForWrites()
        let copyPath = f.folder.path("schema6.db")
        let copy = try Self.previousVersionCopy(of: f.path, at: copyPath)
        #expect(try copy.fetchInt64("SELECT count(*) FROM call WHERE caller_number IS NOT NULL") == 1)
        let outcome = try Migrator.embedded().migrate(copy)
        #expect(outcome.fromVersion == 6 && outcome.applied.first == "queue_visit_call")
        #expect(try copy.fetchInt64("SELECT count(*) FROM queue_visit WHERE call_id IS NOT NULL") == 4)
        for table in Recorder.derivedTables {
            let sql = "SELECT * FROM \(table) ORDER BY 1, 2, 3"
            #expect(try Self.rows(copy, sql) == Self.rows(f.database, sql), "\(table)")
        }
        #expect(try copy.fetchString("PRAGMA foreign_key_check") == nil)
    }

    /// The database at `source` as the previous version (schema 6) recorded it: the same
    /// rows, without what that version never knew (a visit's call, an inbound call's caller).
    static func previousVersionCopy(of source: String, at path: String) throws -> Database {
        let copy = try Database(path: path)
        let migrations = try Migrator.embedded().migrations
        try Migrator(migrations: Array(migrations.prefix(6))).migrate(copy)
        try copy.execute("ATTACH DATABASE ? AS recorded", source)
        try copy.write {
            // Parents before the rows that refer to them.
            for table in ["collection_session", "journal", "ipbx", "pbx_user", "phone", "agent", "queue", "queue_member",
                          "queue_stat_sample", "agent_status_change", "agent_state_interval", "channel_event", "call",
                          "call_ring", "queue_visit"] {
                var columns: [String] = []
                try copy.makeStatement("SELECT name FROM pragma_table_info(?, 'main')").forEachRow([table]) { columns.append($0.string(0) ?? "") }
                let list = columns.joined(separator: ", ")
                try copy.execute(sql: "INSERT INTO main.\(table) (\(list)) SELECT \(list) FROM recorded.\(table)")
            }
            try copy.execute(sql: "UPDATE main.call SET caller_number = NULL, caller_name = NULL WHERE direction = 'inbound'")
        }
        try copy.execute(sql: "DETACH DATABASE recorded")
        return copy
    }

    static func rows(_ database: Database, _ sql: String) throws -> [[DatabaseValue]] {
        var result: [[DatabaseValue]] = []
        try database.makeStatement(sql).forEachRow { row in
            result.append((0..<row.columnCount).map { row.value($0) })
        }
        return result
    }
}
