/// One `Xivo-*` value of a `getqueuesstats` message.
///
/// The server sends the same statistic as a number or as a string depending on the code path
/// (`"Xivo-EWT":"6"` vs `"Xivo-LoggedAgents":2`), and uses `""` for "no data" (no call
/// answered in the window). Those are different facts: no data must not be recorded as 0.
public enum QueueStatValue: Sendable, Hashable {
    /// A JSON number, or a string holding a decimal number.
    case number(Double)
    /// The empty string: the server has no value.
    case empty
    /// A string that is not a number (kept as sent).
    case text(String)
    /// Anything else (null, a boolean, an array...), kept as sent.
    case other(JSONValue)

    public init(_ value: JSONValue) {
        switch value {
        case .int(let i): self = .number(Double(i))
        case .double(let d): self = .number(d)
        case .string(let s):
            if s.isEmpty {
                self = .empty
            } else if let d = QueueStatValue.decimal(s) {
                self = .number(d)
            } else {
                self = .text(s)
            }
        default: self = .other(value)
        }
    }

    /// The numeric value, if any.
    public var number: Double? {
        if case .number(let d) = self { return d }
        return nil
    }

    /// A string is numeric when it is a JSON number with nothing around it (so `"6"`, `"33.5"`,
    /// `"-1"`; not `" 6"`, `"0x10"`, `"nan"` or `"inf"`, which `Double(String)` would accept).
    static func decimal(_ s: String) -> Double? {
        let utf8 = s.utf8
        guard let first = utf8.first, let last = utf8.last,
              first == UInt8(ascii: "-") || (first >= UInt8(ascii: "0") && first <= UInt8(ascii: "9")),
              last >= UInt8(ascii: "0") && last <= UInt8(ascii: "9")
        else { return nil }
        guard let value = try? JSON.parse(s) else { return nil }
        return value.double
    }
}

/// The statistics of one queue in a `getqueuesstats` message: only the keys that were sent
/// (pushes are partial), in the order they were sent.
public struct QueueStatistics: Sendable, Hashable {
    public struct Stat: Sendable, Hashable {
        public let key: String
        public let value: QueueStatValue
        public init(key: String, value: QueueStatValue) {
            self.key = key
            self.value = value
        }
    }

    /// Queue id, normalised to text.
    public let queueID: String
    public let values: [Stat]

    public init(queueID: String, values: [Stat]) {
        self.queueID = queueID
        self.values = values
    }

    public subscript(key: String) -> QueueStatValue? {
        values.first { $0.key == key }?.value
    }
}
