import CallStatsTestSupport
import Foundation
import Storage
import Testing
@testable import Recording

/// Rows are bound by name: each column takes the field of its own name, and a statement whose
/// parameters and columns disagree fails when it is prepared, before any row is written.
@Suite("Recorded rows: fields bound by name")
struct RecordedRowTests {
    /// Distinct values, so that a field bound in another's place shows.
    private struct Distinct {
        private var next: Int64 = 100
        mutating func int() -> Int64 { next += 1; return next }
        mutating func real() -> Double { next += 1; return Double(next) + 0.25 }
        mutating func text() -> String { next += 1; return "t\(next)" }
        mutating func json() -> UTF8Text { UTF8Text(Array("{\"n\":\(int())}".utf8)) }
    }

    private static let line = Array("{\"class\":\"getlist\"}".utf8)

    /// One row of every kind, every field a different value (`Bool` fields: one true, one
    /// false, one nil at most).
    private static func samples(line: UnsafeRawBufferPointer) -> [any RecordedRow] {
        var d = Distinct()
        return [
            JournalBlockRow(firstSeq: d.int(), lastSeq: d.int(), sessionID: d.int(), firstReceivedAt: d.real(), lastReceivedAt: d.real(),
                            lastEventTime: d.real(), lines: RowBlob(bytes: line)),
            JournalMalformedRow(seq: d.int(), reason: d.text()),
            SessionStarted(startedAt: d.real(), sessionID: d.int()),
            SessionLoggedIn(loggedInAt: d.real(), sessionID: d.int()),
            SessionDescribed(protocol: d.text(), tls: true, sessionID: d.int()),
            SessionLastEvent(lastEventAt: d.real(), sessionID: d.int()),
            SessionEnded(endedAt: d.real(), endReason: d.text(), lastEventAt: d.real(), sessionID: d.int()),
            IPBXSeen(ipbx: d.text(), firstSeen: d.real(), lastSeen: d.real()),
            AgentStatusChange(ipbx: d.text(), agentID: d.text(), eventTime: d.real(), availability: d.text(), onCallACD: true,
                              onWrapup: false, state: d.text(), partial: true, sessionID: d.int(), journalSeq: d.int()),
            AgentStatusChange(ipbx: d.text(), agentID: d.text(), eventTime: d.real(), availability: d.text(), onCallACD: false,
                              onWrapup: nil, state: d.text(), partial: true, sessionID: d.int(), journalSeq: d.int()),
            IntervalOpened(id: d.int(), ipbx: d.text(), agentID: d.text(), state: d.text(), startTime: d.real(), endTime: d.real(),
                           began: true, sessionID: d.int()),
            IntervalClosed(endTime: d.real(), id: d.int()),
            IntervalDeleted(id: d.int()),
            IntervalReopened(id: d.int()),
            IntervalRelabelled(state: d.text(), id: d.int()),
            ChannelEventRow(id: d.int(), ipbx: d.text(), channel: d.text(), eventTime: d.real(), kind: d.text(), commstatus: d.text(),
                            state: d.text(), direction: d.text(), talkingtoID: d.text(), callID: d.int(), sessionID: d.int(),
                            journalSeq: d.int()),
            ChannelEventCall(callID: d.int(), id: d.int()),
            CallRow(callID: d.int(), ipbx: d.text(), startedAt: d.real(), firstRingAt: d.real(), answeredAt: d.real(), endedAt: d.real(),
                    direction: d.text(), outcome: d.text(), callerChannel: d.text(), callerNumber: d.text(), callerName: d.text(),
                    calleeChannel: d.text(), calleeNumber: d.text(), sessionID: d.int()),
            CallRingRow(callID: d.int(), phoneID: d.text(), userID: d.text(), channel: d.text(), rangAt: d.real()),
            QueueStatSample(ipbx: d.text(), queueID: d.text(), key: d.text(), eventTime: d.real(), value: d.real(),
                            windowS: Int(d.int()), sessionID: d.int(), journalSeq: d.int()),
            VisitStarted(visitID: d.int(), ipbx: d.text(), queueID: d.text(), uniqueID: d.text(), callerNumber: d.text(),
                         callerName: d.text(), joinTime: d.real(), sessionID: d.int(), leaveTime: d.real(), outcome: d.text(),
                         agentID: d.text(), answeredAt: d.real(), callID: d.int()),
            VisitContinued(sessionID: d.int(), visitID: d.int()),
            VisitLeft(leaveTime: d.real(), visitID: d.int()),
            VisitAnswered(agentID: d.text(), answeredAt: d.real(), visitID: d.int()),
            VisitAbandoned(visitID: d.int()),
            VisitUnknown(visitID: d.int()),
            VisitLeftUnknown(leaveTime: d.real(), visitID: d.int()),
            VisitDropped(visitID: d.int()),
            VisitCall(callID: d.int(), visitID: d.int()),
            UserConfigRow(ipbx: d.text(), userID: d.text(), fullname: d.text(), firstname: d.text(), lastname: d.text(),
                          agentID: d.text(), config: d.json(), updatedAt: d.real()),
            PhoneConfigRow(ipbx: d.text(), phoneID: d.text(), identity: d.text(), number: d.text(), userID: d.text(),
                           context: d.text(), protocol: d.text(), config: d.json(), updatedAt: d.real()),
            AgentConfigRow(ipbx: d.text(), agentID: d.text(), number: d.text(), firstname: d.text(), lastname: d.text(),
                           context: d.text(), config: d.json(), updatedAt: d.real()),
            QueueConfigRow(ipbx: d.text(), queueID: d.text(), name: d.text(), number: d.text(), displayName: d.text(),
                           context: d.text(), config: d.json(), updatedAt: d.real()),
            QueueMemberConfigRow(ipbx: d.text(), memberID: d.text(), interface: d.text(), queueName: d.text(), paused: d.text(),
                                 penalty: d.text(), membership: d.text(), status: d.text(), config: d.json(), updatedAt: d.real()),
            UserStatusRow(status: d.json(), ipbx: d.text(), userID: d.text()),
            PhoneStatusRow(status: d.json(), ipbx: d.text(), phoneID: d.text()),
            AgentStatusRow(status: d.json(), ipbx: d.text(), agentID: d.text()),
            UserDeleted(deletedAt: d.real(), ipbx: d.text(), userID: d.text()),
            PhoneDeleted(deletedAt: d.real(), ipbx: d.text(), phoneID: d.text()),
            AgentDeleted(deletedAt: d.real(), ipbx: d.text(), agentID: d.text()),
            QueueDeleted(deletedAt: d.real(), ipbx: d.text(), queueID: d.text()),
            QueueMemberDeleted(deletedAt: d.real(), ipbx: d.text(), memberID: d.text()),
            QueueLogFileProgress(sourceID: d.int(), firstLine: RowBlob(bytes: line), bytesRead: d.int(), linesRead: d.int(), path: d.text()),
            QueueLogSourceState(lastSessionID: d.int(), lastEventAt: d.real(), lastRowID: d.int(), carriedState: d.json(), sourceID: d.int()),
            QueueLogCallRow(id: d.int(), ipbx: d.text(), queueID: d.text(), callID: d.text(), enteredAt: d.real(), status: d.text(),
                            statusAt: d.real(), countedAt: d.real(), waitS: d.real(), talkS: d.real(), agentID: d.text(), sessionID: d.int()),
            QueueLogCallCompleted(enteredAt: d.real(), status: d.text(), statusAt: d.real(), countedAt: d.real(), waitS: d.real(), talkS: d.real(),
                                  agentID: d.text(), id: d.int()),
            AgentSpanOpened(id: d.int(), ipbx: d.text(), agentID: d.text(), kind: d.text(), startTime: d.real(), endTime: d.real(),
                            reason: d.text(), sourceID: d.int(), sessionID: d.int()),
            AgentSpanTimed(startTime: d.real(), endTime: d.real(), id: d.int()),
            AgentSpanDeleted(id: d.int()),
            RingNoAnswerRow(ipbx: d.text(), queueID: d.text(), callID: d.text(), agentID: d.text(), rangAt: d.real(), ringMS: d.int(), sessionID: d.int()),
            QueueLogSourcePolled(polledAt: d.real(), sourceID: d.int()),
        ]
    }

