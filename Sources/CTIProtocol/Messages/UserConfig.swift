/// A typed view of a user's `config`. Also used for partial pushes after a service change
/// (`{"enablednd": true}`), so every field is optional.
public struct UserConfig: Sendable, Hashable {
    public let fullname: String?
    public let firstname: String?
    public let lastname: String?
    /// The user's agent (`agentid`), normalised to text; `nil` when absent or null.
    public let agentID: String?
    /// Phone (line) ids (`linelist`), normalised to text.
    public let lineIDs: [String]?

    public init(from config: JSONObject) {
        fullname = config.text("fullname")
        firstname = config.text("firstname")
        lastname = config.text("lastname")
        agentID = config.id("agentid")
        lineIDs = config.ids("linelist")
    }
}
