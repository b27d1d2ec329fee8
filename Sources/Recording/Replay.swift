import CTIProtocol
import Storage

/// `callstats replay`: every derived table rebuilt from the journal, in one transaction,
/// through the same `apply` as live collection.
extension Recorder {
    public struct ReplayOutcome: Sendable, Equatable {
        public let sessions: Int
        public let lines: Int
    }

    /// Tables whose every row comes from the journal.
    /// In an order that deletes rows before the rows they refer to (a visit names its call).
    static let derivedTables = [
        "call_ring", "queue_visit", "call", "channel_event", "agent_state_interval", "agent_status_change",
        "queue_stat_sample", "queue_member", "queue", "agent", "phone", "pbx_user", "ipbx",
    ]

    public func replay() throws -> ReplayOutcome {
        guard session == nil else {
            throw RecorderError.noSession
        }
        if let firstKept = try JournalPruner.firstKeptSeq(database) {
            throw JournalPrunedError(firstKeptSeq: firstKept)
        }
        var sessions = 0
        var lines = 0
        try database.write {
            for table in Self.derivedTables {
                try database.execute(sql: "DELETE FROM \(table)")
            }
            var rows: [(id: Int64, endedAt: Double?, reason: String?)] = []
            try database.makeStatement("SELECT session_id, ended_at, end_reason FROM collection_session ORDER BY session_id")
                .forEachRow { rows.append(($0.int64(0), $0.optionalDouble(1), $0.string(2))) }
            let journal = JournalReader(database: database)
            for row in rows {
                try startSessionState(id: row.id)
                try journal.forEachLine(JournalFilter(sessionID: row.id)) { line in
                    let decoded = Result { () throws(DecodeError) in try ServerMessage.decode(line.bytes) }
                    try apply(line: line.bytes, decoded: decoded, receivedAt: line.receivedAt, journalSeq: line.seq)
                    lines += 1
                }
                if row.reason == Self.abandonedReason {
                    // Live, every commit wrote the objects; the last one covered every line
                    // that reached the journal.
                    try flushDirtyObjects()
                    try closeAbandoned(sessionID: row.id, at: row.endedAt)
                } else if let end = row.endedAt {
                    try closeDerivedState(at: end)
                }
                session = nil
                derived = DerivedState()
                sessions += 1
            }
        }
        return ReplayOutcome(sessions: sessions, lines: lines)
    }
}
