// Simulated time is an integer count of microseconds since the Unix epoch. Integers keep the
// model exact and machine-independent (no drift from adding doubles); the wire gets
// `Double(us) / 1e6`, which IEEE division rounds identically everywhere, so every `timenow`,
// `timestamp`, `availability_since` and `join_time` is the same text on every run.

typealias Micros = Int64

enum SimTime {
    static let second: Micros = 1_000_000
    static let millisecond: Micros = 1_000

    /// Epoch seconds as the server writes them (`time.time()` is a float).
    @inline(__always)
    static func seconds(_ t: Micros) -> Double { Double(t) / 1_000_000 }

    /// Seconds (a model draw) to microseconds, rounded to whole milliseconds so the wire shows
    /// values like `1793606412.347`, as a real server's clock would.
    static func fromSeconds(_ s: Double) -> Micros {
        Micros((s * 1000).rounded(.toNearestOrAwayFromZero)) * millisecond
    }

    /// Whole seconds (`time(NULL)` in Asterisk), floor for times before the epoch too.
    static func wholeSeconds(_ t: Micros) -> Int64 {
        t >= 0 ? t / second : -((-t + second - 1) / second)
    }

    /// `HH:MM:SS` at the given UTC offset: what `datetime.fromtimestamp(...).strftime` prints
    /// for queue members' `lastcall` on a server whose local zone has that offset.
    static func localClock(_ t: Micros, utcOffsetSeconds: Int) -> String {
        let local = wholeSeconds(t) + Int64(utcOffsetSeconds)
        var secondOfDay = local % 86_400
        if secondOfDay < 0 { secondOfDay += 86_400 }
        let h = secondOfDay / 3600, m = (secondOfDay / 60) % 60, s = secondOfDay % 60
        return twoDigits(h) + ":" + twoDigits(m) + ":" + twoDigits(s)
    }

    private static func twoDigits(_ v: Int64) -> String { v < 10 ? "0\(v)" : "\(v)" }
}

/// ISO 8601 instants for `--start` and for the truth file's header, without Foundation (the
/// simulator target stays free of it): `YYYY-MM-DDTHH:MM:SS[.fff][Z|±HH:MM]`.
public enum ISO8601Instant {
    public struct Parsed: Sendable, Equatable {
        /// Microseconds since the epoch.
        public var micros: Int64
        /// The offset written in the text (0 for `Z` or none): the simulated server's zone.
        public var utcOffsetSeconds: Int
    }

    public static func parse(_ text: String) -> Parsed? {
        let b = Array(text.utf8)
        var i = 0
        func digits(_ n: Int) -> Int? {
            guard i + n <= b.count else { return nil }
            var v = 0
            for k in 0..<n {
                let c = b[i + k]
                guard c >= 48 && c <= 57 else { return nil }
                v = v * 10 + Int(c - 48)
            }
            i += n
            return v
        }
        func expect(_ c: UInt8) -> Bool {
            guard i < b.count, b[i] == c else { return false }
            i += 1
            return true
        }
        guard let year = digits(4), expect(45), let month = digits(2), expect(45), let day = digits(2)
        else { return nil }
        guard i < b.count, b[i] == 84 || b[i] == 116 || b[i] == 32 else { return nil }  // T, t or space
        i += 1
        guard let hour = digits(2), expect(58), let minute = digits(2) else { return nil }
        var second = 0
        var fractionMicros = 0
        if expect(58) {
            guard let s = digits(2) else { return nil }
            second = s
            if expect(46) {
                var scale = 100_000
                var any = false
                while i < b.count, b[i] >= 48, b[i] <= 57 {
                    fractionMicros += Int(b[i] - 48) * scale
                    scale /= 10
                    i += 1
                    any = true
                }
                guard any else { return nil }
            }
        }
        var offset = 0
        if i < b.count {
            if b[i] == 90 || b[i] == 122 {  // Z
                i += 1
            } else if b[i] == 43 || b[i] == 45 {  // + or -
                let sign = b[i] == 45 ? -1 : 1
                i += 1
                guard let oh = digits(2) else { return nil }
                _ = expect(58)
                guard let om = digits(2), oh < 24, om < 60 else { return nil }
                offset = sign * (oh * 3600 + om * 60)
            } else {
                return nil
            }
        }
        guard i == b.count, (1...12).contains(month), day >= 1, day <= daysIn(month, year),
              hour < 24, minute < 60, second < 60
        else { return nil }
        let days = daysFromCivil(year, month, day)
        let local = Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + second)
        return Parsed(micros: (local - Int64(offset)) * 1_000_000 + Int64(fractionMicros),
                      utcOffsetSeconds: offset)
    }

    /// `2026-11-02T08:00:00Z` (or with the offset), seconds precision plus fraction if any.
    public static func format(micros: Int64, utcOffsetSeconds: Int = 0) -> String {
        let local = micros + Int64(utcOffsetSeconds) * 1_000_000
        var secs = local / 1_000_000
        var frac = local % 1_000_000
        if frac < 0 { frac += 1_000_000; secs -= 1 }
        var days = secs / 86_400
        var sod = secs % 86_400
        if sod < 0 { sod += 86_400; days -= 1 }
        let (y, m, d) = civilFromDays(Int(days))
        func pad(_ v: Int, _ n: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, n - s.count)) + s
        }
        var out = "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))T\(pad(Int(sod / 3600), 2)):\(pad(Int(sod / 60 % 60), 2)):\(pad(Int(sod % 60), 2))"
        if frac != 0 {
            var f = pad(Int(frac), 6)
            while f.hasSuffix("0") { f.removeLast() }
            out += "." + f
        }
        if utcOffsetSeconds == 0 {
            out += "Z"
        } else {
            let a = abs(utcOffsetSeconds)
            out += (utcOffsetSeconds < 0 ? "-" : "+") + pad(a / 3600, 2) + ":" + pad(a / 60 % 60, 2)
        }
        return out
    }

    private static func isLeap(_ y: Int) -> Bool { (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 }

    private static func daysIn(_ m: Int, _ y: Int) -> Int {
        switch m {
        case 2: return isLeap(y) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    // Howard Hinnant's algorithms: days since 1970-01-01 in the proleptic Gregorian calendar.
    static func daysFromCivil(_ y0: Int, _ m: Int, _ d: Int) -> Int {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (m + 9) % 12
        let doy = (153 * mp + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civilFromDays(_ z0: Int) -> (Int, Int, Int) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (m <= 2 ? y + 1 : y, m, d)
    }
}

/// Durations as people write them on a command line: `8h`, `90m`, `1h30m`, `45s`, `2.5h`, or a
/// plain number of seconds.
public enum DurationText {
    /// Microseconds, or nil when the text is not a positive duration.
    public static func parse(_ text: String) -> Int64? {
        if let seconds = Double(text) {
            return seconds.isFinite && seconds > 0 && seconds < 1e12 ? Int64(seconds * 1e6) : nil
        }
        var total: Double = 0
        var number = ""
        var sawUnit = false
        for ch in text {
            if ch.isASCII && (ch.isNumber || ch == ".") {
                number.append(ch)
                continue
            }
            guard let value = Double(number) else { return nil }
            switch ch {
            case "h": total += value * 3600
            case "m": total += value * 60
            case "s": total += value
            default: return nil
            }
            number = ""
            sawUnit = true
        }
        guard number.isEmpty, sawUnit, total > 0, total < 1e12 else { return nil }
        return Int64(total * 1e6)
    }
}
