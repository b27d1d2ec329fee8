// The simulator's only source of randomness.
//
// The same seed must give the same call-center day on every machine, so nothing here touches
// the system RNG or libm: xoshiro256** is pure integer arithmetic, and the one transcendental
// function the distributions need (the natural logarithm) is computed with IEEE-754 basic
// operations only, which every platform rounds identically. `Foundation.log` could differ in
// the last bit between glibc and Apple's libm and, after millions of draws, change the day.

/// SplitMix64: expands a 64-bit seed into xoshiro's 256-bit state (the seeding procedure the
/// xoshiro authors recommend) and derives independent child seeds; also the synthetic report
/// data's generator (`SyntheticCenter`, `callstats-bench report-data`).
public struct SplitMix64: Sendable {
    public private(set) var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// xoshiro256** 1.0 (Blackman & Vigna): fast, 256-bit state, passes BigCrush.
struct Xoshiro256: Sendable {
    private var s0, s1, s2, s3: UInt64

    init(seed: UInt64) {
        var sm = SplitMix64(seed: seed)
        s0 = sm.next()
        s1 = sm.next()
        s2 = sm.next()
        s3 = sm.next()
    }

    /// An independent generator for one concern (model, session ids...), so that drawing more
    /// numbers for one concern never shifts the numbers another concern sees.
    init(seed: UInt64, stream: UInt64) {
        var sm = SplitMix64(seed: seed ^ (stream &* 0xD1B5_4A32_D192_ED03))
        _ = sm.next()
        self.init(seed: sm.next())
    }

    @inline(__always)
    private static func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    mutating func next() -> UInt64 {
        let result = Self.rotl(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = Self.rotl(s3, 45)
        return result
    }

    /// Uniform in [0, 1) with 53 random bits.
    mutating func unit() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// Uniform in [0, 1), never exactly 0 (for logarithms).
    mutating func openUnit() -> Double {
        Double((next() >> 11) | 1) * 0x1.0p-53
    }

    /// Uniform integer in `0..<bound` without modulo bias (Lemire's method).
    mutating func below(_ bound: Int) -> Int {
        precondition(bound > 0)
        let b = UInt64(bound)
        var m = next().multipliedFullWidth(by: b)
        if m.low < b {
            let threshold = (0 &- b) % b
            while m.low < threshold {
                m = next().multipliedFullWidth(by: b)
            }
        }
        return Int(m.high)
    }

    mutating func chance(_ p: Double) -> Bool { unit() < p }

    /// Uniform in [lo, hi).
    mutating func uniform(_ lo: Double, _ hi: Double) -> Double { lo + (hi - lo) * unit() }

    /// Exponential with the given mean.
    mutating func exponential(mean: Double) -> Double {
        -mean * DeterministicMath.ln(openUnit())
    }

    /// Erlang-k (sum of k exponentials): a right-skewed duration with a lighter tail than the
    /// exponential, close to measured call-talk-time shapes, and needing only a logarithm.
    mutating func erlang(k: Int, mean: Double) -> Double {
        var product = 1.0
        for _ in 0..<k { product *= openUnit() }
        return -(mean / Double(k)) * DeterministicMath.ln(product)
    }

    mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }
}

enum DeterministicMath {
    private static let ln2 = 0.693_147_180_559_945_309_417_232_121_458_176_568

    /// Natural logarithm of a positive finite double using only +, -, *, / (correctly rounded
    /// everywhere), accurate to a few ulps: x = m * 2^e with m in [sqrt(1/2), sqrt(2)), then
    /// ln(m) = 2 atanh(s), s = (m-1)/(m+1), |s| <= 0.1716, by its odd series.
    static func ln(_ x: Double) -> Double {
        precondition(x > 0 && x.isFinite)
        var e = Int(x.exponent)
        var m = x.significand  // in [1, 2)
        if m > 1.414_213_562_373_095_048_801_688_724_209_698_078_570 {
            m /= 2
            e += 1
        }
        let s = (m - 1) / (m + 1)
        let s2 = s * s
        // 2 * (s + s^3/3 + s^5/5 + ...); |s| < 0.172 so 12 terms reach below 1e-17.
        var term = s
        var sum = s
        var k = 3.0
        for _ in 0..<12 {
            term *= s2
            sum += term / k
            k += 2
        }
        return 2 * sum + Double(e) * ln2
    }
}
