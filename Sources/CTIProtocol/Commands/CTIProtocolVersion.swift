/// The CTI protocol version string a client announces in `login_id`.
///
/// The server compares it for exact equality, so it is kept as the string; the helpers decide
/// what the version implies for the login messages (see protocol-notes.md, "Versions").
public struct CTIProtocolVersion: Sendable, Hashable, RawRepresentable, ExpressibleByStringLiteral,
    CustomStringConvertible
{
    public let rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }

    /// XiVO 12.x - 15.20.
    public static let v1_2: CTIProtocolVersion = "1.2"
    /// 16.01 - 16.03.
    public static let v2_0: CTIProtocolVersion = "2.0"
    /// 16.04 - 16.08.
    public static let v2_1: CTIProtocolVersion = "2.1"
    /// 16.09 - 17.15.
    public static let v2_2: CTIProtocolVersion = "2.2"
    /// 17.16 - 19.03 (sent in `wazoversion`).
    public static let v2_3: CTIProtocolVersion = "2.3"

    /// Every version a server is known to have spoken, oldest first.
    public static let known: [CTIProtocolVersion] = [.v1_2, .v2_0, .v2_1, .v2_2, .v2_3]

    public var description: String { rawValue }

    /// (major, minor), or `nil` for a string that is not `<int>.<int>`.
    public var components: (major: Int, minor: Int)? {
        let parts = rawValue.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let major = Int(parts[0]), let minor = Int(parts[1]) else { return nil }
        return (major, minor)
    }

    /// Protocol 1.x proves the password with sha1(sessionid:password); 2.x sends it in clear
    /// (the server checks it against xivo-auth).
    public var usesHashedPassword: Bool {
        guard let (major, _) = components else { return false }
        return major < 2
    }

    /// From 2.3 (Wazo 17.16) the version goes in `wazoversion`. The server still reads
    /// `xivoversion` as a fallback, so both are sent: that also works against a server that
    /// only knows the old key.
    public var sendsWazoVersionKey: Bool {
        guard let (major, minor) = components else { return false }
        return major > 2 || (major == 2 && minor >= 3)
    }
}
