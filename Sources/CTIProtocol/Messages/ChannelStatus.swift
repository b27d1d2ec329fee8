/// A typed view of a channel's `status` object (`getlist`/`updatestatus`/`channels`, servers up
/// to 15.18). All optional: channel pushes are partial.
public struct ChannelStatus: Sendable, Hashable {
    /// `ready`, `calling`, `ringing`, `linked-caller`, `linked-called` (15.13-15.18: `linked`).
    public let commstatus: String?
    /// Asterisk's channel state: `Down`, `Ring`, `Ringing`, `Up`, `Unknown`.
    public let state: String?
    /// `in` on the called side, `out` on the caller's side.
    public let direction: String?
    /// The other channel of the call.
    public let talkingtoID: Field<String>
    public let talkingtoKind: Field<String>
    /// Epoch seconds, server clock: this event's own time.
    public let timestamp: Double?
    public let holded: Bool?
    public let parked: Bool?

    public init(from status: JSONObject) {
        commstatus = status.text("commstatus")
        state = status.text("state")
        direction = status.text("direction")
        talkingtoID = status.textField("talkingto_id")
        talkingtoKind = status.textField("talkingto_kind")
        timestamp = status.double("timestamp")
        holded = status.flag("holded")
        parked = status.flag("parked")
    }

    /// `linked-caller`, `linked-called` or `linked`: the channel was answered.
    public var isLinked: Bool {
        guard let commstatus else { return false }
        return commstatus == "linked" || commstatus.hasPrefix("linked-")
    }
}
