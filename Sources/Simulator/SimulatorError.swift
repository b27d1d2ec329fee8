/// Why the simulator could not start, worded for the person who ran it.
public enum SimulatorError: Error, Sendable, CustomStringConvertible {
    case truthFile(path: String, reason: String)
    case bind(host: String, port: Int, reason: String)
    /// The certificate or key could not be loaded.
    case tls(String)
    /// The server has stopped: there is nothing left to ask it.
    case stopped

    public var description: String {
        switch self {
        case .truthFile(let path, let reason):
            return "cannot write the truth file \(path): \(reason)"
        case .bind(let host, let port, let reason):
            return "cannot listen on \(host):\(port): \(reason)"
        case .tls(let reason):
            return "cannot set up TLS: \(reason)"
        case .stopped:
            return "the simulator has stopped"
        }
    }
}
