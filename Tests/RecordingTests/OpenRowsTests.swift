import CallStatsTestSupport
import Storage
import Testing
@testable import Recording

/// `OpenRows` holds the intervals and visits a batch opens and writes each once, whole, when it
/// ends: differential against every statement run as it comes (the house style), over random
/// lives of intervals and visits with commits at random points.
@Suite("Open rows written once: the same tables as every statement at once")
struct OpenRowsTests {
    /// Statements as the recorder makes them: each interval and visit opened once, then
    /// changed, ended, deleted, reopened or linked in a random order that keeps to what the
    /// recorder does (nothing addresses a row before it was opened).
    static func statements(seed: UInt64, count: Int) -> [(any RecordedRow, commitAfter: Bool)] {
        var random = SeededGenerator(state: seed)
        var out: [(any RecordedRow, Bool)] = []
        var intervals: [(id: Int64, closed: Bool)] = []
        var visits: [(id: Int64, gone: Bool, ended: Bool)] = []
        var nextID: Int64 = 1
        var time = 1_800_000_000.0
        for _ in 0..<count {
            time += Double(Int.random(in: 0...30, using: &random))
            let row: (any RecordedRow)?
            switch Int.random(in: 0..<14, using: &random) {
            case 0, 1:
                nextID += 1
                let closedAlready = Int.random(in: 0..<5, using: &random) == 0
                intervals.append((nextID, closedAlready))
                row = IntervalOpened(id: nextID, ipbx: "xivo", agentID: "Agent/\(nextID % 7)", state: "available", startTime: time,
                                     endTime: closedAlready ? time + 3600 : nil, began: Bool.random(using: &random), sessionID: 1)
            case 2:
                guard let pick = intervals.indices.randomElement(using: &random), !intervals[pick].closed else { row = nil; break }
                intervals[pick].closed = true
                row = IntervalClosed(endTime: time, id: intervals[pick].id)
            case 3:
                guard let pick = intervals.indices.randomElement(using: &random), !intervals[pick].closed else { row = nil; break }
                row = IntervalRelabelled(state: ["acd_call", "wrapup", "paused"].randomElement(using: &random) ?? "", id: intervals[pick].id)
            case 4:
                guard let pick = intervals.indices.randomElement(using: &random) else { row = nil; break }
                row = IntervalDeleted(id: intervals[pick].id)
                intervals.remove(at: pick)
            case 5:
                guard let pick = intervals.indices.randomElement(using: &random), intervals[pick].closed else { row = nil; break }
                intervals[pick].closed = false
                row = IntervalReopened(id: intervals[pick].id)
            case 6, 7:
                nextID += 1
                visits.append((nextID, false, false))
                row = VisitStarted(visitID: nextID, ipbx: "xivo", queueID: "q\(nextID % 3)", uniqueID: "u\(nextID)",
                                   callerNumber: Bool.random(using: &random) ? "06\(nextID)" : nil, callerName: nil, joinTime: time, sessionID: 1)
            case 8:
                guard let pick = visits.indices.randomElement(using: &random), !visits[pick].gone else { row = nil; break }
                row = VisitLeft(leaveTime: time, visitID: visits[pick].id)
            case 9:
                guard let pick = visits.indices.randomElement(using: &random), !visits[pick].gone, !visits[pick].ended else { row = nil; break }
                visits[pick].ended = true
                switch Int.random(in: 0..<4, using: &random) {
                case 0: row = VisitAnswered(agentID: "Agent/3", answeredAt: time, visitID: visits[pick].id)
                case 1: row = VisitAbandoned(visitID: visits[pick].id)
                case 2: row = VisitUnknown(visitID: visits[pick].id)
                default: row = VisitLeftUnknown(leaveTime: time, visitID: visits[pick].id)
                }
            case 10:
                guard let pick = visits.indices.randomElement(using: &random), !visits[pick].gone else { row = nil; break }
                row = VisitCall(callID: Int64.random(in: 1...99, using: &random), visitID: visits[pick].id)
            case 11:
                guard let pick = visits.indices.randomElement(using: &random), !visits[pick].gone else { row = nil; break }
                visits[pick].gone = true
                row = VisitDropped(visitID: visits[pick].id)
            case 12:
                guard let pick = visits.indices.randomElement(using: &random), !visits[pick].gone else { row = nil; break }
                visits[pick].ended = false
                row = VisitContinued(sessionID: 2, visitID: visits[pick].id)
            default:
                // Any other row, between them.
                row = RingNoAnswerRow(ipbx: "xivo", queueID: "q1", callID: "c", agentID: "Agent/1", rangAt: time, ringMS: 5, sessionID: 1)
            }
            if let row { out.append((row, Int.random(in: 0..<25, using: &random) == 0)) }
        }
        return out
    }

