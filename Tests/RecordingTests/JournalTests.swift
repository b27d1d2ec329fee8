import CallStatsTestSupport
import Foundation
import Storage
import Testing
@testable import Recording

/// The journal in blocks (schema version 8): how the recorder fills them, and the conversion
/// of the lines older versions stored one per row.
@Suite("Journal blocks in the recorder")
struct JournalTests {
    typealias F = RecordingFixture
    static let t0 = 1_793_606_400.0

    struct Line: Equatable {
        let seq: Int64
        let sessionID: Int64
        let receivedAt: Double
        let eventTime: Double
        let malformed: String?
        let bytes: [UInt8]
    }

    static func lines(_ database: Database) throws -> [Line] {
        var lines: [Line] = []
        try JournalReader(database: database).forEachLine { line in
            lines.append(Line(seq: line.seq, sessionID: line.sessionID, receivedAt: line.receivedAt, eventTime: line.eventTime,
                              malformed: line.malformed, bytes: Array(line.bytes)))
        }
        return lines
    }

    @Test("a block grows across commits, rewritten at each; a full block is written once; a rolled-back batch starts a new block")
    func blocksAcrossCommits() throws {
        let f = try F(options: RecorderOptions(batchMaxMessages: 100))
        try f.recorder.beginSession(server: "pbx", connectedAt: 0)
        for i in 0..<2_500 {
            try f.send(#"{"class":"getqueuesstats","stats":{"3":{"Xivo-EWT":"\#(i % 9)"}},"timenow":\#(Self.t0 + Double(i))}"#,
                       receivedAt: Double(i))
        }
        try f.recorder.commit()
        #expect(try f.rows("SELECT first_seq, last_seq, session_id FROM journal_block ORDER BY first_seq") == [
            [.integer(1), .integer(1_024), .integer(1)],
            [.integer(1_025), .integer(2_048), .integer(1)],
            [.integer(2_049), .integer(2_500), .integer(1)],
        ])
        #expect(try f.rows("SELECT first_received_at, last_received_at, last_event_time FROM journal_block WHERE first_seq = 2049")
            == [[.real(2_048), .real(2_499), .real(Self.t0 + 2_499)]])

        // A batch the database refuses is rolled back: the committed block stays as it was,
        // and the next lines go into a new block after it.
        try f.send("not json", receivedAt: 2_500)
        f.recorder.abandonSession()
        try f.recorder.beginSession(server: "pbx", connectedAt: 3_000)
        try f.send(#"{"class":"login_id","timenow":\#(Self.t0 + 3_000)}"#, receivedAt: 3_000)
        try f.send("[1,2]", receivedAt: 3_001)
        try f.recorder.endSession(reason: "shutdown", at: 3_002)
        #expect(try f.rows("SELECT first_seq, last_seq, session_id FROM journal_block WHERE first_seq > 2049 ORDER BY first_seq") == [
            [.integer(2_501), .integer(2_502), .integer(2)],
        ])
        #expect(try f.rows("SELECT seq FROM journal_malformed") == [[.integer(2_502)]])
        let lines = try Self.lines(f.database)
        #expect(lines.map(\.seq) == Array(1...2_502))
        #expect(lines.last?.bytes == Array("[1,2]".utf8))
        #expect(try JournalReader(database: f.database).lineCount() == 2_502)
        #expect(try JournalReader(database: f.database).malformedCount() == 1)
    }

    @Test("lines stored one per row by older versions read the same, replay the same, and convert into blocks resumably beside a recorder")
    func conversion() throws {
        // A day recorded as now, for its lines and its derived rows.
        let recorded = try F()
        try BackgroundWritesTests.day(recorded)
        try recorded.recorder.beginSession(server: "pbx", connectedAt: 30_000)
        try recorded.send(#"{"class":"login_id","timenow":\#(Self.t0 + 30_000)}"#, receivedAt: 30_000)
        try recorded.send("not json", receivedAt: 30_001)
        try recorded.recorder.endSession(reason: "shutdown", at: 30_002)
        let expected = try Self.lines(recorded.database)
        #expect(expected.count > 15_000)
        #expect(expected.contains { $0.malformed != nil })
        let derived = try recorded.derivedDump()

        // The same journal as schema 7 stored it, upgraded.
        let old = try TemporaryFolder()
        let path = old.path("old.db")
        do {
            let database = try Database(path: path)
            try Migrator(migrations: Array(try Migrator.embedded().migrations.prefix(7))).migrate(database)
            try database.execute("ATTACH DATABASE ? AS recorded", recorded.path)
            try database.write {
                // Schema 7's columns (schema 10 added source_id).
                try database.execute(sql: """
                    INSERT INTO main.collection_session
                    SELECT session_id, server, protocol, tls, connected_at, logged_in_at, started_at, ended_at, end_reason, last_event_at
                    FROM recorded.collection_session
                    """)
                let insert = try database.makeStatement("""
                    INSERT INTO journal (seq, session_id, received_at, event_time, malformed, line) VALUES (?, ?, ?, ?, ?, ?)
                    """)
                for line in expected {
                    try insert.execute(line.seq, line.sessionID, line.receivedAt, line.eventTime, line.malformed, DatabaseValue.blob(line.bytes))
                }
            }
            try database.execute(sql: "DETACH DATABASE recorded")
        }
        let (database, outcome) = try Database.openWriter(path: path)
        #expect(outcome.applied.contains("journal_blocks"))
        #expect(try Self.lines(database) == expected, "unconverted lines read as they were written")
        let replaying = try Recorder(database: database)
        _ = try replaying.replay()
        #expect(try RecordingFixture.derivedDump(of: database) == derived, "replay from unconverted lines")

        // Interrupted after three blocks (a kill between transactions), then resumed while a
        // recorder writes a new session on another connection.
        struct Interrupted: Error {}
        let converter = try JournalConverter(database: database)
        #expect(throws: Interrupted.self) {
            try converter.convert { done, _ in if done >= 3 * Int64(JournalBlock.maximumLines) { throw Interrupted() } }
        }
        #expect(try Self.lines(database) == expected, "half converted")
        #expect(try converter.remainingLines() == Int64(expected.count) - 3 * Int64(JournalBlock.maximumLines))

        let (writer, _) = try Database.openWriter(path: path)
        let live = try Recorder(database: writer)
        try live.beginSession(server: "pbx", connectedAt: 40_000)
        try live.record(line: Array(#"{"class":"login_id","timenow":\#(Self.t0 + 40_000)}"#.utf8), receivedAt: 40_000)
        try live.commit()
        let resumed = try JournalConverter(database: database).convert()
        try live.record(line: Array(#"{"class":"getqueuesstats","stats":{},"timenow":\#(Self.t0 + 40_001)}"#.utf8), receivedAt: 40_001)
        try live.endSession(reason: "shutdown", at: 40_002)
        #expect(resumed.lines == Int64(expected.count) - 3 * Int64(JournalBlock.maximumLines))
        #expect(try converter.remainingLines() == 0)
        let after = try Self.lines(database)
        #expect(Array(after.prefix(expected.count)) == expected, "converted lines are the lines")
        #expect(after.dropFirst(expected.count).map(\.seq) == [Int64(expected.count) + 1, Int64(expected.count) + 2],
                "the live session numbered on after the converted lines")
        #expect(try database.fetchInt64("SELECT count(*) FROM journal_malformed") == Int64(expected.filter { $0.malformed != nil }.count))
        // Blocks never mix sessions.
        #expect(try database.fetchInt64("""
            SELECT count(*) FROM journal_block b WHERE EXISTS (
              SELECT 1 FROM journal_block c WHERE c.session_id <> b.session_id AND c.first_seq <= b.last_seq AND c.last_seq >= b.first_seq)
            """) == 0)
        #expect(try database.fetchString("PRAGMA integrity_check") == "ok")
    }
}