    /// The values a buffer holds, decoded as the executor reads them.
    private static func decode(_ buffer: RowBuffer) -> [DatabaseValue] {
        buffer.withEncoded { bytes in
            var values: [DatabaseValue] = []
            var offset = 0
            while offset < bytes.count {
                let tag = RowBuffer.Tag(rawValue: bytes.load(fromByteOffset: offset, as: UInt8.self))
                offset += 1
                switch tag {
                case .integer:
                    values.append(.integer(bytes.loadUnaligned(fromByteOffset: offset, as: Int64.self)))
                    offset += 8
                case .real:
                    values.append(.real(bytes.loadUnaligned(fromByteOffset: offset, as: Double.self)))
                    offset += 8
                case .text, .blob:
                    let length = Int(bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
                    let content = Array(bytes[(offset + 4)..<(offset + 4 + length)])
                    values.append(tag == .text ? .text(String(decoding: content, as: UTF8.self)) : .blob(content))
                    offset += 4 + length
                case .null, nil:
                    values.append(.null)
                }
            }
            return values
        }
    }

    private static func normalized(_ name: String) -> String {
        name.lowercased().replacingOccurrences(of: "_", with: "")
    }

    /// What is wrong with how `row`'s columns take its fields: a column that takes another
    /// field's value, a column named after no field, a field no column takes.
    private static func mismatches<Row: RecordedRow>(_ row: Row) -> [String] {
        let encoded = RowBuffer()
        for column in Row.columns { column.encode(row, encoded) }
        let columnValues = decode(encoded)
        var fields: [String: DatabaseValue] = [:]
        for child in Mirror(reflecting: row).children {
            guard let label = child.label, let value = child.value as? any RowValue else { continue }
            let single = RowBuffer()
            value.encode(into: single)
            fields[normalized(label)] = decode(single).first
        }
        var problems: [String] = []
        for (column, value) in zip(Row.columns, columnValues) {
            guard let field = fields.removeValue(forKey: normalized(column.name)) else {
                problems.append("\(Row.self): column \(column.name) is named after no field")
                continue
            }
            if field != value { problems.append("\(Row.self): column \(column.name) takes another field's value") }
        }
        problems += fields.keys.sorted().map { "\(Row.self): field \($0) is bound by no column" }
        return problems
    }

    @Test("every kind has a row type, and every column takes the field of its own name")
    func columnsTakeTheirFields() {
        let samples = Self.line.withUnsafeBytes { Self.samples(line: $0) }
        let kinds = Set(samples.map { type(of: $0).rowKind })
        #expect(kinds == Set(RowKind.allCases.filter { $0.rowType != nil }))
        for kind in RowKind.allCases {
            if let type = kind.rowType { #expect(type.rowKind == kind, "\(type)") }
        }
        Self.line.withUnsafeBytes { line in
            for row in Self.samples(line: line) {
                let problems = Self.mismatches(row)
                #expect(problems.isEmpty, "\(problems)")
            }
        }
    }

    /// `AgentStatusChange` with its two `Bool?` columns exchanged: what a positional call with
    /// two arguments in each other's place used to write.
    private struct ExchangedFlags: RecordedRow {
        var onCallACD: Bool?
        var onWrapup: Bool?
        static let rowKind = RowKind.agentStatusChange
        static let sql = "UPDATE agent_status_change SET on_call_acd = :on_call_acd, on_wrapup = :on_wrapup"
        static let columns: [RowColumn<Self>] = [.init("on_call_acd") { $0.onWrapup }, .init("on_wrapup") { $0.onCallACD }]
    }

    @Test("two fields exchanged are caught")
    func exchangedFields() {
        let problems = Self.mismatches(ExchangedFlags(onCallACD: true, onWrapup: false))
        #expect(problems == [
            "ExchangedFlags: column on_call_acd takes another field's value",
            "ExchangedFlags: column on_wrapup takes another field's value",
        ])
    }

