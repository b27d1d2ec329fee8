/// A caller waiting in a queue, from `queueentryupdate`. Every field is optional because the
/// server fills them from Asterisk events that may lack some (an anonymous caller has no name).
public struct QueueEntry: Sendable, Hashable {
    public let position: Int?
    public let name: String?
    public let number: String?
    /// Epoch seconds, server clock.
    public let joinTime: Double?
    /// Asterisk's unique id of the caller's channel: what identifies the caller across updates.
    public let uniqueID: String?

    public init(position: Int?, name: String?, number: String?, joinTime: Double?, uniqueID: String?) {
        self.position = position
        self.name = name
        self.number = number
        self.joinTime = joinTime
        self.uniqueID = uniqueID
    }

    public init(from entry: JSONObject) {
        position = entry.int("position")
        name = entry.text("name")
        number = entry.text("number")
        joinTime = entry.double("join_time")
        uniqueID = entry.text("uniqueid")
    }
}
