extension JSON {
    /// Serialises compactly and in pure ASCII, like Python's
    /// `json.dumps(value, separators=(',', ':'), ensure_ascii=True)`: the real server's output
    /// is pure ASCII, and a simulator or a recorded stream should look the same.
    ///
    /// - Non-ASCII characters become `\uXXXX` (lowercase hex, surrogate pairs above U+FFFF);
    ///   DEL (0x7F) is escaped too, as Python does.
    /// - Doubles use Swift's shortest round-trip form (`1361268824.64`); integral doubles keep
    ///   `.0` so they read back as doubles. NaN and infinities, which JSON cannot express,
    ///   are written as `null` (Python would write the non-JSON `NaN`/`Infinity`).
    /// - Object members keep their stored order.
    public static func serialize(_ value: JSONValue) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        JSONSerializer.write(value, into: &out)
        return out
    }

    /// Appends the serialised form to `out`, so callers can add a line terminator without
    /// another copy.
    public static func serialize(_ value: JSONValue, into out: inout [UInt8]) {
        JSONSerializer.write(value, into: &out)
    }
}

enum JSONSerializer {
    static func write(_ value: JSONValue, into out: inout [UInt8]) {
        switch value {
        case .null:
            out.append(contentsOf: "null".utf8)
        case .bool(let b):
            out.append(contentsOf: (b ? "true" : "false").utf8)
        case .int(let i):
            out.append(contentsOf: String(i).utf8)
        case .double(let d):
            writeDouble(d, into: &out)
        case .string(let s):
            writeString(s, into: &out)
        case .array(let a):
            out.append(UInt8(ascii: "["))
            var first = true
            for element in a {
                if !first { out.append(UInt8(ascii: ",")) }
                first = false
                write(element, into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let o):
            out.append(UInt8(ascii: "{"))
            // By index into the stored members: iterating the object made a (key, value) copy
            // of each, retained and released.
            for i in o.entries.indices {
                if i != 0 { out.append(UInt8(ascii: ",")) }
                writeString(o.entries[i].key, into: &out)
                out.append(UInt8(ascii: ":"))
                write(o.entries[i].value, into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    static func writeDouble(_ d: Double, into out: inout [UInt8]) {
        guard d.isFinite else {
            out.append(contentsOf: "null".utf8)
            return
        }
        // Swift's description is the shortest text that reads back to the same double,
        // and it already keeps ".0" on integral values ("3.0", "1e+16").
        out.append(contentsOf: d.description.utf8)
    }

    static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    static func writeString(_ s: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        // Nearly every string is plain ASCII: scanned and copied as one contiguous buffer,
        // which costs a fraction of iterating the UTF-8 view byte by byte.
        var text = s
        let plain = text.withUTF8 { buffer -> Bool in
            for b in buffer where b < 0x20 || b >= 0x7F || b == 0x22 || b == 0x5C {
                return false
            }
            out.append(contentsOf: buffer)
            return true
        }
        if !plain {
            for scalar in s.unicodeScalars {
                let v = scalar.value
                switch v {
                case 0x22: out.append(contentsOf: [0x5C, 0x22])
                case 0x5C: out.append(contentsOf: [0x5C, 0x5C])
                case 0x0A: out.append(contentsOf: [0x5C, UInt8(ascii: "n")])
                case 0x0D: out.append(contentsOf: [0x5C, UInt8(ascii: "r")])
                case 0x09: out.append(contentsOf: [0x5C, UInt8(ascii: "t")])
                case 0x08: out.append(contentsOf: [0x5C, UInt8(ascii: "b")])
                case 0x0C: out.append(contentsOf: [0x5C, UInt8(ascii: "f")])
                case 0x20..<0x7F: out.append(UInt8(v))
                case 0..<0x10000: writeUnicodeEscape(UInt16(v), into: &out)
                default:
                    let u = v - 0x10000
                    writeUnicodeEscape(UInt16(0xD800 + (u >> 10)), into: &out)
                    writeUnicodeEscape(UInt16(0xDC00 + (u & 0x3FF)), into: &out)
                }
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    static func writeUnicodeEscape(_ unit: UInt16, into out: inout [UInt8]) {
        out.append(0x5C)
        out.append(UInt8(ascii: "u"))
        out.append(hexDigits[Int(unit >> 12)])
        out.append(hexDigits[Int((unit >> 8) & 0xF)])
        out.append(hexDigits[Int((unit >> 4) & 0xF)])
        out.append(hexDigits[Int(unit & 0xF)])
    }
}

extension JSON {
    /// One wire line: the compact serialisation followed by `\n`. Handy for the simulator's
    /// server messages, which are built as `JSONValue`s.
    public static func line(_ value: JSONValue) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        JSONSerializer.write(value, into: &out)
        out.append(0x0A)
        return out
    }
}
