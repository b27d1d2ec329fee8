/// A typed view of a queue member's `config` (`getlist`/`updateconfig`/`queuemembers`, id like
/// `"Agent/2002,blue"`). The server sends every value as a string (`"paused":"0"`); numbers
/// are accepted too and turned into text, so nothing here depends on the server's choice.
public struct QueueMemberConfig: Sendable, Hashable {
    public let paused: String?
    public let status: String?
    public let callstaken: String?
    public let penalty: String?
    /// `static` or `dynamic`.
    public let membership: String?
    /// Local wall-clock `HH:MM:SS` of the last call, or `""`.
    public let lastcall: String?
    /// `Agent/2002`, `SIP/abc`...
    public let interface: String?
    public let queueName: String?

    public init(from config: JSONObject) {
        paused = config.text("paused")
        status = config.text("status")
        callstaken = config.text("callstaken")
        penalty = config.text("penalty")
        membership = config.text("membership")
        lastcall = config.text("lastcall")
        interface = config.text("interface")
        queueName = config.text("queue_name")
    }

    /// `paused` as a flag (`"1"` paused, `"0"` not), `nil` when absent or unexpected.
    public var isPaused: Bool? {
        switch paused {
        case "1": return true
        case "0": return false
        default: return nil
        }
    }
}