    private static func makeDatabase() throws -> (Database, TemporaryFolder) {
        let folder = try TemporaryFolder()
        let (database, _) = try Database.openWriter(path: folder.path("calls.db"))
        return (database, folder)
    }

    @Test("a statement and its columns that disagree fail when prepared, naming the parameter")
    func checkedWhenPrepared() throws {
        let (database, folder) = try Self.makeDatabase()
        defer { withExtendedLifetime(folder) {} }
        // Every kind the recorder writes prepares and passes the check.
        _ = try RowExecutor(database: database)

        func failure(_ sql: String, _ columns: [String]) -> String? {
            do {
                _ = try PreparedRow(statement: try database.makeStatement(sql), columns: columns, row: "Test")
                return nil
            } catch let error as RowDefinitionError {
                return error.problem
            } catch {
                return "\(error)"
            }
        }
        let update = "UPDATE agent_state_interval SET end_time = :end_time WHERE id = :id"
        #expect(failure(update, ["end_time", "id"]) == nil)
        #expect(failure(update, ["end", "id"]) == "column end names no parameter :end of its statement")
        #expect(failure(update, ["end_time"]) == "parameter :id is bound by no column")
        #expect(failure(update, ["end_time", "id", "id"]) == "column id is bound twice")
        #expect(failure("UPDATE agent_state_interval SET end_time = ? WHERE id = :id", ["id"]) == "parameter ?1 is bound by no column")
    }

    @Test("a row written through the executor lands in the columns of its fields' names")
    func writtenByName() throws {
        let (database, folder) = try Self.makeDatabase()
        defer { withExtendedLifetime(folder) {} }
        try database.execute(sql: "PRAGMA foreign_keys = OFF")
        let executor = try RowExecutor(database: database)
        let buffer = RowBuffer()
        buffer.appendKind(.begin)
        buffer.append(AgentStatusChange(ipbx: "xivo", agentID: "7", eventTime: 1_800_000_000.5, availability: "available",
                                        onCallACD: true, onWrapup: false, state: "acd_call", partial: false, sessionID: 3,
                                        journalSeq: 11))
        buffer.appendKind(.commit)
        try executor.execute(buffer)
        let row = try database.makeStatement("""
            SELECT ipbx, agent_id, event_time, availability, on_call_acd, on_wrapup, state, partial, session_id, journal_seq
            FROM agent_status_change
            """).firstRow { row in (0..<row.columnCount).map { row.value($0) } }
        #expect(row == [.text("xivo"), .text("7"), .real(1_800_000_000.5), .text("available"), .integer(1), .integer(0),
                        .text("acd_call"), .integer(0), .integer(3), .integer(11)])
    }
}
