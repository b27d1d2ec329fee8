import Testing
@testable import CTIProtocol

@Suite("JSON parser and serialiser")
struct JSONTests {
    private func parse(_ text: String) throws -> JSONValue { try JSON.parse(text) }
    private func serialized(_ value: JSONValue) -> String {
        String(decoding: JSON.serialize(value), as: UTF8.self)
    }
    private func error(_ bytes: [UInt8]) -> JSONError? {
        do {
            _ = try JSON.parse(bytes)
            return nil
        } catch {
            return error
        }
    }
    private func error(_ text: String) -> JSONError? { error(Array(text.utf8)) }

    @Test func scalars() throws {
        #expect(try parse("null") == .null)
        #expect(try parse(" true ") == .bool(true))
        #expect(try parse("false") == .bool(false))
        #expect(try parse("0") == .int(0))
        #expect(try parse("-0") == .int(0))
        #expect(try parse("42") == .int(42))
        #expect(try parse("-17") == .int(-17))
        #expect(try parse("9223372036854775807") == .int(Int64.max))
        #expect(try parse("-9223372036854775808") == .int(Int64.min))
        #expect(try parse("9223372036854775808") == .double(9223372036854775808.0))
        #expect(try parse("-9223372036854775809") == .double(-9223372036854775809.0))
        #expect(try parse("123456789012345678901234567890") == .double(1.2345678901234568e29))
        #expect(try parse("1361268824.64") == .double(1361268824.64))
        #expect(try parse("1.0") == .double(1.0))
        #expect(try parse("-0.0").double?.sign == .minus)
        #expect(try parse("1e3") == .double(1000))
        #expect(try parse("1E+3") == .double(1000))
        #expect(try parse("25e-1") == .double(2.5))
        #expect(try parse("0.1") == .double(0.1))
        #expect(try parse("2.2250738585072014e-308") == .double(2.2250738585072014e-308))
        #expect(try parse("1.7976931348623157e308") == .double(1.7976931348623157e308))
        #expect(try parse("1e400") == .double(.infinity))
        #expect(try parse("0.30000000000000004441") == .double(0.30000000000000004))
        #expect(try parse("\"abc\"") == .string("abc"))
    }

