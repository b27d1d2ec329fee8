import CallStatsZlib

/// Why a `sheet` payload could not be turned into text.
public enum SheetError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidBase64
    /// A compressed payload shorter than its 4-byte length header.
    case missingLengthHeader
    /// The header announces more than we are willing to allocate.
    case announcedLengthTooLarge(announced: Int, limit: Int)
    /// zlib rejected the data (its return code), or it was truncated.
    case decompressionFailed(code: Int32)
    /// The data inflates to more than the announced length (or the cap).
    case longerThanAnnounced(announced: Int)
    /// The announced length does not match what the data inflates to.
    case lengthMismatch(announced: Int, actual: Int)
    case notUTF8

    public var description: String {
        switch self {
        case .invalidBase64: return "sheet payload is not valid base64"
        case .missingLengthHeader: return "compressed sheet payload shorter than its 4-byte length header"
        case .announcedLengthTooLarge(let announced, let limit):
            return "sheet payload announces \(announced) bytes, more than the \(limit)-byte limit"
        case .decompressionFailed(let code): return "sheet payload does not inflate (zlib error \(code))"
        case .longerThanAnnounced(let announced):
            return "sheet payload inflates to more than the announced \(announced) bytes"
        case .lengthMismatch(let announced, let actual):
            return "sheet payload announces \(announced) bytes but inflates to \(actual)"
        case .notUTF8: return "sheet text is not valid UTF-8"
        }
    }
}

/// The payload of a `sheet` message (customer information shown on incoming calls).
///
/// Kept encoded until asked: the collector records sheets but rarely needs their text, so
/// decoding (base64, then zlib) happens only in `text()`.
public struct SheetPayload: Sendable, Hashable {
    /// Generous for an XML `<profile>` of a few fields, small enough that a corrupt or
    /// hostile header cannot make us allocate gigabytes.
    public static let defaultMaximumSize = 16 * 1024 * 1024

    /// The `payload` field as received.
    public let base64: String
    /// `compressed`: the decoded bytes are a 4-byte big-endian length, then zlib data.
    public let compressed: Bool
    /// `serial` (`"xml"` in every known server).
    public let serial: String?

    public init(base64: String, compressed: Bool, serial: String?) {
        self.base64 = base64
        self.compressed = compressed
        self.serial = serial
    }

    /// Builds a payload from text, as the server does (for the simulator and tests).
    public init(text: String, compressed: Bool, serial: String? = "xml") {
        let raw = Array(text.utf8)
        if compressed {
            var bound = compressBound(uLong(raw.count))
            var out = [UInt8](repeating: 0, count: Int(bound) + 4)
            let n = UInt32(raw.count)
            out[0] = UInt8(truncatingIfNeeded: n >> 24)
            out[1] = UInt8(truncatingIfNeeded: n >> 16)
            out[2] = UInt8(truncatingIfNeeded: n >> 8)
            out[3] = UInt8(truncatingIfNeeded: n)
            let code = out.withUnsafeMutableBufferPointer { dst in
                raw.withUnsafeBufferPointer { src in
                    // `compress` cannot fail with a buffer of `compressBound` bytes.
                    CallStatsZlib.compress(dst.baseAddress.map { $0 + 4 }, &bound, src.baseAddress, uLong(src.count))
                }
            }
            precondition(code == Z_OK, "zlib compress failed with \(code)")
            out.removeSubrange((4 + Int(bound))...)
            self.init(base64: Base64.encode(out), compressed: true, serial: serial)
        } else {
            self.init(base64: Base64.encode(raw), compressed: false, serial: serial)
        }
    }

    /// The decoded bytes (the XML document, normally UTF-8).
    public func bytes(maximumSize: Int = SheetPayload.defaultMaximumSize) throws(SheetError) -> [UInt8] {
        guard let decoded = Base64.decode(base64) else { throw .invalidBase64 }
        guard compressed else {
            guard decoded.count <= maximumSize else {
                throw .announcedLengthTooLarge(announced: decoded.count, limit: maximumSize)
            }
            return decoded
        }
        guard decoded.count >= 4 else { throw .missingLengthHeader }
        let announced = Int(decoded[0]) << 24 | Int(decoded[1]) << 16 | Int(decoded[2]) << 8 | Int(decoded[3])
        guard announced <= maximumSize else {
            throw .announcedLengthTooLarge(announced: announced, limit: maximumSize)
        }
        let inflated = try SheetPayload.inflate(decoded[4...], capacity: announced)
        guard inflated.count == announced else {
            throw .lengthMismatch(announced: announced, actual: inflated.count)
        }
        return inflated
    }

    /// The decoded text. Invalid UTF-8 is an error rather than being repaired, so a
    /// corrupted payload is noticed.
    public func text(maximumSize: Int = SheetPayload.defaultMaximumSize) throws(SheetError) -> String {
        let raw = try bytes(maximumSize: maximumSize)
        // Validate first: `String(decoding:)` alone would silently repair bad bytes.
        var iterator = raw.makeIterator()
        var decoder = UTF8()
        decoding: while true {
            switch decoder.decode(&iterator) {
            case .scalarValue: continue
            case .emptyInput: break decoding
            case .error: throw .notUTF8
            }
        }
        return String(decoding: raw, as: UTF8.self)
    }

    /// Inflates into a buffer of exactly `capacity` bytes: one byte more of output than
    /// announced is an error, so the announced length really bounds the allocation.
    static func inflate(_ input: ArraySlice<UInt8>, capacity: Int) throws(SheetError) -> [UInt8] {
        // One spare byte detects data longer than announced.
        var output = [UInt8](repeating: 0, count: capacity + 1)
        var stream = z_stream()
        let initCode = inflateInit_(&stream, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard initCode == Z_OK else { throw .decompressionFailed(code: initCode) }
        defer { inflateEnd(&stream) }
        let (code, produced): (Int32, Int) = input.withUnsafeBufferPointer { src in
            output.withUnsafeMutableBufferPointer { dst in
                stream.next_in = UnsafeMutablePointer(mutating: src.baseAddress)
                stream.avail_in = uInt(src.count)
                stream.next_out = dst.baseAddress
                stream.avail_out = uInt(dst.count)
                let code = CallStatsZlib.inflate(&stream, Z_FINISH)
                return (code, dst.count - Int(stream.avail_out))
            }
        }
        if code == Z_STREAM_END {
            output.removeSubrange(produced...)
            return output
        }
        if produced > capacity { throw .longerThanAnnounced(announced: capacity) }
        // Z_BUF_ERROR with output room left means the input ended early: truncated data.
        throw .decompressionFailed(code: code)
    }
}
