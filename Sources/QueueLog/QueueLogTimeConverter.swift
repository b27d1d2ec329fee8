import Foundation
import NIOCore

/// Turns the table's `time` text (`2012-07-01 08:00:00.000000`) into the file form's epoch
/// seconds (`1341122400`, or `1341122400.25` with a fraction), exactly, without a `Double`
/// on the way.
///
/// XiVO's `varchar` column (and a `timestamp without time zone`) holds the PBX's wall clock:
/// read in `zone` (`--pbx-tz`). Wazo's `timestamp with time zone` is read as UTC text and
/// given the zone UTC. The offset of each local hour is looked up once: a year of rows is
/// millions of lines in a few thousand hours.
public struct QueueLogTimeConverter: Sendable {
    let zone: TimeZone
    private var offsets: [Int64: Int64] = [:]

    public init(zone: TimeZone) {
        self.zone = zone
    }

    /// Appends the epoch form of `text`, or the text itself when it is not a time (the line
    /// is then kept as unreadable, with it).
    mutating func appendTime(_ text: ByteBuffer?, to line: inout [UInt8]) {
        guard let text else { return }
        text.withUnsafeReadableBytes { bytes in
            if let (seconds, fraction) = parse(bytes) {
                line.append(contentsOf: String(seconds).utf8)
                if !fraction.isEmpty {
                    line.append(UInt8(ascii: "."))
                    line.append(contentsOf: fraction)
                }
            } else {
                // `|` would split the unreadable time into fields of their own.
                line.append(contentsOf: bytes.lazy.map { $0 == UInt8(ascii: "|") ? UInt8(ascii: " ") : $0 })
            }
        }
    }

    /// Epoch seconds and the fraction's digits (trailing zeros dropped) of
    /// `YYYY-MM-DD HH:MM:SS[.f...]`, nil when it is not one.
    mutating func parse(_ bytes: UnsafeRawBufferPointer) -> (Int64, ArraySlice<UInt8>)? {
        guard bytes.count >= 19 else { return nil }
        func number(_ from: Int, _ count: Int) -> Int64? {
            var value: Int64 = 0
            for index in from..<(from + count) {
                let digit = bytes[index] &- UInt8(ascii: "0")
                guard digit < 10 else { return nil }
                value = value * 10 + Int64(digit)
            }
            return value
        }
        guard bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"), bytes[10] == UInt8(ascii: " ") || bytes[10] == UInt8(ascii: "T"),
              bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":"),
              let year = number(0, 4), let month = number(5, 2), let day = number(8, 2),
              let hour = number(11, 2), let minute = number(14, 2), let second = number(17, 2),
              (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61
        else { return nil }
        var fraction = ArraySlice<UInt8>()
        if bytes.count > 19 {
            guard bytes[19] == UInt8(ascii: "."), bytes.count > 20 else { return nil }
            var digits = Array(bytes[20...])
            guard digits.allSatisfy({ $0 &- UInt8(ascii: "0") < 10 }) else { return nil }
            while digits.last == UInt8(ascii: "0") { digits.removeLast() }
            fraction = digits[...]
        }
        let localHour = Self.daysFromCivil(year: year, month: month, day: day) * 24 + hour
        let offset: Int64
        if let known = offsets[localHour] {
            offset = known
        } else {
            offset = utcOffset(ofLocalHour: localHour)
            offsets[localHour] = offset
        }
        return (localHour * 3600 - offset + minute * 60 + second, fraction)
    }

    /// The zone's offset in force at a local wall-clock hour (hours since 1970-01-01 00:00 of
    /// the wall clock). The hour a DST change repeats is ambiguous in a wall-clock time: it is
    /// read at one of its two offsets, as the other importers of this column do.
    private func utcOffset(ofLocalHour hour: Int64) -> Int64 {
        let naive = Double(hour * 3600)
        let guess = Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: naive)))
        let actual = Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: naive - Double(guess))))
        return max(guess, actual)
    }

    /// Days from 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }
}
