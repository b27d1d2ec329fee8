/// The collection session's row, filled in as the session goes.
struct SessionStarted: RecordedRow {
    var startedAt: Double
    var sessionID: Int64

    static let rowKind = RowKind.sessionStarted
    static let sql = "UPDATE collection_session SET started_at = :started_at WHERE session_id = :session_id"
    static let columns: [RowColumn<Self>] = [.init("started_at") { $0.startedAt }, .init("session_id") { $0.sessionID }]
}

struct SessionLoggedIn: RecordedRow {
    var loggedInAt: Double
    var sessionID: Int64

    static let rowKind = RowKind.sessionLoggedIn
    static let sql = "UPDATE collection_session SET logged_in_at = :logged_in_at WHERE session_id = :session_id"
    static let columns: [RowColumn<Self>] = [.init("logged_in_at") { $0.loggedInAt }, .init("session_id") { $0.sessionID }]
}

struct SessionDescribed: RecordedRow {
    var `protocol`: String
    var tls: Bool
    var sessionID: Int64

    static let rowKind = RowKind.sessionDescribed
    static let sql = "UPDATE collection_session SET protocol = :protocol, tls = :tls WHERE session_id = :session_id"
    static let columns: [RowColumn<Self>] = [
        .init("protocol") { $0.`protocol` },
        .init("tls") { $0.tls },
        .init("session_id") { $0.sessionID },
    ]
}

struct SessionLastEvent: RecordedRow {
    var lastEventAt: Double
    var sessionID: Int64

    static let rowKind = RowKind.sessionLastEvent
    static let sql = "UPDATE collection_session SET last_event_at = :last_event_at WHERE session_id = :session_id"
    static let columns: [RowColumn<Self>] = [.init("last_event_at") { $0.lastEventAt }, .init("session_id") { $0.sessionID }]
}

struct SessionEnded: RecordedRow {
    /// Nil for a session that never heard the server.
    var endedAt: Double?
    var endReason: String
    var lastEventAt: Double?
    var sessionID: Int64

    static let rowKind = RowKind.sessionEnded
    static let sql = """
        UPDATE collection_session SET ended_at = :ended_at, end_reason = :end_reason, last_event_at = :last_event_at
        WHERE session_id = :session_id
        """
    static let columns: [RowColumn<Self>] = [
        .init("ended_at") { $0.endedAt },
        .init("end_reason") { $0.endReason },
        .init("last_event_at") { $0.lastEventAt },
        .init("session_id") { $0.sessionID },
    ]
}

/// A telephony server (`ipbx`) seen at `time`.
struct IPBXSeen: RecordedRow {
    var ipbx: String
    var firstSeen: Double
    var lastSeen: Double

    static let rowKind = RowKind.ipbx
    static let sql = RowSQL.insert(into: "ipbx", columns)
        + " ON CONFLICT (ipbx) DO UPDATE SET last_seen = max(last_seen, excluded.last_seen)"
    static let columns: [RowColumn<Self>] = [
        .init("ipbx") { $0.ipbx },
        .init("first_seen") { $0.firstSeen },
        .init("last_seen") { $0.lastSeen },
    ]
}
