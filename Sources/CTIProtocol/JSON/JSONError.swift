/// Why a byte sequence is not acceptable JSON, and where.
///
/// Every case carries the byte offset of the offending byte (or of the end of input), so a log
/// line can point at the exact spot in a recorded line.
public enum JSONError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The input ended inside a value (or was empty).
    case unexpectedEnd(offset: Int)
    /// A byte that cannot start or continue the expected token.
    case unexpectedCharacter(UInt8, offset: Int, expected: String)
    /// Bytes that are not well-formed UTF-8 (overlong forms, surrogates, truncated sequences...).
    case invalidUTF8(offset: Int)
    /// An unescaped control character (U+0000...U+001F) inside a string, which RFC 8259 forbids.
    case controlCharacterInString(UInt8, offset: Int)
    /// A backslash escape that is not one of the RFC 8259 escapes, or a malformed `\u` escape.
    case invalidEscape(offset: Int)
    /// A number that does not follow the RFC 8259 grammar (leading `+`, `.5`, `1.`, `1e`...).
    case invalidNumber(offset: Int)
    /// Arrays/objects nested deeper than `JSON.maximumDepth`.
    case tooDeep(limit: Int, offset: Int)
    /// A complete value followed by something other than whitespace.
    case trailingCharacters(offset: Int)

    /// Byte offset into the parsed input where the problem was found.
    public var offset: Int {
        switch self {
        case .unexpectedEnd(let o), .invalidUTF8(let o), .invalidEscape(let o),
             .invalidNumber(let o), .trailingCharacters(let o):
            return o
        case .unexpectedCharacter(_, let o, _), .controlCharacterInString(_, let o),
             .tooDeep(_, let o):
            return o
        }
    }

    /// A short human-readable reason without the offset.
    public var reason: String {
        switch self {
        case .unexpectedEnd:
            return "unexpected end"
        case .unexpectedCharacter(let byte, _, let expected):
            return "unexpected character \(JSONError.describe(byte)), expected \(expected)"
        case .invalidUTF8:
            return "invalid UTF-8"
        case .controlCharacterInString(let byte, _):
            return "control character \(JSONError.describe(byte)) in string"
        case .invalidEscape:
            return "invalid escape sequence"
        case .invalidNumber:
            return "invalid number"
        case .tooDeep(let limit, _):
            return "nesting deeper than \(limit)"
        case .trailingCharacters:
            return "trailing characters"
        }
    }

    public var description: String { "\(reason) at byte \(offset)" }

    static func describe(_ byte: UInt8) -> String {
        if byte >= 0x21 && byte < 0x7F {
            return "'\(Character(Unicode.Scalar(byte)))'"
        }
        let hex = String(byte, radix: 16, uppercase: true)
        return "0x" + (hex.count < 2 ? "0" + hex : hex)
    }
}
