import CallStatsTestSupport
import Foundation
import Storage
@testable import Recording

/// A recorder on a fresh database file, fed hand-written CTI lines.
final class RecordingFixture {
    let folder: TemporaryFolder
    let path: String
    let database: Database
    let recorder: Recorder

    /// With `background`, rows are written on the recorder's writing thread, as live.
    init(options: RecorderOptions = RecorderOptions(), background: Bool = false) throws {
        folder = try TemporaryFolder()
        path = folder.path("calls.db")
        (database, _) = try Database.openWriter(path: path)
        recorder = try Recorder(database: database, options: options)
        if background {
            recorder.startWritingInBackground()
        }
    }

    /// Feeds a line as if received `delay` seconds (local clock) after its server time.
    func send(_ line: String, receivedAt: Double) throws {
        try recorder.record(line: Array(line.utf8), receivedAt: receivedAt)
    }

    /// `rows` over a snapshot of the journal, one row per line (`snapshotJournal`).
    func journalRows(_ sql: String, _ values: [any DatabaseBindable] = []) throws -> [[DatabaseValue]] {
        try recorder.waitForWrites()
        try database.snapshotJournal()
        return try rows(sql, values)
    }

    func rows(_ sql: String, _ values: [any DatabaseBindable] = []) throws -> [[DatabaseValue]] {
        var result: [[DatabaseValue]] = []
        // Rows written in the background are read once written.
        try recorder.waitForWrites()
        try database.makeStatement(sql).forEachRow(values) { row in
            result.append((0..<row.columnCount).map { row.value($0) })
        }
        return result
    }

    /// Every derived table's rows, for comparing live with replay.
    func derivedDump() throws -> [String: [[DatabaseValue]]] {
        try recorder.waitForWrites()
        return try Self.derivedDump(of: database)
    }

    static func derivedDump(of database: Database) throws -> [String: [[DatabaseValue]]] {
        var dump: [String: [[DatabaseValue]]] = [:]
        for table in Recorder.derivedTables {
            var rows: [[DatabaseValue]] = []
            try database.makeStatement("SELECT * FROM \(table)").forEachRow { row in
                rows.append((0..<row.columnCount).map { row.value($0) })
            }
            // By content: rows written at a batch's commit may be written in another order.
            dump[table] = rows.sorted { "\($0)" < "\($1)" }
        }
        return dump
    }

    // MARK: Message builders (the real server's shapes, protocol-notes.md)

    static func agentStatus(_ id: Int, availability: String, since: Double, acd: Bool = false, wrapup: Bool = false,
                            queues: [String] = ["3"], timenow: Double) -> String {
        let queueList = queues.map { "\"\($0)\"" }.joined(separator: ",")
        return #"{"class":"getlist","listname":"agents","function":"updatestatus","tipbxid":"xivo","tid":\#(id),"status":{"availability":"\#(availability)","availability_since":\#(since),"phonenumber":"100\#(id)","channel":null,"on_call_acd":\#(acd),"on_wrapup":\#(wrapup),"queues":[\#(queueList)]},"timenow":\#(timenow)}"#
    }

    static func agentPartial(_ id: Int, _ statusJSON: String, timenow: Double) -> String {
        #"{"class":"getlist","listname":"agents","function":"updatestatus","tipbxid":"xivo","tid":"\#(id)","status":\#(statusJSON),"timenow":\#(timenow)}"#
    }

    static func queueEntries(_ queue: Int, _ entries: [(number: String, join: Double, id: String)], timenow: Double) -> String {
        let list = entries.enumerated().map { index, entry in
            #"{"position":\#(index + 1),"name":"Caller \#(entry.number)","number":"\#(entry.number)","join_time":\#(entry.join),"uniqueid":"\#(entry.id)"}"#
        }.joined(separator: ",")
        return #"{"class":"queueentryupdate","state":{"queue_name":"q\#(queue)","queue_id":\#(queue),"entries":[\#(list)]},"timenow":\#(timenow)}"#
    }

    static func channel(_ name: String, _ statusJSON: String) -> String {
        #"{"class":"getlist","function":"updatestatus","listname":"channels","tipbxid":"xivo","tid":"\#(name)","status":\#(statusJSON)}"#
    }

    static func hangup(_ name: String, timenow: Double) -> String {
        #"{"class":"getlist","function":"delconfig","listname":"channels","tipbxid":"xivo","list":["\#(name)"],"timenow":\#(timenow)}"#
    }

    static func phoneConfig(_ id: Int, identity: String, number: String, user: Int, timenow: Double) -> String {
        #"{"class":"getlist","function":"updateconfig","listname":"phones","tid":"\#(id)","tipbxid":"xivo","timenow":\#(timenow),"config":{"identity":"\#(identity)","number":"\#(number)","iduserfeatures":\#(user),"context":"default","protocol":"sip"}}"#
    }

    static func userConfig(_ id: Int, fullname: String, timenow: Double) -> String {
        #"{"class":"getlist","function":"updateconfig","listname":"users","tid":"\#(id)","tipbxid":"xivo","timenow":\#(timenow),"config":{"fullname":"\#(fullname)","agentid":null,"linelist":["\#(id)"]}}"#
    }
}
