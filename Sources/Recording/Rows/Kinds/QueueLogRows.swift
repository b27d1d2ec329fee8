import Storage

/// How much of a queue_log file was read (migration 0010), written in the transaction of the
/// lines it counts: a kill between two commits neither loses nor repeats a line.
struct QueueLogFileProgress: RecordedRow {
    var sourceID: Int64
    var firstLine: RowBlob
    var bytesRead: Int64
    var linesRead: Int64
    var path: String

    static let rowKind = RowKind.queueLogFile
    static let sql = RowSQL.insert(into: "queue_log_file", columns) + """
         ON CONFLICT (source_id, first_line) DO UPDATE SET bytes_read = excluded.bytes_read,
          lines_read = excluded.lines_read, path = excluded.path
        """
    static let columns: [RowColumn<Self>] = [
        .init("source_id") { $0.sourceID },
        .init("first_line") { $0.firstLine },
        .init("bytes_read") { $0.bytesRead },
        .init("lines_read") { $0.linesRead },
        .init("path") { $0.path },
    ]
}

/// Where a queue_log source was left and the state its interpreter carries to the next import,
/// written at every commit with the lines it follows from.
struct QueueLogSourceState: RecordedRow {
    var lastSessionID: Int64
    var lastEventAt: Double?
    var lastRowID: Int64?
    var carriedState: UTF8Text
    var sourceID: Int64

    static let rowKind = RowKind.queueLogSourceState
    static let sql = """
        UPDATE queue_log_source SET last_session_id = :last_session_id, last_event_at = coalesce(:last_event_at, last_event_at),
          last_row_id = coalesce(:last_row_id, last_row_id), carried_state = :carried_state
        WHERE source_id = :source_id
        """
    static let columns: [RowColumn<Self>] = [
        .init("last_session_id") { $0.lastSessionID },
        .init("last_event_at") { $0.lastEventAt },
        .init("last_row_id") { $0.lastRowID },
        .init("carried_state") { $0.carriedState },
        .init("source_id") { $0.sourceID },
    ]
}

/// A call in a queue as XiVO counts it (migration 0012), once it has its status.
struct QueueLogCallRow: RecordedRow {
    var id: Int64
    var ipbx: String
    var queueID: String
    var callID: String
    var enteredAt: Double?
    var status: String
    var statusAt: Double?
    var countedAt: Double?
    var waitS: Double?
    var talkS: Double?
    var agentID: String?
    var sessionID: Int64

    static let rowKind = RowKind.queueLogCall
    static let sql = RowSQL.insert(into: "queue_log_call", columns)
    static let columns: [RowColumn<Self>] = [
        .init("id") { $0.id },
        .init("ipbx") { $0.ipbx },
        .init("queue_id") { $0.queueID },
        .init("callid") { $0.callID },
        .init("entered_at") { $0.enteredAt },
        .init("status") { $0.status },
        .init("status_at") { $0.statusAt },
        .init("counted_at") { $0.countedAt },
        .init("wait_s") { $0.waitS },
        .init("talk_s") { $0.talkS },
        .init("agent_id") { $0.agentID },
        .init("session_id") { $0.sessionID },
    ]
}

/// The same call once its ENTERQUEUE is read after the line that ended it.
struct QueueLogCallCompleted: RecordedRow {
    var enteredAt: Double?
    var status: String
    var statusAt: Double?
    var countedAt: Double?
    var waitS: Double?
    var talkS: Double?
    var agentID: String?
    var id: Int64

    static let rowKind = RowKind.queueLogCallCompleted
    static let sql = """
        UPDATE queue_log_call SET entered_at = :entered_at, status = :status, status_at = :status_at, counted_at = :counted_at,
          wait_s = :wait_s, talk_s = :talk_s, agent_id = :agent_id WHERE id = :id
        """
    static let columns: [RowColumn<Self>] = [
        .init("entered_at") { $0.enteredAt },
        .init("status") { $0.status },
        .init("status_at") { $0.statusAt },
        .init("counted_at") { $0.countedAt },
        .init("wait_s") { $0.waitS },
        .init("talk_s") { $0.talkS },
        .init("agent_id") { $0.agentID },
        .init("id") { $0.id },
    ]
}

/// An agent's login, pause or wrap-up as the queue_log tells it (migration 0012).
struct AgentSpanOpened: RecordedRow {
    var id: Int64
    var ipbx: String
    var agentID: String
    var kind: String
    var startTime: Double
    var endTime: Double?
    var reason: String?
    var sourceID: Int64
    var sessionID: Int64

    static let rowKind = RowKind.agentSpanOpened
    static let sql = RowSQL.insert(into: "queue_log_agent_span", columns)
    static let columns: [RowColumn<Self>] = [
        .init("id") { $0.id },
        .init("ipbx") { $0.ipbx },
        .init("agent_id") { $0.agentID },
        .init("kind") { $0.kind },
        .init("start_time") { $0.startTime },
        .init("end_time") { $0.endTime },
        .init("reason") { $0.reason },
        .init("source_id") { $0.sourceID },
        .init("session_id") { $0.sessionID },
    ]
}

/// A span's times once known (a logoff gives the login's start; an unpause the pause's end).
struct AgentSpanTimed: RecordedRow {
    var startTime: Double
    var endTime: Double?
    var id: Int64

    static let rowKind = RowKind.agentSpanTimed
    static let sql = "UPDATE queue_log_agent_span SET start_time = :start_time, end_time = :end_time WHERE id = :id"
    static let columns: [RowColumn<Self>] = [
        .init("start_time") { $0.startTime },
        .init("end_time") { $0.endTime },
        .init("id") { $0.id },
    ]
}

/// An open login a logoff without its duration ends: XiVO counts no session for it.
struct AgentSpanDeleted: RecordedRow {
    var id: Int64

    static let rowKind = RowKind.agentSpanDeleted
    static let sql = "DELETE FROM queue_log_agent_span WHERE id = :id"
    static let columns: [RowColumn<Self>] = [.init("id") { $0.id }]
}

/// One RINGNOANSWER (migration 0012).
struct RingNoAnswerRow: RecordedRow {
    var ipbx: String
    var queueID: String
    var callID: String
    var agentID: String
    var rangAt: Double
    var ringMS: Int64?
    var sessionID: Int64

    static let rowKind = RowKind.ringNoAnswer
    static let sql = RowSQL.insert(into: "queue_log_ring_no_answer", columns)
    static let columns: [RowColumn<Self>] = [
        .init("ipbx") { $0.ipbx },
        .init("queue_id") { $0.queueID },
        .init("callid") { $0.callID },
        .init("agent_id") { $0.agentID },
        .init("rang_at") { $0.rangAt },
        .init("ring_ms") { $0.ringMS },
        .init("session_id") { $0.sessionID },
    ]
}

/// When a following import last looked at its source for new lines (migration 0011), so
/// `status` tells a quiet queue_log from a stopped follower.
struct QueueLogSourcePolled: RecordedRow {
    var polledAt: Double
    var sourceID: Int64

    static let rowKind = RowKind.queueLogSourcePolled
    static let sql = "UPDATE queue_log_source SET polled_at = :polled_at WHERE source_id = :source_id"
    static let columns: [RowColumn<Self>] = [
        .init("polled_at") { $0.polledAt },
        .init("source_id") { $0.sourceID },
    ]
}
