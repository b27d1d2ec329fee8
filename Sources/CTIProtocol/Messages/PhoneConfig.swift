/// A typed view of a phone's (line's) `config`.
public struct PhoneConfig: Sendable, Hashable {
    /// `SIP/ihvbur`: the phone's channels are named after it (`SIP/ihvbur-0000000b`).
    public let identity: String?
    /// Extension number.
    public let number: String?
    /// The owning user (`iduserfeatures`), normalised to text.
    public let userID: String?
    public let context: String?
    /// `sip`, `iax`, `sccp`, `custom`... (the `protocol` key).
    public let protocolName: String?

    public init(from config: JSONObject) {
        identity = config.text("identity")
        number = config.text("number")
        userID = config.id("iduserfeatures")
        context = config.text("context")
        protocolName = config.text("protocol")
    }

    /// Whether a channel name belongs to this phone: it starts with the identity plus `-`.
    public func owns(channel: String) -> Bool {
        guard let identity, !identity.isEmpty else { return false }
        return channel.hasPrefix(identity + "-")
    }
}
