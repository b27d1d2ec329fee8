/// A queue statistic's new value (metrics.md "Queue statistics"); NULL for the server's "".
struct QueueStatSample: RecordedRow {
    var ipbx: String
    var queueID: String
    var key: String
    var eventTime: Double
    var value: Double?
    var windowS: Int?
    var sessionID: Int64
    var journalSeq: Int64?

    static let rowKind = RowKind.queueStatSample
    static let sql = RowSQL.insert(into: "queue_stat_sample", columns)
    static let columns: [RowColumn<Self>] = [
        .init("ipbx") { $0.ipbx },
        .init("queue_id") { $0.queueID },
        .init("key") { $0.key },
        .init("event_time") { $0.eventTime },
        .init("value") { $0.value },
        .init("window_s") { $0.windowS },
        .init("session_id") { $0.sessionID },
        .init("journal_seq") { $0.journalSeq },
    ]
}

/// A caller's stay in a queue (metrics.md "Queue visits"): from its join, its end still to
/// come, or whole when it ended in the batch that began it (`OpenRows`).
struct VisitStarted: RecordedRow {
    var visitID: Int64
    var ipbx: String
    var queueID: String
    var uniqueID: String?
    var callerNumber: String?
    var callerName: String?
    var joinTime: Double
    var sessionID: Int64
    var leaveTime: Double? = nil
    var outcome: String? = nil
    var agentID: String? = nil
    var answeredAt: Double? = nil
    var callID: Int64? = nil

    static let rowKind = RowKind.visitStarted
    static let sql = RowSQL.insert(into: "queue_visit", columns)
    static let columns: [RowColumn<Self>] = [
        .init("visit_id") { $0.visitID },
        .init("ipbx") { $0.ipbx },
        .init("queue_id") { $0.queueID },
        .init("uniqueid") { $0.uniqueID },
        .init("caller_number") { $0.callerNumber },
        .init("caller_name") { $0.callerName },
        .init("join_time") { $0.joinTime },
        .init("session_id") { $0.sessionID },
        .init("leave_time") { $0.leaveTime },
        .init("outcome") { $0.outcome },
        .init("agent_id") { $0.agentID },
        .init("answered_at") { $0.answeredAt },
        .init("call_id") { $0.callID },
    ]
}

/// A caller still waiting when an earlier session ended: the same visit goes on.
struct VisitContinued: RecordedRow {
    var sessionID: Int64
    var visitID: Int64

    static let rowKind = RowKind.visitContinued
    static let sql = "UPDATE queue_visit SET session_id = :session_id, leave_time = NULL, outcome = NULL WHERE visit_id = :visit_id"
    static let columns: [RowColumn<Self>] = [.init("session_id") { $0.sessionID }, .init("visit_id") { $0.visitID }]
}

struct VisitLeft: RecordedRow {
    var leaveTime: Double
    var visitID: Int64

    static let rowKind = RowKind.visitLeft
    static let sql = "UPDATE queue_visit SET leave_time = :leave_time WHERE visit_id = :visit_id"
    static let columns: [RowColumn<Self>] = [.init("leave_time") { $0.leaveTime }, .init("visit_id") { $0.visitID }]
}

struct VisitAnswered: RecordedRow {
    var agentID: String
    var answeredAt: Double
    var visitID: Int64

    static let rowKind = RowKind.visitAnswered
    static let sql = "UPDATE queue_visit SET outcome = 'answered', agent_id = :agent_id, answered_at = :answered_at WHERE visit_id = :visit_id"
    static let columns: [RowColumn<Self>] = [
        .init("agent_id") { $0.agentID },
        .init("answered_at") { $0.answeredAt },
        .init("visit_id") { $0.visitID },
    ]
}

struct VisitAbandoned: RecordedRow {
    var visitID: Int64

    static let rowKind = RowKind.visitAbandoned
    static let sql = "UPDATE queue_visit SET outcome = 'abandoned' WHERE visit_id = :visit_id"
    static let columns: [RowColumn<Self>] = [.init("visit_id") { $0.visitID }]
}

struct VisitUnknown: RecordedRow {
    var visitID: Int64

    static let rowKind = RowKind.visitUnknown
    static let sql = "UPDATE queue_visit SET outcome = 'unknown' WHERE visit_id = :visit_id"
    static let columns: [RowColumn<Self>] = [.init("visit_id") { $0.visitID }]
}

/// A caller still waiting when the session ended.
struct VisitLeftUnknown: RecordedRow {
    var leaveTime: Double
    var visitID: Int64

    static let rowKind = RowKind.visitLeftUnknown
    static let sql = "UPDATE queue_visit SET leave_time = :leave_time, outcome = 'unknown' WHERE visit_id = :visit_id"
    static let columns: [RowColumn<Self>] = [.init("leave_time") { $0.leaveTime }, .init("visit_id") { $0.visitID }]
}

/// A queue_log caller still waiting when a CTI session's time begins: the collector counts
/// that caller (docs/METRICS.md "One database, two sources").
struct VisitDropped: RecordedRow {
    var visitID: Int64

    static let rowKind = RowKind.visitDropped
    static let sql = "DELETE FROM queue_visit WHERE visit_id = :visit_id"
    static let columns: [RowColumn<Self>] = [.init("visit_id") { $0.visitID }]
}

/// The call the visit's caller was on (docs/RECORDING.md "Queue visits and their calls"),
/// written with the call, once its id is final.
struct VisitCall: RecordedRow {
    var callID: Int64
    var visitID: Int64

    static let rowKind = RowKind.visitCall
    static let sql = "UPDATE queue_visit SET call_id = :call_id WHERE visit_id = :visit_id"
    static let columns: [RowColumn<Self>] = [.init("call_id") { $0.callID }, .init("visit_id") { $0.visitID }]
}