    static func tables(_ database: Database) throws -> [[DatabaseValue]] {
        var rows: [[DatabaseValue]] = []
        for sql in ["SELECT * FROM agent_state_interval ORDER BY id", "SELECT * FROM queue_visit ORDER BY visit_id",
                    "SELECT * FROM queue_log_ring_no_answer ORDER BY rowid"] {
            try database.makeStatement(sql).forEachRow { row in rows.append((0..<row.columnCount).map { row.value($0) }) }
        }
        return rows
    }

    @Test("random lives of intervals and visits, committed at random points", arguments: [UInt64(1), 2, 3, 4, 5, 6])
    func sameTables(seed: UInt64) throws {
        let statements = Self.statements(seed: seed, count: 3_000)
        let folder = try TemporaryFolder()
        defer { withExtendedLifetime(folder) {} }
        let (folded, _) = try Database.openWriter(path: folder.path("folded.db"))
        let (direct, _) = try Database.openWriter(path: folder.path("direct.db"))
        for database in [folded, direct] { try database.execute(sql: "PRAGMA foreign_keys = OFF") }

        let writer = try RowWriter(database: folded)
        try writer.begin()
        for (row, commitAfter) in statements {
            try writer.write(row)
            if commitAfter {
                try writer.commit()
                try writer.begin()
            }
        }
        try writer.commit()

        // Each statement run alone, as it came.
        let executor = try RowExecutor(database: direct)
        try direct.write {
            for (row, _) in statements {
                let buffer = RowBuffer()
                buffer.append(row)
                try executor.execute(buffer)
            }
        }

        let expected = try Self.tables(direct)
        #expect(expected.count > 500)
        #expect(try Self.tables(folded) == expected)
    }

    @Test("held rows are in the tables once the writer drains, before any commit")
    func drainWrites() throws {
        let folder = try TemporaryFolder()
        defer { withExtendedLifetime(folder) {} }
        let (database, _) = try Database.openWriter(path: folder.path("calls.db"))
        try database.execute(sql: "PRAGMA foreign_keys = OFF")
        let writer = try RowWriter(database: database)
        try writer.begin()
        try writer.write(IntervalOpened(id: 7, ipbx: "xivo", agentID: "Agent/1", state: "available", startTime: 10, endTime: nil, began: true, sessionID: 1))
        try writer.write(VisitStarted(visitID: 9, ipbx: "xivo", queueID: "q", uniqueID: "u", callerNumber: nil, callerName: nil, joinTime: 10, sessionID: 1))
        #expect(try database.fetchInt64("SELECT count(*) FROM agent_state_interval") == 0)
        try writer.drain()
        #expect(try database.fetchInt64("SELECT count(*) FROM agent_state_interval WHERE end_time IS NULL") == 1)
        #expect(try database.fetchInt64("SELECT count(*) FROM queue_visit WHERE outcome IS NULL") == 1)
        // Later statements address the written rows.
        try writer.write(IntervalClosed(endTime: 20, id: 7))
        try writer.write(VisitAbandoned(visitID: 9))
        try writer.commit()
        #expect(try database.fetchDouble("SELECT end_time FROM agent_state_interval WHERE id = 7") == 20)
        #expect(try database.fetchString("SELECT outcome FROM queue_visit WHERE visit_id = 9") == "abandoned")
    }
}
