// libFuzzer target: `LineFramer` against a reference model, with the stream cut into reads at
// fuzzer-chosen places.
//
// Input: byte 0 picks the line limit (1...200 bytes, or a multiple of 4 KiB), byte 1 seeds the
// read sizes and when lines are drained (and through which of the two `nextLine` APIs); the
// rest is the byte stream. The model is the framer's contract in a few obvious lines: lines
// are split at `\n`, lose one trailing `\r` (unless the line is just `\r`), and a line longer
// than the limit, or an unterminated tail that already is, fails the framer for good after
// the complete lines before it.

@_cdecl("LLVMFuzzerTestOneInput")
public func framerFuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data, size >= 2 else { return 0 }
    let input = UnsafeBufferPointer(start: data, count: size)
    FramerFuzzing.check(limitByte: input[0], seed: input[1], stream: Array(input[2...]))
    return 0
}

enum FramerFuzzing {
    static func limit(for byte: UInt8) -> Int {
        byte < 200 ? Int(byte) + 1 : 4096 * Int(byte - 199)
    }

    static func check(limitByte: UInt8, seed: UInt8, stream: [UInt8]) {
        let limit = limit(for: limitByte)
        var framer = LineFramer(maximumLineLength: limit)
        var model = FramerModel(limit: limit)
        var random = SplitMix(seed: UInt64(seed))
        var offset = 0
        while offset < stream.count {
            let roll = random.next()
            // Mostly small reads, sometimes a large one, as TCP delivers them.
            let size = roll % 8 == 0 ? Int((roll >> 8) % 4096) + 1 : Int((roll >> 8) % 16) + 1
            let end = min(stream.count, offset + size)
            framer.append(stream[offset..<end])
            model.append(stream[offset..<end])
            offset = end
            if roll & 0x10 == 0 { drain(&framer, &model, borrowing: roll & 0x20 == 0) }
        }
        drain(&framer, &model, borrowing: seed & 1 == 0)
        // A failed framer keeps failing.
        if model.failed { drain(&framer, &model, borrowing: true) }
    }

    static func drain(_ framer: inout LineFramer, _ model: inout FramerModel, borrowing: Bool) {
        while true {
            let expected = model.nextLine()
            let actual: [UInt8]?
            do {
                actual = borrowing
                    ? try framer.nextLine { Array($0) }
                    : try framer.nextLine()
            } catch {
                framerRequire(expected == .tooLong, "framer threw \(error), model expected \(expected)")
                return
            }
            switch expected {
            case .line(let line):
                framerRequire(actual == line, "framer gave \(String(describing: actual)), model \(line)")
            case .none:
                framerRequire(actual == nil, "framer gave a line where the model has none")
                return
            case .tooLong:
                framerRequire(false, "framer gave \(String(describing: actual)) where the model fails")
            }
            framerRequire(framer.pendingByteCount <= framer.bufferedByteCount, "pending > buffered")
        }
    }
}

/// The reference: everything ever appended, and how much was returned.
struct FramerModel {
    enum Next: Equatable { case line([UInt8]), none, tooLong }
    let limit: Int
    var all: [UInt8] = []
    var consumed = 0
    var failed = false

    init(limit: Int) { self.limit = limit }

    mutating func append(_ bytes: ArraySlice<UInt8>) { all.append(contentsOf: bytes) }

    mutating func nextLine() -> Next {
        if failed { return .tooLong }
        guard let newline = all[consumed...].firstIndex(of: 0x0A) else {
            // A tail of limit + 1 bytes may still be a full-length line and its `\r`.
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

/// A tiny deterministic generator, so a crashing input replays the same cuts.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed &* 0x9E37_79B9_7F4A_7C15 }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

func framerRequire(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition { fatalError("fuzz property violated: \(message())") }
}
