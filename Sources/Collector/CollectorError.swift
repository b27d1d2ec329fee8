/// Why collection could not go on, worded for the person reading the log or the terminal.
///
/// None of these carries the password: the cases take the user name, the server and the
/// server's own error text only.
public enum CollectorError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidServerAddress(String, String)
    case passwordFile(String, String)
    case certificateAuthorityFile(String, String)
    case tlsSetup(String)
    case connectFailed(server: String, reason: String)
    case connectionLost(server: String, reason: String)
    /// The server closed the connection before the login completed (with `--once`).
    case closedBeforeLogin(server: String)
    /// The server answered a login step with an error (`login_password`, `capaid_undefined`...).
    case loginRefused(user: String, server: String, error: String)
    /// The server speaks another protocol version than the one announced.
    case protocolMismatch(server: String, client: String, serverVersion: String)
    case tlsNotOffered(server: String)
    case tlsRefused(server: String)
    case tlsFailed(server: String, reason: String)
    case idleTimeout(server: String, seconds: Double)
    case lineTooLong(server: String, limit: Int)
    case protocolError(server: String, reason: String)
    /// The database could not be written (a full disk, a lock held too long...).
    case database(String)
    /// The database file was renamed, replaced or deleted under the running collector.
    case databaseReplaced(path: String)

    public var description: String {
        switch self {
        case let .invalidServerAddress(text, why):
            return "--server \(text): \(why) (expected HOST or HOST:PORT)"
        case let .passwordFile(path, why):
            return "password file \(path): \(why)"
        case let .certificateAuthorityFile(path, why):
            return "CA file \(path): \(why)"
        case let .tlsSetup(why):
            return "cannot set up TLS: \(why)"
        case let .connectFailed(server, reason):
            return "cannot connect to \(server): \(reason)"
        case let .connectionLost(server, reason):
            return "connection to \(server) lost: \(reason)"
        case let .closedBeforeLogin(server):
            return "\(server) closed the connection before the login completed"
        case let .loginRefused(user, server, error):
            return "\(server) refused the login of user '\(user)': \(error)\(Self.explain(loginError: error))"
        case let .protocolMismatch(server, client, serverVersion):
            return "\(server) speaks CTI protocol \(serverVersion), not \(client): use --protocol auto or --protocol \(serverVersion)"
        case let .tlsNotOffered(server):
            return "\(server) did not offer STARTTLS, and --tls require forbids logging in over clear text"
        case let .tlsRefused(server):
            return "\(server) declined the STARTTLS upgrade, and --tls require forbids logging in over clear text"
        case let .tlsFailed(server, reason):
            return "TLS with \(server) failed: \(reason) (a private CA needs --ca PATH)"
        case let .idleTimeout(server, seconds):
            return "no line from \(server) for \(Self.format(seconds)) s: connection dropped"
        case let .lineTooLong(server, limit):
            return "\(server) sent a line longer than \(limit) bytes: connection dropped"
        case let .protocolError(server, reason):
            return "protocol error with \(server): \(reason)"
        case let .database(why):
            return "database failure: \(why)"
        case let .databaseReplaced(path):
            return "\(path) was renamed, replaced or deleted while the collector was writing to it: collection stopped, "
                + "and nothing more was written to the old file; start the collector again to record into the file now at \(path)"
        }
    }

    /// The reference server's login errors, in words.
    static func explain(loginError error: String) -> String {
        switch error {
        case "login_password": return " (wrong user name or password)"
        case "capaid_undefined": return " (the user has no CTI profile)"
        case "missing:hashedpassword": return " (the server expects another protocol version)"
        case "unknown cti_profile_id", "wrong cti_profile_id": return " (the user's CTI profile is not usable)"
        default: return ""
        }
    }

    static func format(_ seconds: Double) -> String {
        seconds >= 10 || seconds == seconds.rounded() ? String(Int(seconds.rounded())) : String(format1(seconds))
    }

    static func format1(_ value: Double) -> String {
        let tenths = Int((value * 10).rounded())
        return "\(tenths / 10).\(abs(tenths % 10))"
    }
}
