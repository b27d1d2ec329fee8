/// A parsed JSON value.
///
/// Integers that fit `Int64` stay `.int` so ids and counters never pass through floating point;
/// everything else numeric is `.double` (as Python's `json.loads` does with `int`/`float`).
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)
}

// MARK: - Convenience accessors

extension JSONValue {
    /// The string, if this is a string (no conversion from numbers: use `idString` for ids).
    public var string: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// The integer, also from an integral double that fits `Int64` (Python servers send `3.0`
    /// where they computed a float that happens to be whole).
    public var int: Int64? {
        switch self {
        case .int(let i):
            return i
        case .double(let d):
            // 2^63 is exactly representable; anything >= it does not fit.
            guard d.isFinite, d.rounded(.towardZero) == d,
                  d >= -9_223_372_036_854_775_808.0, d < 9_223_372_036_854_775_808.0
            else { return nil }
            return Int64(d)
        default:
            return nil
        }
    }

    /// The number as a double, also from an integer.
    public var double: Double? {
        switch self {
        case .double(let d): return d
        case .int(let i): return Double(i)
        default: return nil
        }
    }

    public var bool: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    public var object: JSONObject? {
        if case .object(let o) = self { return o }
        return nil
    }

    public var array: [JSONValue]? {
        if case .array(let a) = self { return a }
        return nil
    }

    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// An identifier as a string: the server sends the same id as `"7"` or `7` depending on the
    /// code path that produced the message, so ids are normalised to their decimal text.
    /// Integral doubles (`7.0`) also count; other values are not ids.
    public var idString: String? {
        switch self {
        case .string(let s): return s
        case .int(let i): return String(i)
        case .double:
            if let i = self.int { return String(i) }
            return nil
        default: return nil
        }
    }

    /// Member lookup on an object; `nil` for a missing key or a non-object.
    public subscript(key: String) -> JSONValue? {
        if case .object(let o) = self { return o[key] }
        return nil
    }
}

// MARK: - Literals

extension JSONValue: ExpressibleByStringLiteral {
    public init(stringLiteral value: String) { self = .string(value) }
}

extension JSONValue: ExpressibleByIntegerLiteral {
    public init(integerLiteral value: Int64) { self = .int(value) }
}

extension JSONValue: ExpressibleByFloatLiteral {
    public init(floatLiteral value: Double) { self = .double(value) }
}

extension JSONValue: ExpressibleByBooleanLiteral {
    public init(booleanLiteral value: Bool) { self = .bool(value) }
}

extension JSONValue: ExpressibleByArrayLiteral {
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
}

extension JSONValue: ExpressibleByDictionaryLiteral {
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        var object = JSONObject()
        for (key, value) in elements { object[key] = value }
        self = .object(object)
    }
}

extension JSONValue: ExpressibleByNilLiteral {
    public init(nilLiteral: ()) { self = .null }
}

extension JSONValue: CustomStringConvertible {
    /// The compact serialised form, so logs and test failures show real JSON.
    public var description: String {
        String(decoding: JSON.serialize(self), as: UTF8.self)
    }
}
