/// How long to wait before reconnecting: capped exponential backoff with jitter.
///
/// After the n-th failure in a row the ceiling is `initial * multiplier^(n-1)`, capped at
/// `maximum`; the delay is drawn from `[ceiling * (1 - jitter), ceiling]`. With the defaults
/// the first retry comes within 1 s, then within 2, 4, 8... up to 60 s. The jitter spreads
/// collectors that lost the same server at the same moment; it only ever shortens the wait,
/// so the ceiling is a promise ("the first retry within 1 s").
/// The failure count is reset by a successful login (see `Collector`).
public struct Backoff: Sendable, Equatable {
    /// Ceiling of the first delay, in seconds.
    public var initial: Double
    /// Cap of every delay, in seconds.
    public var maximum: Double
    public var multiplier: Double
    /// The fraction of the ceiling that is random, 0...1.
    public var jitter: Double

    public init(initial: Double = 1, maximum: Double = 60, multiplier: Double = 2, jitter: Double = 0.5) {
        precondition(initial > 0 && maximum >= initial, "backoff needs 0 < initial <= maximum")
        precondition(multiplier >= 1, "backoff multiplier must be at least 1")
        precondition((0...1).contains(jitter), "backoff jitter is a fraction from 0 to 1")
        self.initial = initial
        self.maximum = maximum
        self.multiplier = multiplier
        self.jitter = jitter
    }

    /// The ceiling after `failures` failures in a row (1 for the first).
    public func ceiling(afterFailures failures: Int) -> Double {
        let exponent = max(0, failures - 1)
        var value = initial
        // Multiply step by step and stop at the cap: no pow() overflow to infinity, and the
        // loop is at most log2(maximum / initial) long.
        var i = 0
        while i < exponent && value < maximum {
            value *= multiplier
            i += 1
            if multiplier == 1 { break }
        }
        return min(value, maximum)
    }

    /// The delay after `failures` failures in a row, with `unitRandom` in `0..<1` choosing
    /// where in the jitter range it falls (0: the ceiling, towards 1: the floor).
    public func delay(afterFailures failures: Int, unitRandom: Double) -> Double {
        let ceiling = ceiling(afterFailures: failures)
        let r = min(max(unitRandom, 0), 1)
        return ceiling * (1 - jitter * r)
    }

    /// The delay after `failures` failures in a row, jittered with `generator`.
    public func delay<G: RandomNumberGenerator>(afterFailures failures: Int, using generator: inout G) -> Double {
        delay(afterFailures: failures, unitRandom: Double.random(in: 0..<1, using: &generator))
    }

    public func delay(afterFailures failures: Int) -> Double {
        var generator = SystemRandomNumberGenerator()
        return delay(afterFailures: failures, using: &generator)
    }
}
