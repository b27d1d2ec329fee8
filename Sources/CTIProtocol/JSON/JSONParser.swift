// The hot path of the whole collector: every line from the CTI server goes through here.
// Deliberately free of Foundation and of generic `Collection` code; it walks raw bytes with an
// index and builds values directly, with no token stream in between.

extension JSON {
    /// Parses one JSON text (RFC 8259, strict) from raw memory without copying it.
    ///
    /// - Invalid UTF-8 anywhere is rejected, as are unescaped control characters in strings,
    ///   leading zeros, `NaN`/`Infinity`, a byte-order mark and trailing non-whitespace.
    /// - A lone UTF-16 surrogate in a `\u` escape (which Python's `json` accepts, but a Swift
    ///   `String` cannot hold) is replaced by U+FFFD instead of failing the whole message.
    /// - Integers that fit `Int64` become `.int`; other numbers `.double` (correctly rounded;
    ///   out-of-range magnitudes become infinity, as in Python).
    /// - Duplicate keys: the last value wins, at the first key's position (Python's behaviour).
    public static func parse(_ buffer: UnsafeRawBufferPointer) throws(JSONError) -> JSONValue {
        guard let base = buffer.baseAddress, buffer.count > 0 else {
            throw .unexpectedEnd(offset: 0)
        }
        var parser = JSONParser(base: base.assumingMemoryBound(to: UInt8.self), count: buffer.count)
        return try parser.parseDocument()
    }

    public static func parse(_ bytes: [UInt8]) throws(JSONError) -> JSONValue {
        let result: Result<JSONValue, JSONError> = bytes.withUnsafeBytes { raw in
            do throws(JSONError) { return .success(try parse(raw)) } catch { return .failure(error) }
        }
        return try result.get()
    }

    public static func parse(_ bytes: ArraySlice<UInt8>) throws(JSONError) -> JSONValue {
        let result: Result<JSONValue, JSONError> = bytes.withUnsafeBytes { raw in
            do throws(JSONError) { return .success(try parse(raw)) } catch { return .failure(error) }
        }
        return try result.get()
    }

    /// Parses the UTF-8 bytes of a string (convenient in tests and for literals).
    public static func parse(_ text: String) throws(JSONError) -> JSONValue {
        var copy = text
        let result: Result<JSONValue, JSONError> = copy.withUTF8 { utf8 in
            do throws(JSONError) { return .success(try parse(UnsafeRawBufferPointer(utf8))) }
            catch { return .failure(error) }
        }
        return try result.get()
    }

    /// Parses any byte collection; contiguous ones are read in place, others copied once.
    public static func parse<C: Collection>(_ bytes: C) throws(JSONError) -> JSONValue
    where C.Element == UInt8 {
        let inPlace: Result<JSONValue, JSONError>? = bytes.withContiguousStorageIfAvailable { buffer in
            do throws(JSONError) { return .success(try parse(UnsafeRawBufferPointer(buffer))) }
            catch { return .failure(error) }
        }
        if let inPlace { return try inPlace.get() }
        return try parse(Array(bytes))
    }
}

/// The recursive-descent parser state: a pointer, a length and a cursor.
struct JSONParser {
    let base: UnsafePointer<UInt8>
    let count: Int
    var pos: Int = 0
    /// Reused buffer for strings that contain escapes (the slow path).
    var scratch: [UInt8] = []
    /// Cheap fingerprint of the last string parsed, used to skip duplicate-key checks:
    /// bit `(len, first, last)`-derived, or all ones when the string had escapes (its raw
    /// bytes then say nothing about its decoded value).
    var lastStringFingerprint: UInt64 = 0

    init(base: UnsafePointer<UInt8>, count: Int) {
        self.base = base
        self.count = count
    }

    // MARK: Driver

    mutating func parseDocument() throws(JSONError) -> JSONValue {
        let value = try parseValue(depth: 0)
        skipWhitespace()
        if pos < count { throw .trailingCharacters(offset: pos) }
        return value
    }

    @inline(__always)
    mutating func skipWhitespace() {
        while pos < count {
            let b = base[pos]
            // RFC 8259 whitespace: space, tab, LF, CR. Nothing else.
            guard b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 else { return }
            pos += 1
        }
    }

