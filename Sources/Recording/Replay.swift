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
        "queue_log_call", "queue_log_agent_span", "queue_log_ring_no_answer", "call_ring", "queue_visit", "call", "channel_event", "agent_state_interval", "agent_status_change",
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
            var rows: [(id: Int64, endedAt: Double?, reason: String?, sourceID: Int64?)] = []
            try database.makeStatement("SELECT session_id, ended_at, end_reason, source_id FROM collection_session ORDER BY session_id")
                .forEachRow { rows.append(($0.int64(0), $0.optionalDouble(1), $0.string(2), $0.isNull(3) ? nil : $0.int64(3))) }
            let journal = JournalReader(database: database)
            // What each queue_log source's previous session ended with (the CTI sessions
            // start from their bootstrap; a queue_log's go on from the one before).
            var carried: [Int64: (state: String, end: Double?)] = [:]
            for row in rows {
                try startSessionState(id: row.id)
                if let sourceID = row.sourceID {
                    queueLog = try loadQueueLogState(sourceID: sourceID, sessionID: row.id)
                    try restoreQueueLogState(carried: carried[sourceID]?.state, at: carried[sourceID]?.end)
                    try journal.forEachLine(JournalFilter(sessionID: row.id)) { line in
                        _ = try applyQueueLogLine(line.bytes, receivedAt: line.receivedAt, journalSeq: line.seq)
                        lines += 1
                    }
                    if let state = queueLog {
                        carried[sourceID] = (String(decoding: state.carried(waiting: derived.waiting).bytes, as: UTF8.self), row.endedAt)
                    }
                } else {
                    try journal.forEachLine(JournalFilter(sessionID: row.id)) { line in
                        let decoded = Result { () throws(DecodeError) in try ServerMessage.decode(line.bytes) }
                        try apply(line: line.bytes, decoded: decoded, receivedAt: line.receivedAt, journalSeq: line.seq)
                        lines += 1
                    }
                }
                if row.reason == Self.abandonedReason {
                    // Live, every commit wrote the objects; the last one covered every line
                    // that reached the journal.
                    try flushDirtyObjects()
                    try closeAbandoned(sessionID: row.id, at: row.endedAt)
                } else if let end = row.endedAt {
                    try closeDerivedState(at: end)
                }
                // What is still open is written before the next session's state is read.
                try self.rows.drain()
                session = nil
                queueLog = nil
                derived = DerivedState()
                sessions += 1
            }
        }
        return ReplayOutcome(sessions: sessions, lines: lines)
    }
}
