/// Why a line is not a CTI message at all. (A message of an unknown class, or with unexpected
/// keys, is not an error: it decodes as `.unknown` and keeps its raw object.)
public enum DecodeError: Error, Sendable, Equatable, CustomStringConvertible {
    case notJSON(JSONError)
    case notAnObject
    /// No `class` key, or one that is not a string.
    case noClass

    public var description: String {
        switch self {
        case .notJSON(let error): return "not JSON: \(error)"
        case .notAnObject: return "not a JSON object"
        case .noClass: return "no class"
        }
    }
}
