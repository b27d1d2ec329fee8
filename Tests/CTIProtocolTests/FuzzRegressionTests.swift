import CallStatsTestSupport
import Foundation
import Testing
@testable import CTIProtocol

/// The fuzzers' corpora (fuzz/corpus/TARGET, grown and minimised by libFuzzer, and the seeds
/// in fuzz/seeds/TARGET), replayed through the same properties as the harnesses in fuzz/, so
/// CI checks every committed input without libFuzzer. Inputs that once broke a property
/// become their own tests below.
@Suite("Fuzz corpus and regressions")
struct FuzzRegressionTests {
    static let fuzzFolder = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("fuzz")

    /// Every file of the committed corpus and the seeds of `target`.
    static func inputs(_ target: String) throws -> [(name: String, bytes: [UInt8])] {
        var inputs: [(String, [UInt8])] = []
        for folder in ["corpus", "seeds"] {
            let url = fuzzFolder.appendingPathComponent(folder).appendingPathComponent(target)
            for name in try FileManager.default.contentsOfDirectory(atPath: url.path).sorted() {
                let data = try Data(contentsOf: url.appendingPathComponent(name))
                inputs.append(("\(folder)/\(target)/\(name)", Array(data)))
            }
        }
        return inputs
    }

    // MARK: Codec: JSON.parse, ServerMessage.decode, sheets

    @Test("every codec corpus input: parse, serialise and parse back equal; decode agrees with parse; sheets bounded")
    func codecCorpus() throws {
        let inputs = try Self.inputs("codec")
        #expect(inputs.count > 100, "the committed corpus is missing")
        var accepted = 0
        for (name, bytes) in inputs {
            if Self.checkCodec(bytes, name: name) { accepted += 1 }
        }
        // The corpus holds real, valid lines as well as broken ones.
        #expect(accepted > 50)
        #expect(accepted < inputs.count)
    }

