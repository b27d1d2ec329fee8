/// Where the CTI server listens: `--server HOST[:PORT]`.
public struct ServerAddress: Sendable, Hashable, CustomStringConvertible {
    /// The CTI port of every XiVO/Wazo release (STARTTLS on the same port from 15.20).
    public static let defaultPort = 5003
    /// XiVO's TLS-from-connect port up to 15.19 (`--tls direct`).
    public static let defaultDirectTLSPort = 5013

    /// A host name or an IP address literal (IPv6 without brackets).
    public let host: String
    public let port: Int

    public init(host: String, port: Int = ServerAddress.defaultPort) {
        self.host = host
        self.port = port
    }

    /// Parses `host`, `host:port`, `[v6]`, `[v6]:port` or a bare IPv6 literal; `defaultPort`
    /// when none is given.
    public init(parsing text: String, defaultPort: Int = ServerAddress.defaultPort) throws(CollectorError) {
        func bad(_ why: String) -> CollectorError { .invalidServerAddress(text, why) }
        guard !text.isEmpty else { throw bad("it is empty") }
        var host: Substring
        var portText: Substring?
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { throw bad("an opening [ without its ]") }
            host = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            if !rest.isEmpty {
                guard rest.hasPrefix(":") else { throw bad("unexpected text after ]") }
                portText = rest.dropFirst()
            }
        } else {
            let colons = text.reduce(0) { $0 + ($1 == ":" ? 1 : 0) }
            if colons == 1, let colon = text.firstIndex(of: ":") {
                host = text[..<colon]
                portText = text[text.index(after: colon)...]
            } else {
                // No colon, or several: a bare IPv6 literal, which cannot carry a port.
                host = Substring(text)
            }
        }
        guard !host.isEmpty else { throw bad("no host name") }
        guard !host.contains(where: { $0 == " " || $0 == "/" }) else { throw bad("not a host name") }
        var port = defaultPort
        if let portText {
            guard let value = Int(portText), (1...65_535).contains(value) else {
                throw bad("the port must be a number from 1 to 65535")
            }
            port = value
        }
        self.init(host: String(host), port: port)
    }

    /// True when `host` is an IPv4 or IPv6 literal (no SNI is sent for those; the certificate
    /// is checked against the address instead).
    public var hostIsIPAddress: Bool {
        if host.contains(":") { return true }
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { part in
            !part.isEmpty && part.count <= 3 && part.allSatisfy(\.isASCIIDigit) && (Int(part) ?? 256) <= 255
        }
    }

    /// `host:port`, `[v6]:port` for IPv6: what the session rows and log lines name.
    public var description: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
