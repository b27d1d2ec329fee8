/// A channel's status or hang-up, with the call it belongs to so far.
struct ChannelEventRow: RecordedRow {
    var id: Int64
    var ipbx: String
    var channel: String
    var eventTime: Double
    var kind: String
    var commstatus: String?
    var state: String?
    var direction: String?
    var talkingtoID: String?
    var callID: Int64?
    var sessionID: Int64
    var journalSeq: Int64?

    static let rowKind = RowKind.channelEvent
    static let sql = RowSQL.insert(into: "channel_event", columns)
    static let columns: [RowColumn<Self>] = [
        .init("id") { $0.id },
        .init("ipbx") { $0.ipbx },
        .init("channel") { $0.channel },
        .init("event_time") { $0.eventTime },
        .init("kind") { $0.kind },
        .init("commstatus") { $0.commstatus },
        .init("state") { $0.state },
        .init("direction") { $0.direction },
        .init("talkingto_id") { $0.talkingtoID },
        .init("call_id") { $0.callID },
        .init("session_id") { $0.sessionID },
        .init("journal_seq") { $0.journalSeq },
    ]
}

/// Moves an event written earlier to the call its own call was folded into.
struct ChannelEventCall: RecordedRow {
    var callID: Int64
    var id: Int64

    static let rowKind = RowKind.channelEventCall
    static let sql = "UPDATE channel_event SET call_id = :call_id WHERE id = :id"
    static let columns: [RowColumn<Self>] = [.init("call_id") { $0.callID }, .init("id") { $0.id }]
}

/// A call, written once it ends (or its session does).
struct CallRow: RecordedRow {
    var callID: Int64
    var ipbx: String
    var startedAt: Double
    var firstRingAt: Double?
    var answeredAt: Double?
    var endedAt: Double?
    var direction: String
    var outcome: String
    var callerChannel: String?
    var callerNumber: String?
    var callerName: String?
    var calleeChannel: String?
    var calleeNumber: String?
    var sessionID: Int64

    static let rowKind = RowKind.call
    static let sql = RowSQL.insert(into: "call", columns)
    static let columns: [RowColumn<Self>] = [
        .init("call_id") { $0.callID },
        .init("ipbx") { $0.ipbx },
        .init("started_at") { $0.startedAt },
        .init("first_ring_at") { $0.firstRingAt },
        .init("answered_at") { $0.answeredAt },
        .init("ended_at") { $0.endedAt },
        .init("direction") { $0.direction },
        .init("outcome") { $0.outcome },
        .init("caller_channel") { $0.callerChannel },
        .init("caller_number") { $0.callerNumber },
        .init("caller_name") { $0.callerName },
        .init("callee_channel") { $0.calleeChannel },
        .init("callee_number") { $0.calleeNumber },
        .init("session_id") { $0.sessionID },
    ]
}

/// A phone the call rang.
struct CallRingRow: RecordedRow {
    var callID: Int64
    var phoneID: String
    var userID: String?
    var channel: String
    var rangAt: Double

    static let rowKind = RowKind.callRing
    static let sql = RowSQL.insert(into: "call_ring", columns)
    static let columns: [RowColumn<Self>] = [
        .init("call_id") { $0.callID },
        .init("phone_id") { $0.phoneID },
        .init("user_id") { $0.userID },
        .init("channel") { $0.channel },
        .init("rang_at") { $0.rangAt },
    ]
}
