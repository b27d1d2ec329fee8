/// A typed view of a queue's `config`. `name` is what queue members and `queueentryupdate`
/// refer to; the list id is what statistics are keyed by.
public struct QueueConfig: Sendable, Hashable {
    public let name: String?
    public let number: String?
    public let displayname: String?
    public let context: String?

    public init(from config: JSONObject) {
        name = config.text("name")
        number = config.text("number")
        displayname = config.text("displayname")
        context = config.text("context")
    }
}
