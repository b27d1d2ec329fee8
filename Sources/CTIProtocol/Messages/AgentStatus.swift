/// A typed view of an agent's `status` object (`getlist`/`updatestatus`/`agents`).
///
/// Every field is optional because pushes carry only what changed (`{"phonenumber":"1001"}`,
/// `{"queues":["3"]}`); nothing is defaulted. Merge the raw objects, then view the merge.
public struct AgentStatus: Sendable, Hashable {
    /// `availability` as sent (see `Availability` for its meaning).
    public let availability: String?
    /// Epoch seconds of the last availability change, server clock.
    public let availabilitySince: Double?
    public let phoneNumber: Field<String>
    public let onCallACD: Bool?
    public let onWrapup: Bool?
    /// Queue ids the agent receives calls from, normalised to text.
    public let queues: [String]?
    /// `null` when the agent has no channel; absent when the push did not mention it.
    public let channel: Field<String>

    public init(from status: JSONObject) {
        availability = status.text("availability")
        availabilitySince = status.double("availability_since")
        phoneNumber = status.textField("phonenumber")
        onCallACD = status.flag("on_call_acd")
        onWrapup = status.flag("on_wrapup")
        queues = status.ids("queues")
        channel = status.textField("channel")
    }

    /// The interpreted `availability`, or `nil` when the field was not sent.
    public var availabilityKind: Availability? { availability.map(Availability.init) }

    /// Whether every field that defines the agent's state is present: what a full status
    /// (integer `tid`) carries, and what a partial push does not.
    public var isComplete: Bool {
        availability != nil && availabilitySince != nil && onCallACD != nil && onWrapup != nil
    }
}

/// The server's `availability` values across versions.
public enum Availability: Sendable, Hashable {
    case loggedOut
    case available
    /// On an ACD call, in wrap-up, or paused: `on_call_acd` / `on_wrapup` tell which.
    case unavailable
    /// Any `on_call_nonacd*` value (13.14+ server spelling), or the changelog's
    /// `on_call_non_acd*`; the raw value is kept for its direction/internal detail.
    case onCallNonACD(String)
    /// A value this version does not know.
    case other(String)

    public init(_ raw: String) {
        switch raw {
        case "logged_out": self = .loggedOut
        case "available": self = .available
        case "unavailable": self = .unavailable
        default:
            if raw.hasPrefix("on_call_nonacd") || raw.hasPrefix("on_call_non_acd") {
                self = .onCallNonACD(raw)
            } else {
                self = .other(raw)
            }
        }
    }
}
