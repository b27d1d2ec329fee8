import CallStatsTestSupport
import Foundation
import Testing
import WebService

/// The token check takes as long for a wrong token as for the right one, measured.
///
/// A guess that differs at its first byte, one that differs at its last, one a byte shorter
/// and the right token itself are checked in turns, many times each, against a 4 KiB token:
/// a comparison that stops at the first difference (`==` on the tokens) makes the first much
/// faster than the others, by the time of comparing 4 KiB. The medians are compared, with the
/// cases interleaved, so another process on this 2-core machine slows every case alike and a
/// preempted sample does not move a median.
@Suite("serve: the token check's time")
struct TokenCheckTimingTests {
    static let tokenLength = 4096
    /// Calls timed together: a single check is near the clock's own cost.
    static let batch = 8
    static let rounds = 3000
    /// The largest ratio of two cases' medians that counts as "as long": a real leak of 4 KiB
    /// compared against an early exit is several times this.
    static let tolerance = 1.25

    /// The token, and guesses carried in their own storage as a request's would be.
    static func cases() -> (token: String, guesses: [(name: String, guess: String)]) {
        var generator = SeededGenerator(state: 18)
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
        let bytes = (0..<tokenLength).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] }
        func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }
        func changed(at index: Int) -> String {
            var copy = bytes
            copy[index] = copy[index] == UInt8(ascii: "x") ? UInt8(ascii: "y") : UInt8(ascii: "x")
            return text(copy)
        }
        return (text(bytes), [
            ("the right token", text(bytes)),
            ("wrong at the first byte", changed(at: 0)),
            ("wrong at the last byte", changed(at: tokenLength - 1)),
            ("one byte shorter", text(Array(bytes.dropLast()))),
        ])
    }

    /// Nanoseconds per batch of checks, per case, measured in turns (a shuffled order each round).
    static func measure(_ check: TokenCheck, _ guesses: [String]) -> (samples: [[UInt64]], accepted: [Int]) {
        var samples = Array(repeating: [UInt64](), count: guesses.count)
        var accepted = Array(repeating: 0, count: guesses.count)
        var generator = SeededGenerator(state: 7)
        for index in guesses.indices { samples[index].reserveCapacity(rounds) }
        for _ in 0..<rounds {
            for index in guesses.indices.shuffled(using: &generator) {
                let guess = guesses[index]
                let start = DispatchTime.now().uptimeNanoseconds
                for _ in 0..<batch where check.accepts(token: guess) { accepted[index] += 1 }
                samples[index].append(DispatchTime.now().uptimeNanoseconds - start)
            }
        }
        return (samples, accepted)
    }

    static func median(_ values: [UInt64]) -> Double {
        let sorted = values.sorted()
        return Double(sorted[sorted.count / 2])
    }

    @Test("a wrong token (wrong at the first byte, at the last, a byte short) takes as long as the right one: medians within 25% over 3000 interleaved rounds")
    func wrongTakesAsLongAsRight() throws {
        let (token, cases) = Self.cases()
        let check = TokenCheck(token: token)
        var report: [String] = []
        // A real difference shows in every attempt; a burst of load on the machine in few.
        for _ in 0..<3 {
            let (samples, accepted) = Self.measure(check, cases.map(\.guess))
            #expect(accepted == [Self.rounds * Self.batch, 0, 0, 0], "only the right token is accepted")
            let medians = samples.map(Self.median)
            let ratio = (medians.max() ?? 0) / max(medians.min() ?? 1, 1)
            report.append(zip(cases, medians).map { "\($0.name): \(Int($1)) ns" }.joined(separator: ", ") + String(format: " (ratio %.2f)", ratio))
            if ratio <= Self.tolerance { return }
        }
        Issue.record("the check's time depends on the guess, per \(Self.batch) checks: \(report.joined(separator: "; "))")
    }
}