    /// The codec harness's properties; true when the line parsed.
    @discardableResult
    static func checkCodec(_ bytes: [UInt8], name: String) -> Bool {
        let value: JSONValue
        do {
            value = try JSON.parse(bytes)
        } catch {
            #expect(error.offset >= 0 && error.offset <= bytes.count, "\(name): \(error)")
            do {
                _ = try ServerMessage.decode(bytes)
                Issue.record("\(name): decode accepted a line the parser rejects")
            } catch {
                if case .notJSON = error {} else { Issue.record("\(name): decode failed with \(error), expected notJSON") }
            }
            return false
        }
        let once = JSON.serialize(value)
        let reparsed = try? JSON.parse(once)
        #expect(reparsed != nil, "\(name): serialised form does not parse")
        if let reparsed {
            if !containsInfinity(value) { #expect(reparsed == value, "\(name): round trip changed the value") }
            #expect(JSON.serialize(reparsed) == once, "\(name): serialisation is not a fixpoint")
        }
        #expect(once.allSatisfy { $0 < 0x80 }, "\(name): serialised form is not ASCII")
        do {
            let message = try ServerMessage.decode(bytes)
            #expect((try? ServerMessage.decode(value)) == message, "\(name): decode(bytes) != decode(value)")
            if case .sheet(_, let payload) = message.kind {
                if let sheet = try? payload.bytes(maximumSize: 64 * 1024) { #expect(sheet.count <= 64 * 1024) }
            }
        } catch {
            switch error {
            case .notJSON: Issue.record("\(name): notJSON for a line the parser accepts")
            case .notAnObject: #expect(value.object == nil, "\(name)")
            case .noClass: #expect(value["class"]?.string == nil, "\(name)")
            }
        }
        return true
    }

    static func containsInfinity(_ value: JSONValue) -> Bool {
        switch value {
        case .double(let d): return !d.isFinite
        case .array(let a): return a.contains(where: containsInfinity)
        case .object(let o): return o.contains { containsInfinity($0.value) }
        default: return false
        }
    }

    // MARK: Framer

    @Test("every framer corpus input: the framer agrees with the reference model, read by read")
    func framerCorpus() throws {
        let inputs = try Self.inputs("framer")
        #expect(inputs.count > 20, "the committed corpus is missing")
        for (name, bytes) in inputs where bytes.count >= 2 {
            Self.checkFramer(limitByte: bytes[0], seed: bytes[1], stream: Array(bytes[2...]), name: name)
        }
    }

    /// The framer harness: reads cut by a seeded generator, drains through both APIs, every
    /// answer compared with the model.
    static func checkFramer(limitByte: UInt8, seed: UInt8, stream: [UInt8], name: String) {
        let limit = limitByte < 200 ? Int(limitByte) + 1 : 4096 * Int(limitByte - 199)
        var framer = LineFramer(maximumLineLength: limit)
        var model = FramerModel(limit: limit)
        var random = SeededGenerator(state: UInt64(seed) &* 0x9E37_79B9_7F4A_7C15)
        var offset = 0
        var mismatch = false
        func drain(borrowing: Bool) {
            while !mismatch {
                let expected = model.nextLine()
                let actual: [UInt8]?
                do {
                    actual = borrowing ? try framer.nextLine { Array($0) } : try framer.nextLine()
                } catch {
                    if expected != .tooLong { mismatch = true; Issue.record("\(name): framer threw, model \(expected)") }
                    return
                }
                switch expected {
                case .line(let line):
                    if actual != line { mismatch = true; Issue.record("\(name): framer \(String(describing: actual)), model \(line)") }
                case .none:
                    if actual != nil { mismatch = true; Issue.record("\(name): framer gave a line, model none") }
                    return
                case .tooLong:
                    mismatch = true
                    Issue.record("\(name): framer gave a line where the model fails")
                }
            }
        }
        while offset < stream.count {
            let roll = random.next()
            let size = roll % 8 == 0 ? Int((roll >> 8) % 4096) + 1 : Int((roll >> 8) % 16) + 1
            let end = min(stream.count, offset + size)
            framer.append(stream[offset..<end])
            model.all.append(contentsOf: stream[offset..<end])
            offset = end
            if roll & 0x10 == 0 { drain(borrowing: roll & 0x20 == 0) }
        }
        drain(borrowing: seed & 1 == 0)
        if model.failed { drain(borrowing: true) }
    }

    /// Same model as fuzz/FramerFuzzer.swift.
    struct FramerModel {
        enum Next: Equatable { case line([UInt8]), none, tooLong }
        let limit: Int
        var all: [UInt8] = []
        var consumed = 0
        var failed = false

        mutating func nextLine() -> Next {
            if failed { return .tooLong }
            guard let newline = all[consumed...].firstIndex(of: 0x0A) else {
                if all.count - consumed > limit + 1 { failed = true; return .tooLong }
                return .none
            }
            var line = Array(all[consumed..<newline])
            if line.count > 0 && line.last == 0x0D { line.removeLast() }
            if line.count > limit { failed = true; return .tooLong }
            consumed = newline + 1
            return .line(line)
        }
    }


    // MARK: Sheets

    @Test("every sheet corpus input: base64 round-trips, output bounded and exactly as announced, text() iff UTF-8")
    func sheetCorpus() throws {
        let inputs = try Self.inputs("sheet")
        #expect(inputs.count > 20, "the committed corpus is missing")
        for (name, bytes) in inputs where !bytes.isEmpty {
            Self.checkSheet(mode: bytes[0], rest: Array(bytes[1...]), name: name)
        }
    }

    static func checkSheet(mode: UInt8, rest: [UInt8], name: String) {
        let cap = 64 * 1024
        let compressed = mode & 1 == 1
        let base64: String
        if mode & 2 == 2 {
            base64 = String(decoding: rest, as: UTF8.self)
        } else {
            base64 = Base64.encode(rest)
            #expect(Base64.decode(base64) == rest, "\(name): base64 does not round-trip")
        }
        let payload = SheetPayload(base64: base64, compressed: compressed, serial: "xml")
        guard let bytes = try? payload.bytes(maximumSize: cap) else { return }
        #expect(bytes.count <= cap, "\(name)")
        if compressed, let decoded = Base64.decode(base64), decoded.count >= 4 {
            let announced = Int(decoded[0]) << 24 | Int(decoded[1]) << 16 | Int(decoded[2]) << 8 | Int(decoded[3])
            #expect(bytes.count == announced, "\(name)")
        }
        let valid = String(validating: bytes, as: UTF8.self) != nil
        #expect(((try? payload.text(maximumSize: cap)) != nil) == valid, "\(name)")
    }
}