    mutating func parseValue(depth: Int) throws(JSONError) -> JSONValue {
        skipWhitespace()
        guard pos < count else { throw .unexpectedEnd(offset: pos) }
        switch base[pos] {
        case UInt8(ascii: "\""):
            return .string(try parseString())
        case UInt8(ascii: "{"):
            return .object(try parseObject(depth: depth + 1))
        case UInt8(ascii: "["):
            return .array(try parseArray(depth: depth + 1))
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return try parseNumber()
        case UInt8(ascii: "t"):
            try expectLiteral("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try expectLiteral("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try expectLiteral("null")
            return .null
        default:
            throw unexpected(expected: "a value")
        }
    }

    /// The error for the byte at `pos`: `invalidUTF8` when it does not start valid UTF-8
    /// (so a mangled line is reported as such), otherwise an unexpected character.
    func unexpected(expected: String) -> JSONError {
        guard pos < count else { return .unexpectedEnd(offset: pos) }
        let b = base[pos]
        if b >= 0x80 && utf8SequenceLength(at: pos) == nil { return .invalidUTF8(offset: pos) }
        return .unexpectedCharacter(b, offset: pos, expected: expected)
    }

    mutating func expectLiteral(_ word: StaticString) throws(JSONError) {
        let n = word.utf8CodeUnitCount
        let w = word.utf8Start
        var i = 0
        while i < n {
            guard pos + i < count else { throw .unexpectedEnd(offset: pos + i) }
            guard base[pos + i] == w[i] else {
                pos += i
                throw unexpected(expected: "'\(word)'")
            }
            i += 1
        }
        pos += n
    }

    // MARK: Containers

    mutating func parseObject(depth: Int) throws(JSONError) -> JSONObject {
        if depth > JSON.maximumDepth { throw .tooDeep(limit: JSON.maximumDepth, offset: pos) }
        pos += 1  // '{'
        skipWhitespace()
        guard pos < count else { throw .unexpectedEnd(offset: pos) }
        if base[pos] == UInt8(ascii: "}") {
            pos += 1
            return JSONObject()
        }
        // Members are appended in place into storage sized for a typical CTI object, so the
        // common case costs one allocation and no copies (copying members would retain and
        // release every string once more).
        var entries = ContiguousArray<JSONObject.Entry>()
        entries.reserveCapacity(JSONParser.typicalObjectSize)
        var seen: UInt64 = 0  // fingerprints of the keys so far
        var index: [String: Int]?  // only for big objects, where a scan per key would be O(n^2)
        while true {
            guard pos < count else { throw .unexpectedEnd(offset: pos) }
            guard base[pos] == UInt8(ascii: "\"") else { throw unexpected(expected: "a string key") }
            let key = try parseString()
            let fingerprint = lastStringFingerprint
            skipWhitespace()
            guard pos < count else { throw .unexpectedEnd(offset: pos) }
            guard base[pos] == UInt8(ascii: ":") else { throw unexpected(expected: "':'") }
            pos += 1
            let value = try parseValue(depth: depth)
            if index != nil {
                if let existing = index?[key] {
                    entries[existing].value = value
                } else {
                    index?[key] = entries.count
                    entries.append(JSONObject.Entry(key: key, value: value))
                }
            } else {
                var duplicate: Int?
                if seen & fingerprint != 0 {
                    var i = 0
                    while i < entries.count {
                        if entries[i].key == key { duplicate = i; break }
                        i += 1
                    }
                }
                if let duplicate {
                    entries[duplicate].value = value
                } else {
                    entries.append(JSONObject.Entry(key: key, value: value))
                    seen |= fingerprint
                    if entries.count > JSONObject.indexThreshold {
                        var built = [String: Int](minimumCapacity: 2 * entries.count)
                        for (i, e) in entries.enumerated() { built[e.key] = i }
                        index = built
                    }
                }
            }
            skipWhitespace()
            guard pos < count else { throw .unexpectedEnd(offset: pos) }
            let b = base[pos]
            pos += 1
            if b == UInt8(ascii: ",") {
                skipWhitespace()
                continue
            }
            if b == UInt8(ascii: "}") {
                return JSONObject(entries: entries, index: index)
            }
            pos -= 1
            throw unexpected(expected: "',' or '}'")
        }
    }

    /// Capacity reserved for a new object: most CTI objects have at most this many members.
    static let typicalObjectSize = 8
    /// Capacity reserved for a new array (id lists are often short).
    static let typicalArraySize = 4

    mutating func parseArray(depth: Int) throws(JSONError) -> [JSONValue] {
        if depth > JSON.maximumDepth { throw .tooDeep(limit: JSON.maximumDepth, offset: pos) }
        pos += 1  // '['
        skipWhitespace()
        guard pos < count else { throw .unexpectedEnd(offset: pos) }
        if base[pos] == UInt8(ascii: "]") {
            pos += 1
            return []
        }
        var array: [JSONValue] = []
        array.reserveCapacity(JSONParser.typicalArraySize)
        while true {
            array.append(try parseValue(depth: depth))
            skipWhitespace()
            guard pos < count else { throw .unexpectedEnd(offset: pos) }
            let b = base[pos]
            pos += 1
            if b == UInt8(ascii: ",") { continue }
            if b == UInt8(ascii: "]") { return array }
            pos -= 1
            throw unexpected(expected: "',' or ']'")
        }
    }

    // MARK: Strings

    /// Parses a string starting at the opening quote. The common case (no escapes) scans
    /// 8 bytes at a time and makes the `String` straight from the input bytes.
    mutating func parseString() throws(JSONError) -> String {
        pos += 1  // opening quote
        let start = pos
        while true {
            // Word-at-a-time scan: stop at the first word holding a quote, a backslash,
            // a control character or a non-ASCII byte; those are handled byte by byte.
            while pos + 8 <= count {
                let w = UnsafeRawPointer(base + pos).loadUnaligned(as: UInt64.self)
                if JSONParser.needsAttention(w) { break }
                pos += 8
            }
            guard pos < count else { throw .unexpectedEnd(offset: pos) }
            let b = base[pos]
            if b == UInt8(ascii: "\"") {
                let length = pos - start
                lastStringFingerprint = JSONParser.fingerprint(
                    length: length,
                    first: length > 0 ? base[start] : 0,
                    last: length > 0 ? base[pos - 1] : 0)
                let text = String(decoding: UnsafeBufferPointer(start: base + start, count: length),
                                  as: UTF8.self)
                pos += 1
                return text
            } else if b == UInt8(ascii: "\\") {
                return try parseEscapedString(start: start)
            } else if b < 0x20 {
                throw .controlCharacterInString(b, offset: pos)
            } else if b >= 0x80 {
                guard let n = utf8SequenceLength(at: pos) else { throw .invalidUTF8(offset: pos) }
                pos += n
            } else {
                pos += 1
            }
        }
    }

    @inline(__always)
    static func needsAttention(_ w: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        let q = w ^ (ones &* 0x22)  // zero byte where '"'
        let s = w ^ (ones &* 0x5C)  // zero byte where '\\'
        let hasQuote = (q &- ones) & ~q
        let hasBackslash = (s &- ones) & ~s
        let hasControl = (w &- ones &* 0x20) & ~w
        // Any byte >= 0x80 shows in `w & highs`; the three tests above are exact as
        // "does any byte match" checks once that is also folded in.
        return ((hasQuote | hasBackslash | hasControl) & highs) | (w & highs) != 0
    }

    @inline(__always)
    static func fingerprint(length: Int, first: UInt8, last: UInt8) -> UInt64 {
        let mixed = UInt64(truncatingIfNeeded: length) &* 0x9E37_79B9 ^ UInt64(first) &<< 3 ^ UInt64(last)
        return 1 &<< (mixed & 63)
    }

    /// The slow path for strings with escapes: decode into `scratch`, then make the `String`.
    mutating func parseEscapedString(start: Int) throws(JSONError) -> String {
        scratch.removeAll(keepingCapacity: true)
        scratch.append(contentsOf: UnsafeBufferPointer(start: base + start, count: pos - start))
        while true {
            guard pos < count else { throw .unexpectedEnd(offset: pos) }
            let b = base[pos]
            switch b {
            case UInt8(ascii: "\""):
                pos += 1
                lastStringFingerprint = ~0
                return String(decoding: scratch, as: UTF8.self)
            case UInt8(ascii: "\\"):
                try decodeEscape()
            case 0..<0x20:
                throw .controlCharacterInString(b, offset: pos)
            case 0x80...:
                guard let n = utf8SequenceLength(at: pos) else { throw .invalidUTF8(offset: pos) }
                scratch.append(contentsOf: UnsafeBufferPointer(start: base + pos, count: n))
                pos += n
            default:
                scratch.append(b)
                pos += 1
            }
        }
    }

    /// Decodes one escape at `pos` (the backslash) into `scratch`.
    mutating func decodeEscape() throws(JSONError) {
        let escapeStart = pos
        pos += 1
        guard pos < count else { throw .unexpectedEnd(offset: pos) }
        let c = base[pos]
        pos += 1
        switch c {
        case UInt8(ascii: "\""): scratch.append(0x22)
        case UInt8(ascii: "\\"): scratch.append(0x5C)
        case UInt8(ascii: "/"): scratch.append(0x2F)
        case UInt8(ascii: "b"): scratch.append(0x08)
        case UInt8(ascii: "f"): scratch.append(0x0C)
        case UInt8(ascii: "n"): scratch.append(0x0A)
        case UInt8(ascii: "r"): scratch.append(0x0D)
        case UInt8(ascii: "t"): scratch.append(0x09)
        case UInt8(ascii: "u"):
            let unit = try readHex4(escapeStart: escapeStart)
            var scalar: UInt32
            if unit >= 0xD800 && unit < 0xDC00 {
                // A high surrogate must be followed by an escaped low surrogate to form one
                // scalar; otherwise it is a lone surrogate and becomes U+FFFD.
                if pos + 1 < count, base[pos] == UInt8(ascii: "\\"), base[pos + 1] == UInt8(ascii: "u") {
                    let save = pos
                    pos += 2
                    let low = try readHex4(escapeStart: save)
                    if low >= 0xDC00 && low < 0xE000 {
                        scalar = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
                    } else {
                        // Keep the second escape for its own decoding.
                        pos = save
                        scalar = 0xFFFD
                    }
                } else {
                    scalar = 0xFFFD
                }
            } else if unit >= 0xDC00 && unit < 0xE000 {
                scalar = 0xFFFD
            } else {
                scalar = unit
            }
            appendUTF8(scalar)
        default:
            throw .invalidEscape(offset: escapeStart)
        }
    }

    mutating func readHex4(escapeStart: Int) throws(JSONError) -> UInt32 {
        guard pos + 4 <= count else {
            // Distinguish a truncated line from a malformed escape.
            var i = pos
            while i < count {
                if JSONParser.hexValue(base[i]) == nil { throw .invalidEscape(offset: escapeStart) }
                i += 1
            }
            throw .unexpectedEnd(offset: count)
        }
        var v: UInt32 = 0
        for i in 0..<4 {
            guard let h = JSONParser.hexValue(base[pos + i]) else { throw .invalidEscape(offset: escapeStart) }
            v = v << 4 | h
        }
        pos += 4
        return v
    }

    @inline(__always)
    static func hexValue(_ b: UInt8) -> UInt32? {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt32(b - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return UInt32(b - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return UInt32(b - UInt8(ascii: "A") + 10)
        default: return nil
        }
    }

    mutating func appendUTF8(_ scalar: UInt32) {
        switch scalar {
        case 0..<0x80:
            scratch.append(UInt8(scalar))
        case 0x80..<0x800:
            scratch.append(UInt8(0xC0 | (scalar >> 6)))
            scratch.append(UInt8(0x80 | (scalar & 0x3F)))
        case 0x800..<0x10000:
            scratch.append(UInt8(0xE0 | (scalar >> 12)))
            scratch.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
            scratch.append(UInt8(0x80 | (scalar & 0x3F)))
        default:
            scratch.append(UInt8(0xF0 | (scalar >> 18)))
            scratch.append(UInt8(0x80 | ((scalar >> 12) & 0x3F)))
            scratch.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
            scratch.append(UInt8(0x80 | (scalar & 0x3F)))
        }
    }

    /// Length of the well-formed UTF-8 sequence starting at `i` (a byte >= 0x80), or `nil`.
    /// Follows the Unicode table of well-formed byte sequences: no overlong forms, no
    /// surrogates (ED A0..BF), nothing above U+10FFFF, no truncation.
    func utf8SequenceLength(at i: Int) -> Int? {
        let b0 = base[i]
        @inline(__always) func cont(_ j: Int, _ lo: UInt8 = 0x80, _ hi: UInt8 = 0xBF) -> Bool {
            j < count && base[j] >= lo && base[j] <= hi
        }
        switch b0 {
        case 0xC2...0xDF:
            return cont(i + 1) ? 2 : nil
        case 0xE0:
            return cont(i + 1, 0xA0, 0xBF) && cont(i + 2) ? 3 : nil
        case 0xE1...0xEC, 0xEE...0xEF:
            return cont(i + 1) && cont(i + 2) ? 3 : nil
        case 0xED:
            return cont(i + 1, 0x80, 0x9F) && cont(i + 2) ? 3 : nil
        case 0xF0:
            return cont(i + 1, 0x90, 0xBF) && cont(i + 2) && cont(i + 3) ? 4 : nil
        case 0xF1...0xF3:
            return cont(i + 1) && cont(i + 2) && cont(i + 3) ? 4 : nil
        case 0xF4:
            return cont(i + 1, 0x80, 0x8F) && cont(i + 2) && cont(i + 3) ? 4 : nil
        default:
            return nil
        }
    }

    // MARK: Numbers

    /// Powers of ten exactly representable as doubles, for the exact fast path.
    static let exactPowersOfTen: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ]

    mutating func parseNumber() throws(JSONError) -> JSONValue {
        let start = pos
        var negative = false
        if base[pos] == UInt8(ascii: "-") {
            negative = true
            pos += 1
        }
        guard pos < count else { throw .unexpectedEnd(offset: pos) }
        var mantissa: UInt64 = 0
        var mantissaOverflow = false
        var decimalExponent = 0
        let first = base[pos]
        if first == UInt8(ascii: "0") {
            pos += 1
        } else if first >= UInt8(ascii: "1") && first <= UInt8(ascii: "9") {
            while pos < count {
                let d = base[pos] &- UInt8(ascii: "0")
                guard d < 10 else { break }
                if !mantissaOverflow {
                    let (m1, o1) = mantissa.multipliedReportingOverflow(by: 10)
                    let (m2, o2) = m1.addingReportingOverflow(UInt64(d))
                    if o1 || o2 { mantissaOverflow = true } else { mantissa = m2 }
                }
                pos += 1
            }
        } else {
            throw .invalidNumber(offset: start)
        }
        var isInteger = true
        if pos < count && base[pos] == UInt8(ascii: ".") {
            isInteger = false
            pos += 1
            let fractionStart = pos
            while pos < count {
                let d = base[pos] &- UInt8(ascii: "0")
                guard d < 10 else { break }
                if !mantissaOverflow {
                    let (m1, o1) = mantissa.multipliedReportingOverflow(by: 10)
                    let (m2, o2) = m1.addingReportingOverflow(UInt64(d))
                    if o1 || o2 { mantissaOverflow = true } else {
                        mantissa = m2
                        decimalExponent -= 1
                    }
                }
                pos += 1
            }
            if pos == fractionStart {
                if pos >= count { throw .unexpectedEnd(offset: pos) }
                throw .invalidNumber(offset: start)
            }
        }
        if pos < count && (base[pos] == UInt8(ascii: "e") || base[pos] == UInt8(ascii: "E")) {
            isInteger = false
            pos += 1
            var exponentNegative = false
            if pos < count && (base[pos] == UInt8(ascii: "+") || base[pos] == UInt8(ascii: "-")) {
                exponentNegative = base[pos] == UInt8(ascii: "-")
                pos += 1
            }
            let exponentStart = pos
            var exponent = 0
            while pos < count {
                let d = base[pos] &- UInt8(ascii: "0")
                guard d < 10 else { break }
                if exponent < 100_000 { exponent = exponent * 10 + Int(d) }
                pos += 1
            }
            if pos == exponentStart {
                if pos >= count { throw .unexpectedEnd(offset: pos) }
                throw .invalidNumber(offset: start)
            }
            decimalExponent += exponentNegative ? -exponent : exponent
        }

        if isInteger && !mantissaOverflow {
            if negative {
                if mantissa <= UInt64(Int64.max) { return .int(-Int64(mantissa)) }
                if mantissa == UInt64(Int64.max) + 1 { return .int(Int64.min) }
            } else if mantissa <= UInt64(Int64.max) {
                return .int(Int64(mantissa))
            }
        }
        // Clinger's fast path: both the mantissa and the power of ten are exact doubles, and
        // IEEE multiplication/division rounds correctly, so the result is the correctly
        // rounded value. This covers `timenow`-style numbers (1361268824.64).
        if !mantissaOverflow && mantissa <= (1 << 53) && decimalExponent >= -22 && decimalExponent <= 22 {
            var d = Double(mantissa)
            if decimalExponent < 0 {
                d /= JSONParser.exactPowersOfTen[-decimalExponent]
            } else {
                d *= JSONParser.exactPowersOfTen[decimalExponent]
            }
            return .double(negative ? -d : d)
        }
        // Rare: long mantissas or big exponents. The standard library's conversion is
        // correctly rounded; the text is known to be a valid number at this point.
        let text = String(decoding: UnsafeBufferPointer(start: base + start, count: pos - start), as: UTF8.self)
        guard let d = Double(text) else { throw .invalidNumber(offset: start) }
        return .double(d)
    }
}
