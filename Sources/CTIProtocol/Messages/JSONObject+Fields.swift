// Lenient field readers shared by the message views. The server is Python: the same field
// can arrive as `"7"`, `7` or `7.0` depending on the code path that built the message, so the
// views read values by meaning (an id, a count, a flag), not by JSON type.

extension JSONValue {
    /// Text of a string, or of a number (ids, Asterisk unique ids, counters sent as numbers).
    var textLike: String? {
        switch self {
        case .string(let s): return s
        case .int(let i): return String(i)
        case .double(let d):
            if let i = self.int { return String(i) }
            return d.description
        default: return nil
        }
    }

    /// An integer from a number or a decimal string (`replyid`, `commandid`, `capaid`).
    var intLike: Int? {
        switch self {
        case .int(let i): return Int(exactly: i)
        case .double: return self.int.flatMap { Int(exactly: $0) }
        case .string(let s): return Int(s)
        default: return nil
        }
    }

    /// A flag from a boolean or a 0/1 number (older servers used integers).
    var boolLike: Bool? {
        switch self {
        case .bool(let b): return b
        case .int(let i): return i != 0
        default: return nil
        }
    }

    /// A list of ids: each element a string or a number, normalised to text.
    var idList: [String]? {
        guard case .array(let elements) = self else { return nil }
        var ids: [String] = []
        ids.reserveCapacity(elements.count)
        for element in elements {
            guard let id = element.idString else { return nil }
            ids.append(id)
        }
        return ids
    }
}

extension JSONObject {
    func string(_ key: String) -> String? { self[key]?.string }
    func text(_ key: String) -> String? { self[key]?.textLike }
    func id(_ key: String) -> String? { self[key]?.idString }
    func int(_ key: String) -> Int? { self[key]?.intLike }
    func double(_ key: String) -> Double? { self[key]?.double }
    func flag(_ key: String) -> Bool? { self[key]?.boolLike }
    func object(_ key: String) -> JSONObject? { self[key]?.object }
    func ids(_ key: String) -> [String]? { self[key]?.idList }
}
