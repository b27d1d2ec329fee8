import Foundation
import Storage

/// The thresholds of the views' "today so far" figures (the reports' defaults unless given).
public struct NowThresholds: Sendable, Hashable {
    public var serviceLevelThreshold = 20.0
    public var shortAbandon = 5.0
    public var callbackWindow = 86_400.0

    public init() {}
}

/// One snapshot of the supervisor's views: "now" and every figure read in the same
/// transaction. The one path of `agents`, `queues`, `calls`, `watch` and `serve`, so the
/// terminal, the API and the wallboard show the same figures for the same snapshot.
public enum NowSnapshot {
    /// Reads "now" and runs `body` inside one read transaction of `database`.
    ///
    /// - Parameters:
    ///   - path: the database's path, for the writer lock beside it (`PATH.lock`) and the
    ///     error when nothing is recorded yet.
    ///   - wallClock: the local clock now, which carries the server's clock forward while live.
    public static func read<T>(
        database: Database, path: String, calendar: ReportCalendar, thresholds: NowThresholds,
        wallClock: Double = Date().timeIntervalSince1970, _ body: (NowQueries) throws -> T
    ) throws -> T {
        // Checked before the snapshot: a collector that stops between the two is seen as
        // live once more, which only carries the clock forward by the instant between them.
        let collectorRunning = CollectionStatus.writerLockHeld(path + ".lock")
        return try database.read {
            guard let asOf = try AsOf.find(in: database, collectorRunning: collectorRunning, wallClock: wallClock) else {
                throw ReportError("\(path): nothing recorded yet (no collection session has heard from the CTI server): run callstats collect")
            }
            let queries = try NowQueries(
                database: database, asOf: asOf, calendar: calendar,
                serviceLevelThreshold: thresholds.serviceLevelThreshold, shortAbandon: thresholds.shortAbandon,
                callbackWindow: thresholds.callbackWindow
            )
            return try body(queries)
        }
    }
}

/// The values of options as the command line and `serve`'s query strings both write them:
/// one parser, so `--since 08:00` and `?since=08:00` mean the same. nil: not a valid value
/// (the caller words the error for its option or parameter).
public enum ParameterText {
    /// `20`, `20s`, `5m`, `1.5h`, `1d`, `500ms` to seconds.
    public static func seconds(_ text: String) -> Double? {
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86_400)]
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        var number = Substring(trimmed)
        var scale = 1.0
        for (suffix, factor) in units where trimmed.hasSuffix(suffix) {
            number = trimmed.dropLast(suffix.count)
            scale = factor
            break
        }
        guard !number.isEmpty, number.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }),
              let value = Double(number), value.isFinite, value >= 0
        else { return nil }
        return value * scale
    }

    /// `calls --since`: `08:00`, `8:00` or `08:00:30` is that time today; anything else is a
    /// date or an instant.
    public static func since(_ text: String, calendar: ReportCalendar, today: ReportCalendar.Day) -> Double? {
        let isClock = text.count <= 8 && text.contains(":") && text.allSatisfy { $0 == ":" || ($0.isASCII && $0.isNumber) }
        let clock = text.firstIndex(of: ":") == text.index(after: text.startIndex) ? "0" + text : text
        return try? calendar.parseInstant(isClock ? "\(today)T\(clock)" : text)
    }

    /// A report's range from `--date`, or `--from` and `--to`; `defaultDay` when none is given.
    /// Errors are worded for the options (`--date`, `--from`, `--to`).
    public static func range(
        date: String?, from: String?, to: String?, calendar: ReportCalendar, now: Double, defaultDay: String? = nil
    ) throws(ReportError) -> (range: Period, day: ReportCalendar.Day?) {
        do {
            switch (date, from, to) {
            case (let date?, nil, nil):
                let day = try calendar.parseDay(date, now: now)
                return (try calendar.range(of: day), day)
            case (nil, let from?, let to?):
                let start = try calendar.parseInstant(from)
                let end = try calendar.parseInstant(to)
                guard end > start else {
                    throw ReportError("--to \(to) must come after --from \(from)", isBadArgument: true)
                }
                return (Period(start: start, end: end), nil)
            case (nil, nil, nil):
                guard let defaultDay else {
                    throw ReportError("say which time to report on: --date YYYY-MM-DD (or today, yesterday), or --from and --to", isBadArgument: true)
                }
                let day = try calendar.parseDay(defaultDay, now: now)
                return (try calendar.range(of: day), day)
            case (_?, _, _):
                throw ReportError("give either --date or --from and --to, not both", isBadArgument: true)
            default:
                throw ReportError("--from and --to go together: give both", isBadArgument: true)
            }
        } catch let error as ReportTimeError {
            throw ReportError(error.description, isBadArgument: true)
        } catch let error as ReportError {
            throw error
        } catch {
            throw ReportError("\(error)", isBadArgument: true)
        }
    }
}
