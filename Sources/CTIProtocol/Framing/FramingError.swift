/// Why the byte stream can no longer be split into lines.
public enum FramingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A line (or the unterminated tail of the stream) grew past the framer's limit. The
    /// protocol has no maximum message size, so the limit is ours: it bounds the memory a
    /// broken or hostile peer can make us hold. The connection should be closed.
    case lineTooLong(limit: Int)

    public var description: String {
        switch self {
        case .lineTooLong(let limit):
            return "line longer than \(limit) bytes"
        }
    }
}