    @Test func nestedAndOrdered() throws {
        let v = try parse(#"{"b":1,"a":[true,null,{"x":"y"}],"c":{}, "d":[] }"#)
        let o = try #require(v.object)
        #expect(o.keys == ["b", "a", "c", "d"])
        #expect(o["a"] == [true, nil, ["x": "y"]])
        #expect(o["c"] == .object(JSONObject()))
        #expect(o["d"] == .array([]))
        #expect(o["missing"] == nil)
        #expect(v["b"]?.int == 1)
    }

    @Test func duplicateKeysLastWinsAtFirstPosition() throws {
        let o = try #require(parse(#"{"a":1,"b":2,"a":3}"#).object)
        #expect(o.keys == ["a", "b"])
        #expect(o["a"] == 3)
        // An escaped spelling of the same key is the same key.
        let e = try #require(parse(#"{"ab":1,"a\u0062":2}"#).object)
        #expect(e.count == 1)
        #expect(e["ab"] == 2)
    }

    @Test func bigObjectsUseAnIndexAndStayCorrect() throws {
        var text = "{"
        for i in 0..<300 { text += "\"k\(i)\":\(i)," }
        text += "\"k7\":-1}"
        let o = try #require(parse(text).object)
        #expect(o.count == 300)
        #expect(o["k7"] == -1)
        #expect(o["k299"] == 299)
        #expect(o.keys.first == "k0")
        #expect(o.keys.last == "k299")
    }

    @Test func escapesAndUnicode() throws {
        #expect(try parse(#""a\"b\\c\/d\b\f\n\r\t""#) == .string("a\"b\\c/d\u{8}\u{C}\n\r\t"))
        #expect(try parse(#""\u00e9\u20AC""#) == .string("é€"))
        #expect(try parse(#""\ud83d\ude00""#) == .string("😀"))
        #expect(try parse("\"é😀\"") == .string("é😀"))
        #expect(try parse(#""\u0000""#) == .string("\u{0}"))
        // Lone surrogates become U+FFFD (documented), the rest of the string is kept.
        #expect(try parse(#""a\ud800b""#) == .string("a\u{FFFD}b"))
        #expect(try parse(#""\udc00""#) == .string("\u{FFFD}"))
        #expect(try parse(#""\ud800\u0041""#) == .string("\u{FFFD}A"))
        // Long strings exercise the word-at-a-time scan, with the special byte at each offset.
        for offset in 0..<20 {
            let prefix = String(repeating: "x", count: offset)
            #expect(try parse("\"\(prefix)\\n\(prefix)\"") == .string(prefix + "\n" + prefix))
            #expect(try parse("\"\(prefix)é\(prefix)\"") == .string(prefix + "é" + prefix))
            #expect(error("\"\(prefix)\u{1}\(prefix)\"") == .controlCharacterInString(1, offset: offset + 1))
        }
    }

    @Test func rejections() {
        #expect(error("") == .unexpectedEnd(offset: 0))
        #expect(error("   ") == .unexpectedEnd(offset: 3))
        #expect(error(#"{"a":1"#) == .unexpectedEnd(offset: 6))
        #expect(error(#"{"a":1}x"#) == .trailingCharacters(offset: 7))
        #expect(error("[1,]") == .unexpectedCharacter(UInt8(ascii: "]"), offset: 3, expected: "a value"))
        #expect(error(#"{"a":1,}"#) == .unexpectedCharacter(UInt8(ascii: "}"), offset: 7, expected: "a string key"))
        #expect(error("{a:1}") == .unexpectedCharacter(UInt8(ascii: "a"), offset: 1, expected: "a string key"))
        #expect(error("01") == .trailingCharacters(offset: 1))
        #expect(error("+1") == .unexpectedCharacter(UInt8(ascii: "+"), offset: 0, expected: "a value"))
        #expect(error(".5") == .unexpectedCharacter(UInt8(ascii: "."), offset: 0, expected: "a value"))
        #expect(error("1.x") == .invalidNumber(offset: 0))
        #expect(error("1e") == .unexpectedEnd(offset: 2))
        #expect(error("-") == .unexpectedEnd(offset: 1))
        #expect(error("-a") == .invalidNumber(offset: 0))
        #expect(error("NaN") == .unexpectedCharacter(UInt8(ascii: "N"), offset: 0, expected: "a value"))
        #expect(error("tru") == .unexpectedEnd(offset: 3))
        #expect(error("nul1") == .unexpectedCharacter(UInt8(ascii: "1"), offset: 3, expected: "'null'"))
        #expect(error(#""\x""#) == .invalidEscape(offset: 1))
        #expect(error(#""\u12g4""#) == .invalidEscape(offset: 1))
        #expect(error("\"a\tb\"") == .controlCharacterInString(9, offset: 2))
        #expect(error("\"abc") == .unexpectedEnd(offset: 4))
        #expect(error([0xEF, 0xBB, 0xBF] + Array("{}".utf8)) == .unexpectedCharacter(0xEF, offset: 0, expected: "a value"))
        #expect(error("\u{A0}1") == .unexpectedCharacter(0xC2, offset: 0, expected: "a value"))
        // Form feed and vertical tab are not JSON whitespace.
        #expect(error("\u{C}1") == .unexpectedCharacter(0x0C, offset: 0, expected: "a value"))
    }

    @Test func invalidUTF8IsRejectedEverywhere() {
        let cases: [[UInt8]] = [
            [0x22, 0xFF, 0x22],              // never valid
            [0x22, 0xC3, 0x22],              // truncated 2-byte sequence
            [0x22, 0xC0, 0xAF, 0x22],        // overlong '/'
            [0x22, 0xE0, 0x80, 0xAF, 0x22],  // overlong 3-byte
            [0x22, 0xED, 0xA0, 0x80, 0x22],  // UTF-8-encoded surrogate
            [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22],  // above U+10FFFF
            [0x22, 0x80, 0x22],              // lone continuation byte
        ]
        for bytes in cases {
            #expect(error(bytes) == .invalidUTF8(offset: 1), "\(bytes)")
            // Also after an escape (slow path) and inside a long ASCII run (word scan).
            #expect(error([0x22, 0x5C, 0x6E] + bytes.dropFirst()) == .invalidUTF8(offset: 3))
            #expect(error([0x22] + Array("0123456789abcdef".utf8) + bytes.dropFirst()) == .invalidUTF8(offset: 17))
        }
        // Outside strings.
        #expect(error([0x7B, 0xFF, 0x7D]) == .invalidUTF8(offset: 1))
        #expect(error(Array("{\"a\":1}".utf8) + [0xC3]) == .trailingCharacters(offset: 7))
        #expect(JSONError.invalidUTF8(offset: 3).description == "invalid UTF-8 at byte 3")
    }

    @Test func depthLimit() throws {
        let ok = String(repeating: "[", count: JSON.maximumDepth) + String(repeating: "]", count: JSON.maximumDepth)
        #expect(throws: Never.self) { try JSON.parse(ok) }
        let deep = String(repeating: "[", count: 100_000)
        #expect(error(deep) == .tooDeep(limit: JSON.maximumDepth, offset: JSON.maximumDepth))
        let deepObjects = String(repeating: #"{"a":"#, count: 1000)
        if case .tooDeep = error(deepObjects) {} else { Issue.record("expected tooDeep") }
    }

    @Test func serializeLikePythonEnsureASCII() {
        // Expected strings are what python3 prints for
        // json.dumps(v, separators=(',', ':'), ensure_ascii=True).
        #expect(serialized(["class": "login_id", "commandid": 1, "xivoversion": "1.2"])
                == #"{"class":"login_id","commandid":1,"xivoversion":"1.2"}"#)
        #expect(serialized("é€😀") == #""\u00e9\u20ac\ud83d\ude00""#)
        #expect(serialized("a\"b\\c\n\r\t\u{8}\u{C}\u{1}\u{7F}/") == #""a\"b\\c\n\r\t\b\f\u0001\u007f/""#)
        #expect(serialized(1361268824.64) == "1361268824.64")
        #expect(serialized(3.0) == "3.0")
        #expect(serialized([1e15, 1e16, 1e-05, 0.0001, 2.5e-7, 1e22]) == "[1000000000000000.0,1e+16,1e-05,0.0001,2.5e-07,1e+22]")
        #expect(serialized(-0.5) == "-0.5")
        #expect(serialized(.double(.nan)) == "null")
        #expect(serialized([1, 2.5, nil, true, false, [], [:]]) == "[1,2.5,null,true,false,[],{}]")
        #expect(serialized(.int(Int64.min)) == "-9223372036854775808")
    }

    @Test func roundTrips() throws {
        let texts = [
            #"{"class":"getlist","tid":7,"status":{"availability":"available","availability_since":1550000000.9,"channel":null,"queues":["3","5"]}}"#,
            #"[1,-2,3.5,"x\u00e9",{"a":[[]]},true,false,null]"#,
            #"{"z":0.1,"y":1e-07,"x":12345678901234567890.0}"#,
        ]
        for text in texts {
            let v = try parse(text)
            let again = try JSON.parse(JSON.serialize(v))
            #expect(again == v)
            #expect(JSON.serialize(again) == JSON.serialize(v))
        }
        // Canonical compact ASCII input re-serialises to the same bytes.
        #expect(serialized(try parse(texts[0])) == texts[0])
        #expect(serialized(try parse(texts[1])) == texts[1])
    }

    @Test func objectSemantics() throws {
        var o: JSONObject = ["a": 1, "b": 2]
        o["c"] = .null
        #expect(o.keys == ["a", "b", "c"])
        #expect(o["c"] == .null)
        o["a"] = nil
        #expect(o.keys == ["b", "c"])
        o["b"] = "x"
        #expect(o.keys == ["b", "c"])
        #expect(o["b"] == "x")
        let reordered: JSONObject = ["c": nil, "b": "x"]
        #expect(o == reordered)
        #expect(o.hashValue == reordered.hashValue)
        #expect(o != ["b": "x"])
        var base: JSONObject = ["availability": "available", "phonenumber": "1001"]
        base.merge(["phonenumber": "1002", "queues": ["3"]])
        #expect(base.keys == ["availability", "phonenumber", "queues"])
        #expect(base["phonenumber"] == "1002")
        var pairs: [String] = []
        for (k, v) in base where v.string != nil { pairs.append(k) }
        #expect(pairs == ["availability", "phonenumber"])
    }

    @Test("merge equals key-by-key updates, whatever the order and overlap of the keys (same order, shuffled, a prefix, more keys, big indexed objects)")
    func mergeMatchesUpdates() {
        var generator = SystemRandomNumberGenerator()
        let names = (0..<40).map { "k\($0)" }
        for _ in 0..<2_000 {
            func object(_ keys: [String]) -> JSONObject {
                var o = JSONObject()
                for key in keys { o[key] = .int(Int64.random(in: 0...3, using: &generator)) }
                return o
            }
            let baseKeys = Array(names.prefix(Int.random(in: 0...30, using: &generator)))
            var otherKeys: [String]
            switch Int.random(in: 0..<4, using: &generator) {
            case 0: otherKeys = baseKeys
            case 1: otherKeys = Array(baseKeys.prefix(Int.random(in: 0...baseKeys.count, using: &generator)))
            case 2: otherKeys = baseKeys + names.suffix(Int.random(in: 0...10, using: &generator))
            default: otherKeys = Array(names.shuffled(using: &generator).prefix(Int.random(in: 0...40, using: &generator)))
            }
            if otherKeys.count > 1, Bool.random(using: &generator) { otherKeys.swapAt(0, otherKeys.count - 1) }
            let base = object(baseKeys)
            let other = object(otherKeys)
            var merged = base
            merged.merge(other)
            var reference = base
            for (key, value) in other { reference.updateValue(value, forKey: key) }
            #expect(merged.keys == reference.keys)
            #expect(merged == reference)
            for key in merged.keys { #expect(merged[key] == reference[key]) }
        }
    }

    @Test func accessors() {
        #expect(JSONValue.double(3.0).int == 3)
        #expect(JSONValue.double(3.5).int == nil)
        #expect(JSONValue.double(1e30).int == nil)
        #expect(JSONValue.int(3).double == 3.0)
        #expect(JSONValue.string("3").int == nil)
        #expect(JSONValue.int(7).idString == "7")
        #expect(JSONValue.string("7").idString == "7")
        #expect(JSONValue.bool(true).idString == nil)
        #expect(JSONValue.null.isNull)
    }

    @Test func parsesFromEveryEntryPoint() throws {
        let bytes = Array(#"{"a":[1]}"#.utf8)
        let expected: JSONValue = ["a": [1]]
        #expect(try JSON.parse(bytes) == expected)
        #expect(try JSON.parse(bytes[...]) == expected)
        #expect(try JSON.parse(([0x20] + bytes + [0x20])[1...]) == .object(["a": [1]]))
        #expect(try bytes.withUnsafeBytes { raw in try JSON.parse(raw) } == expected)
        #expect(try JSON.parse(bytes.lazy.map { $0 }) == expected)
    }
}
