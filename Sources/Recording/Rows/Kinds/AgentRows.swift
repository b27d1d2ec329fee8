/// An agent status as the server sent it, merged with the agent's earlier ones.
struct AgentStatusChange: RecordedRow {
    var ipbx: String
    var agentID: String
    var eventTime: Double
    var availability: String?
    var onCallACD: Bool?
    var onWrapup: Bool?
    var state: String?
    var partial: Bool
    var sessionID: Int64
    var journalSeq: Int64?

    static let rowKind = RowKind.agentStatusChange
    static let sql = RowSQL.insert(into: "agent_status_change", columns)
    static let columns: [RowColumn<Self>] = [
        .init("ipbx") { $0.ipbx },
        .init("agent_id") { $0.agentID },
        .init("event_time") { $0.eventTime },
        .init("availability") { $0.availability },
        .init("on_call_acd") { $0.onCallACD },
        .init("on_wrapup") { $0.onWrapup },
        .init("state") { $0.state },
        .init("partial") { $0.partial },
        .init("session_id") { $0.sessionID },
        .init("journal_seq") { $0.journalSeq },
    ]
}

/// An agent's state interval (metrics.md "Agent states"), open until closed.
struct IntervalOpened: RecordedRow {
    var id: Int64
    var ipbx: String
    var agentID: String
    var state: String
    var startTime: Double
    var endTime: Double?
    var began: Bool
    var sessionID: Int64

    static let rowKind = RowKind.intervalOpened
    static let sql = RowSQL.insert(into: "agent_state_interval", columns)
    static let columns: [RowColumn<Self>] = [
        .init("id") { $0.id },
        .init("ipbx") { $0.ipbx },
        .init("agent_id") { $0.agentID },
        .init("state") { $0.state },
        .init("start_time") { $0.startTime },
        .init("end_time") { $0.endTime },
        .init("began") { $0.began },
        .init("session_id") { $0.sessionID },
    ]
}

struct IntervalClosed: RecordedRow {
    var endTime: Double
    var id: Int64

    static let rowKind = RowKind.intervalClosed
    static let sql = "UPDATE agent_state_interval SET end_time = :end_time WHERE id = :id"
    static let columns: [RowColumn<Self>] = [.init("end_time") { $0.endTime }, .init("id") { $0.id }]
}

struct IntervalDeleted: RecordedRow {
    var id: Int64

    static let rowKind = RowKind.intervalDeleted
    static let sql = "DELETE FROM agent_state_interval WHERE id = :id"
    static let columns: [RowColumn<Self>] = [.init("id") { $0.id }]
}

struct IntervalReopened: RecordedRow {
    var id: Int64

    static let rowKind = RowKind.intervalReopened
    static let sql = "UPDATE agent_state_interval SET end_time = NULL WHERE id = :id"
    static let columns: [RowColumn<Self>] = [.init("id") { $0.id }]
}

/// An interval of no length takes the state that followed at the same instant.
struct IntervalRelabelled: RecordedRow {
    var state: String
    var id: Int64

    static let rowKind = RowKind.intervalRelabelled
    static let sql = "UPDATE agent_state_interval SET state = :state, began = 1 WHERE id = :id"
    static let columns: [RowColumn<Self>] = [.init("state") { $0.state }, .init("id") { $0.id }]
}
