import Foundation
import Reports

/// A request the API refuses: its status and one line saying why.
public struct APIFailure: Error, Sendable {
    public var status: Int
    public var message: String

    public init(status: Int, _ message: String) {
        self.status = status
        self.message = message
    }

    static func badParameter(_ message: String) -> APIFailure { APIFailure(status: 400, message) }
}

/// The API's parameters, named and checked as the command line's options (without `--`):
/// `/api/v1/queues?tz=UTC&sl-threshold=30` is `callstats queues --tz UTC --sl-threshold 30`.
enum APIParameters {
    static func refuseUnknown(_ query: QueryItems, allowed: Set<String>) throws(APIFailure) {
        let unknown = query.unknownNames(allowed: allowed.union(["token"]))
        if let name = unknown.first {
            throw .badParameter("unknown parameter \(name) (this endpoint takes: \(allowed.sorted().joined(separator: ", ")))")
        }
    }

    static func calendar(_ query: QueryItems, default calendar: ReportCalendar) throws(APIFailure) -> ReportCalendar {
        guard let tz = query.value("tz") else { return calendar }
        guard let named = ReportCalendar(timeZoneIdentifier: tz) else {
            throw .badParameter("tz=\(tz): unknown time zone (use a name such as Europe/Paris, America/New_York or UTC)")
        }
        return named
    }

    static func seconds(_ query: QueryItems, _ name: String, default value: Double) throws(APIFailure) -> Double {
        guard let text = query.value(name) else { return value }
        guard let seconds = ParameterText.seconds(text) else {
            throw .badParameter("\(name)=\(text): not a duration (use e.g. 20, 20s, 5m, 24h)")
        }
        return seconds
    }

    /// `agents`, `queues`, `calls`: the view and its thresholds.
    static func view(_ name: String, _ query: QueryItems) throws(APIFailure) -> ViewRequest {
        var thresholds = NowThresholds()
        switch name {
        case "agents":
            try refuseUnknown(query, allowed: ["tz"])
            return ViewRequest(kind: .agents)
        case "queues":
            try refuseUnknown(query, allowed: ["tz", "sl-threshold", "short-abandon"])
            thresholds.serviceLevelThreshold = try seconds(query, "sl-threshold", default: thresholds.serviceLevelThreshold)
            thresholds.shortAbandon = try seconds(query, "short-abandon", default: thresholds.shortAbandon)
            return ViewRequest(kind: .queues, thresholds: thresholds)
        default:
            try refuseUnknown(query, allowed: ["tz", "missed", "since", "queue", "user", "limit", "callback-window"])
            thresholds.callbackWindow = try seconds(query, "callback-window", default: thresholds.callbackWindow)
            var limit = 50
            if let text = query.value("limit") {
                guard let value = Int(text), value >= 0 else {
                    throw .badParameter("limit=\(text): must be 0 (all) or a positive number of rows")
                }
                limit = value
            }
            return ViewRequest(
                kind: .calls(since: query.value("since"), queues: query.values("queue"), users: query.values("user"),
                             missed: query.flag("missed"), limit: limit),
                thresholds: thresholds)
        }
    }

    /// The options each report kind takes (`callstats report KIND --help`).
    static func allowed(_ kind: ReportKind) -> Set<String> {
        let range: Set<String> = ["date", "from", "to", "tz", "format"]
        switch kind {
        case .occupancy: return range.union(["interval", "agent"])
        case .ewt: return range.union(["interval", "queue"])
        case .missed: return range.union(["interval", "queue", "agent", "sl-threshold", "short-abandon", "callback-window"])
        case .callsMissed: return range.union(["queue", "agent", "callback-window"])
        case .pauses, .xivoAgents: return range.union(["interval", "agent"])
        case .xivoQueues: return range.union(["interval", "queue", "qos-threshold"])
        }
    }

    /// A report's parameters and format (JSON unless `format=` says csv, html or table).
    static func report(_ kind: ReportKind, _ query: QueryItems, default calendar: ReportCalendar, now: Double) throws(APIFailure) -> (ReportParameters, ReportFormat) {
        try refuseUnknown(query, allowed: allowed(kind))
        let calendar = try self.calendar(query, default: calendar)
        let period: Period
        do {
            period = try ParameterText.range(date: query.value("date"), from: query.value("from"), to: query.value("to"), calendar: calendar, now: now).range
        } catch {
            throw .badParameter(error.description.replacingOccurrences(of: "--", with: ""))
        }
        var interval = ReportInterval.minutes(60)
        if let text = query.value("interval") {
            guard let value = ReportInterval(argument: text) else {
                throw .badParameter("interval=\(text): use 15m, 30m, 1h, 1d or total")
            }
            interval = value
        }
        var parameters = ReportParameters(calendar: calendar, range: period, interval: interval,
                                          queues: query.values("queue"), agents: query.values("agent"))
        parameters.serviceLevelThreshold = try seconds(query, "sl-threshold", default: parameters.serviceLevelThreshold)
        parameters.shortAbandon = try seconds(query, "short-abandon", default: parameters.shortAbandon)
        parameters.callbackWindow = try seconds(query, "callback-window", default: parameters.callbackWindow)
        parameters.qosThreshold = try seconds(query, "qos-threshold", default: parameters.qosThreshold)
        var format = ReportFormat.json
        if let text = query.value("format") {
            guard let value = ReportFormat(rawValue: text) else {
                throw .badParameter("format=\(text): use json, csv, html or table")
            }
            format = value
        }
        return (parameters, format)
    }
}
