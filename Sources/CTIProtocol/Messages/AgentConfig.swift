/// A typed view of an agent's `config`. `number` is what queue members are named after
/// (`Agent/<number>`), so it links agents to queue memberships.
public struct AgentConfig: Sendable, Hashable {
    public let number: String?
    public let firstname: String?
    public let lastname: String?
    public let context: String?

    public init(from config: JSONObject) {
        number = config.text("number")
        firstname = config.text("firstname")
        lastname = config.text("lastname")
        context = config.text("context")
    }
}
