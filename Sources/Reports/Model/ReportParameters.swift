/// The four reports of `callstats report KIND`.
public enum ReportKind: String, Sendable, CaseIterable {
    case occupancy
    case ewt
    case missed
    case callsMissed = "calls-missed"
    case pauses
    case xivoQueues = "xivo-queues"
    case xivoAgents = "xivo-agents"

    public var title: String {
        switch self {
        case .occupancy: return "Agent occupancy"
        case .ewt: return "Queue waiting times (EWT)"
        case .missed: return "Missed calls"
        case .callsMissed: return "Missed calls, one by one"
        case .pauses: return "Pause reasons"
        case .xivoQueues: return "Queues, as XiVO counts them"
        case .xivoAgents: return "Agents, as XiVO counts them"
        }
    }
}

/// Everything a report needs besides the database: what, when, for whom, with which thresholds.
public struct ReportParameters: Sendable {
    public var calendar: ReportCalendar
    /// The whole range `[from, to)`.
    public var range: Period
    public var interval: ReportInterval
    /// `--queue` values (ids or names); empty for every queue.
    public var queues: [String]
    /// `--agent` values (ids or numbers); empty for every agent.
    public var agents: [String]
    /// `--sl-threshold`: an answer within this many seconds counts for the service level.
    public var serviceLevelThreshold: Double
    /// `--short-abandon`: a miss that waited less than this is also `missed_short`.
    public var shortAbandon: Double
    /// `--callback-window`: how long after a miss an answered call counts as its call back.
    public var callbackWindow: Double
    /// `--qos-threshold`: XiVO's quality of service counts answers within this wait.
    public var qosThreshold: Double = 10

    public init(
        calendar: ReportCalendar, range: Period, interval: ReportInterval,
        queues: [String] = [], agents: [String] = [],
        serviceLevelThreshold: Double = 20, shortAbandon: Double = 5, callbackWindow: Double = 86_400
    ) {
        self.calendar = calendar
        self.range = range
        self.interval = interval
        self.queues = queues
        self.agents = agents
        self.serviceLevelThreshold = serviceLevelThreshold
        self.shortAbandon = shortAbandon
        self.callbackWindow = callbackWindow
    }

    public func periods() throws(ReportTimeError) -> [Period] {
        try calendar.periods(of: range, interval: interval)
    }
}

/// A failure a person can act on (an unknown queue name, a template placeholder that does not exist).
public struct ReportError: Error, Sendable, CustomStringConvertible {
    public let description: String
    /// The value of an option is wrong (`--queue` names no queue of the database): the
    /// command line's usage error, not a failure of the report.
    public let isBadArgument: Bool

    public init(_ description: String, isBadArgument: Bool = false) {
        self.description = description
        self.isBadArgument = isBadArgument
    }
}
