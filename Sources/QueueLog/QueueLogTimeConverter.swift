import Foundation
import NIOCore

/// Turns the table's `time` text (`2012-07-01 08:00:00.000000`) into the file form's epoch
/// seconds (`1341122400`, or `1341122400.25` with a fraction), exactly, without a `Double`
/// on the way.
///
/// XiVO's `varchar` column (and a `timestamp without time zone`) holds the PBX's wall clock:
/// read in `zone` (`--pbx-tz`). Wazo's `timestamp with time zone` is read as UTC text and
/// given the zone UTC. The offsets of each local hour are looked up once: a year of rows is
/// millions of lines in a few thousand hours.
///
/// The hour a DST change repeats (02:00-02:59 twice in Paris on the last Sunday of October)
/// is read by where the log is: a time in it is read at the hour's first (summer) offset,
/// unless that puts it more than half the change before the latest line read from the source;
/// then at the later offset. Asterisk writes its lines in time order, so the first pass
/// through the hour reads as summer time and, once the lines have gone past it, the second
/// as winter time. Half the change, not "before": Asterisk writes the odd line a second early,
/// and such a line read an hour later would drag every line after it there too. The latest
/// line is the converter's state, carried from batch to batch and, through the source's
/// `last_event_at`, from one import to the next; the journal keeps the converted lines, so
/// replay reads the same times without it.
public struct QueueLogTimeConverter: Sendable {
    let zone: TimeZone
    private var offsets: [Int64: HourOffsets] = [:]
    /// The latest time read (whole epoch seconds), nil before the source's first line.
    private(set) var latest: Int64?

    /// A local hour's offsets: the same unless the hour is repeated.
    struct HourOffsets {
        /// In force the first time the wall clock shows the hour (summer time, when it is repeated).
        var first: Int64
        /// In force the second time.
        var later: Int64
    }

    /// `latestRead`: the latest line's time the source already holds (epoch seconds).
    public init(zone: TimeZone, latestRead: Double? = nil) {
        self.zone = zone
        latest = latestRead.flatMap { $0.isFinite ? Int64($0.rounded(.down)) : nil }
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
        let hourOffsets: HourOffsets
        if let known = offsets[localHour] {
            hourOffsets = known
        } else {
            hourOffsets = utcOffsets(ofLocalHour: localHour)
            offsets[localHour] = hourOffsets
        }
        let wallSeconds = localHour * 3600 + minute * 60 + second
        var seconds = wallSeconds - hourOffsets.first
        if hourOffsets.first != hourOffsets.later, let latest, latest - seconds > (hourOffsets.first - hourOffsets.later) / 2 {
            seconds = wallSeconds - hourOffsets.later
        }
        latest = max(latest ?? seconds, seconds)
        return (seconds, fraction)
    }

    /// The zone's offsets in force at a local wall-clock hour (hours since 1970-01-01 00:00 of
    /// the wall clock): two when a DST change repeats the hour. An hour a change skips (it
    /// does not exist) is read at the offset before the change, so it moves forward by the
    /// change (02:30 is 03:30+02:00 in Paris), as `--from`/`--to` read it.
    func utcOffsets(ofLocalHour hour: Int64) -> HourOffsets {
        let naive = Double(hour * 3600)
        func offset(at instant: Double) -> Int64 {
            Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: instant)))
        }
        // A day either side of the wall clock read as UTC is beyond any change near the hour
        // (offsets are within 14 hours); no zone changes twice in two days.
        let before = offset(at: naive - 86_400)
        let after = offset(at: naive + 86_400)
        if before == after {
            return HourOffsets(first: before, later: before)
        }
        // An offset is the hour's when the instant it gives has that offset.
        switch (offset(at: naive - Double(before)) == before, offset(at: naive - Double(after)) == after) {
        case (true, true): return HourOffsets(first: before, later: after)
        case (false, true): return HourOffsets(first: after, later: after)
        default: return HourOffsets(first: before, later: before)
        }
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
