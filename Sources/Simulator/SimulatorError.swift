/// Why the simulator could not start, worded for the person who ran it.
public enum SimulatorError: Error, Sendable, CustomStringConvertible {
    /// The truth file or the queue_log could not be created.
    case outputFile(path: String, what: String, reason: String)
    case bind(host: String, port: Int, reason: String)
    /// The certificate or key could not be loaded.
    case tls(String)
    /// The server has stopped: there is nothing left to ask it.
    case stopped

    public var description: String {
        switch self {
        case .outputFile(let path, let what, let reason):
            return "cannot write the \(what) \(path): \(reason)"
        case .bind(let host, let port, let reason):
            return "cannot listen on \(host):\(port): \(reason)"
        case .tls(let reason):
            return "cannot set up TLS: \(reason)"
        case .stopped:
            return "the simulator has stopped"
        }
    }
}
