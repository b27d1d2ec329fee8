// libFuzzer target: one CTI line through the JSON parser and the message decoder.
//
// Built together with Sources/CTIProtocol/{Framing,JSON,Messages,Sheet} as one module (see
// run.sh), so internal helpers are reachable. Beyond "does not crash", it checks properties
// that must hold for every input, so the fuzzer also finds wrong answers:
// - an accepted document serialises to JSON that parses back to an equal value, and
//   serialising is a fixpoint after one round (the journal and the simulator rely on it);
// - every error carries an offset inside the input (log lines point at it);
// - a `sheet` payload either decodes within its size cap or fails with a `SheetError`.

@_cdecl("LLVMFuzzerTestOneInput")
public func codecFuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = UnsafeRawBufferPointer(start: data, count: data == nil ? 0 : size)
    CodecFuzzing.check(line: input)
    return 0
}

enum CodecFuzzing {
    /// Small enough that the fuzzer cannot spend its time inflating megabytes.
    static let sheetCap = 64 * 1024

    static func check(line input: UnsafeRawBufferPointer) {
        let value: JSONValue
        do {
            value = try JSON.parse(input)
        } catch {
            require(error.offset >= 0 && error.offset <= input.count,
                    "error offset \(error.offset) outside \(input.count) bytes: \(error)")
            _ = error.description
            checkDecodeRejects(input)
            return
        }
        checkRoundTrip(value)
        checkDecode(input, parsed: value)
    }

    static func checkRoundTrip(_ value: JSONValue) {
        let once = JSON.serialize(value)
        let reparsed: JSONValue
        do {
            reparsed = try JSON.parse(once)
        } catch {
            fail("serialised form does not parse (\(error)): \(String(decoding: once, as: UTF8.self))")
        }
        // Infinities (out-of-range magnitudes) serialise as null, so equality holds only
        // without them; the byte fixpoint holds always.
        if !containsInfinity(value) {
            require(reparsed == value, "round trip changed the value: \(value) -> \(reparsed)")
        }
        let twice = JSON.serialize(reparsed)
        require(twice == once, "serialisation is not a fixpoint")
        // Every serialised byte is ASCII, like the real server's output.
        require(once.allSatisfy { $0 < 0x80 }, "serialised form is not ASCII")
    }

    static func containsInfinity(_ value: JSONValue) -> Bool {
        switch value {
        case .double(let d): return !d.isFinite
        case .array(let a): return a.contains(where: containsInfinity)
        case .object(let o): return o.contains { containsInfinity($0.value) }
        default: return false
        }
    }

    static func checkDecodeRejects(_ input: UnsafeRawBufferPointer) {
        do {
            _ = try ServerMessage.decode(input)
            fail("decode accepted a line the parser rejects")
        } catch {
            guard case .notJSON = error else { fail("decode failed with \(error), expected notJSON") }
        }
    }

    static func checkDecode(_ input: UnsafeRawBufferPointer, parsed: JSONValue) {
        let message: ServerMessage
        do {
            message = try ServerMessage.decode(input)
        } catch {
            _ = error.description
            switch error {
            case .notJSON: fail("decode says notJSON for a line the parser accepts")
            case .notAnObject: require(parsed.object == nil, "notAnObject for an object")
            case .noClass: require(parsed["class"]?.string == nil, "noClass with a string class")
            }
            return
        }
        // Decoding the parsed value gives the same message as decoding the bytes (replay
        // decodes journal rows one way, the collector the other).
        require((try? ServerMessage.decode(parsed)) == message, "decode(bytes) != decode(value)")
        _ = message.raw.description
        if case .sheet(_, let payload) = message.kind {
            checkSheet(payload)
        }
    }

    static func checkSheet(_ payload: SheetPayload) {
        do {
            let bytes = try payload.bytes(maximumSize: sheetCap)
            require(bytes.count <= sheetCap, "sheet larger than its cap")
            _ = try? payload.text(maximumSize: sheetCap)
        } catch {
            _ = error.description
        }
    }
}

func require(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition { fail(message()) }
}

func fail(_ message: String) -> Never {
    fatalError("fuzz property violated: \(message)")
}
