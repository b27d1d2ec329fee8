/// A period's `period_start` and `period_end` cells.
public struct PeriodCells: Sendable {
    public let start: Cell
    public let end: Cell

    public init(_ period: Period, _ calendar: ReportCalendar) {
        start = .time(calendar.iso8601(period.start))
        end = .time(calendar.iso8601(period.end))
    }
}

/// One agent in one period (metrics.md "Agent states and occupancy").
/// Durations are whole milliseconds of covered time, the precision they print with, so the
/// percentages are exactly what a supervisor recomputes from the printed columns.
public struct OccupancyRow: Sendable, Equatable {
    public var period: Period
    public var agentID: String
    public var agentNumber: String?
    public var agentName: String?
    public var loggedIn: Int64
    public var available: Int64
    public var acdCall: Int64
    public var wrapup: Int64
    public var nonACDCall: Int64
    public var paused: Int64
    public var acdCalls: Int
    public var coveragePercent: Double

    public static let columns = [
        "period_start", "period_end", "agent_id", "agent_number", "agent_name",
        "logged_in_s", "available_s", "acd_call_s", "wrapup_s", "nonacd_call_s", "paused_s",
        "acd_calls", "occupancy_pct", "utilization_pct", "coverage_pct",
    ]

    /// acd_call + wrapup + nonacd_call, in milliseconds.
    public var busy: Int64 { acdCall + wrapup + nonACDCall }

    /// 100 x busy / (logged_in - paused); nil when that is 0.
    public var occupancyPercent: Double? {
        NumberFormat.percent(Double(busy), of: Double(loggedIn - paused))
    }

    /// 100 x busy / logged_in; nil when that is 0.
    public var utilizationPercent: Double? {
        NumberFormat.percent(Double(busy), of: Double(loggedIn))
    }

    /// This agent over adjacent periods, as one row.
    public func combined(with other: OccupancyRow) -> OccupancyRow {
        var row = self
        row.loggedIn += other.loggedIn
        row.available += other.available
        row.acdCall += other.acdCall
        row.wrapup += other.wrapup
        row.nonACDCall += other.nonACDCall
        row.paused += other.paused
        row.acdCalls += other.acdCalls
        return row
    }

    /// `periodCells`: the period's two cells when the caller already has them (many rows share
    /// a period, and printing a time in a zone is the costliest part of a row).
    public func cells(_ calendar: ReportCalendar, periodCells: PeriodCells? = nil) -> [Cell] {
        let times = periodCells ?? PeriodCells(period, calendar)
        return [
            times.start, times.end,
            .text(agentID), agentNumber.map(Cell.text) ?? .empty, agentName.map(Cell.text) ?? .empty,
            NumberFormat.cell(milliseconds: loggedIn), NumberFormat.cell(milliseconds: available),
            NumberFormat.cell(milliseconds: acdCall), NumberFormat.cell(milliseconds: wrapup),
            NumberFormat.cell(milliseconds: nonACDCall), NumberFormat.cell(milliseconds: paused),
            NumberFormat.cell(acdCalls), NumberFormat.cell(occupancyPercent), NumberFormat.cell(utilizationPercent),
            NumberFormat.cell(coveragePercent),
        ]
    }
}

/// A time-weighted mean kept as its two sums, so means of adjacent periods combine exactly.
public struct TimeWeightedMean: Sendable, Equatable {
    /// Sum of value x seconds over the covered time where a value was known.
    public var weighted: Double
    /// Covered seconds where a value was known.
    public var seconds: Double

    public init(weighted: Double = 0, seconds: Double = 0) {
        self.weighted = weighted
        self.seconds = seconds
    }

    /// nil when no value was known at any covered moment.
    public var value: Double? { seconds > 0 ? weighted / seconds : nil }

    public static func + (lhs: TimeWeightedMean, rhs: TimeWeightedMean) -> TimeWeightedMean {
        TimeWeightedMean(weighted: lhs.weighted + rhs.weighted, seconds: lhs.seconds + rhs.seconds)
    }
}

/// The larger of two optional values (nil: nothing known).
func largest(_ lhs: Double?, _ rhs: Double?) -> Double? {
    switch (lhs, rhs) {
    case (let left?, let right?): return max(left, right)
    case (let left?, nil): return left
    case (nil, let right): return right
    }
}

/// One queue in one period (metrics.md "Queue statistics and EWT"); nil where no value was known.
public struct EWTRow: Sendable, Equatable {
    public var period: Period
    public var queueID: String
    public var queueName: String?
    public var ewt: TimeWeightedMean
    public var ewtMax: Double?
    public var waitingCalls: TimeWeightedMean
    public var waitingCallsMax: Double?
    public var longestWaitMax: Double?
    public var loggedAgents: TimeWeightedMean
    public var availableAgents: TimeWeightedMean
    public var talkingAgents: TimeWeightedMean
    public var coveragePercent: Double

    public static let columns = [
        "period_start", "period_end", "queue_id", "queue_name",
        "ewt_avg_s", "ewt_max_s", "waiting_calls_avg", "waiting_calls_max", "longest_wait_max_s",
        "logged_agents_avg", "available_agents_avg", "talking_agents_avg", "coverage_pct",
    ]

    public var ewtAverage: Double? { ewt.value }
    public var waitingCallsAverage: Double? { waitingCalls.value }
    public var loggedAgentsAverage: Double? { loggedAgents.value }
    public var availableAgentsAverage: Double? { availableAgents.value }
    public var talkingAgentsAverage: Double? { talkingAgents.value }

    /// The figures in column order, from `ewt_avg_s` to `talking_agents_avg`.
    public var figures: [Double?] {
        [ewtAverage, ewtMax, waitingCallsAverage, waitingCallsMax, longestWaitMax, loggedAgentsAverage, availableAgentsAverage, talkingAgentsAverage]
    }

    /// This queue over adjacent periods, as one row for `period`.
    public func combined(with other: EWTRow) -> EWTRow {
        var row = self
        row.ewt = ewt + other.ewt
        row.ewtMax = largest(ewtMax, other.ewtMax)
        row.waitingCalls = waitingCalls + other.waitingCalls
        row.waitingCallsMax = largest(waitingCallsMax, other.waitingCallsMax)
        row.longestWaitMax = largest(longestWaitMax, other.longestWaitMax)
        row.loggedAgents = loggedAgents + other.loggedAgents
        row.availableAgents = availableAgents + other.availableAgents
        row.talkingAgents = talkingAgents + other.talkingAgents
        return row
    }

    public func cells(_ calendar: ReportCalendar, periodCells: PeriodCells? = nil) -> [Cell] {
        let times = periodCells ?? PeriodCells(period, calendar)
        return [
            times.start, times.end,
            .text(queueID), queueName.map(Cell.text) ?? .empty,
        ] + figures.map { NumberFormat.cell($0) } + [NumberFormat.cell(coveragePercent)]
    }
}

/// What a missed-calls row is about: a queue (its visits) or a user (calls that rang the user's phone).
public enum TargetKind: String, Sendable, Comparable {
    case queue
    case user

    public static func < (lhs: TargetKind, rhs: TargetKind) -> Bool {
        lhs == .queue && rhs == .user
    }
}

/// One queue or user in one period (metrics.md "Calls, queue visits and missed calls").
public struct MissedRow: Sendable, Equatable {
    public var period: Period
    public var targetKind: TargetKind
    public var targetID: String
    public var targetName: String?
    public var offered: Int
    public var answered: Int
    public var missed: Int
    public var missedShort: Int
    /// Answered with `wait_s` <= the service-level threshold.
    public var answeredInThreshold: Int
    /// Sum of `wait_s` of the answered, and of the missed (for the averages).
    public var waitAnsweredTotal: Double
    public var waitMissedTotal: Double
    public var maxWaitMissed: Double?
    public var calledBack: Int
    public var coveragePercent: Double

    public var averageWaitAnswered: Double? { answered > 0 ? waitAnsweredTotal / Double(answered) : nil }
    public var averageWaitMissed: Double? { missed > 0 ? waitMissedTotal / Double(missed) : nil }

    /// This target over adjacent periods, as one row.
    public func combined(with other: MissedRow) -> MissedRow {
        var row = self
        row.offered += other.offered
        row.answered += other.answered
        row.missed += other.missed
        row.missedShort += other.missedShort
        row.answeredInThreshold += other.answeredInThreshold
        row.waitAnsweredTotal += other.waitAnsweredTotal
        row.waitMissedTotal += other.waitMissedTotal
        row.maxWaitMissed = largest(maxWaitMissed, other.maxWaitMissed)
        row.calledBack += other.calledBack
        return row
    }

    public static let columns = [
        "period_start", "period_end", "target_kind", "target_id", "target_name",
        "offered", "answered", "missed", "missed_pct", "missed_short",
        "avg_wait_answered_s", "avg_wait_missed_s", "max_wait_missed_s", "service_level_pct",
        "called_back", "coverage_pct",
    ]

    public var missedPercent: Double? {
        NumberFormat.percent(Double(missed), of: Double(offered))
    }

    /// 100 x answered within the threshold / (offered - missed_short).
    public var serviceLevelPercent: Double? {
        NumberFormat.percent(Double(answeredInThreshold), of: Double(offered - missedShort))
    }

    public func cells(_ calendar: ReportCalendar, periodCells: PeriodCells? = nil) -> [Cell] {
        let times = periodCells ?? PeriodCells(period, calendar)
        return [
            times.start, times.end,
            .text(targetKind.rawValue), .text(targetID), targetName.map(Cell.text) ?? .empty,
            NumberFormat.cell(offered), NumberFormat.cell(answered), NumberFormat.cell(missed),
            NumberFormat.cell(missedPercent), NumberFormat.cell(missedShort),
            NumberFormat.cell(averageWaitAnswered), NumberFormat.cell(averageWaitMissed),
            NumberFormat.cell(maxWaitMissed), NumberFormat.cell(serviceLevelPercent),
            NumberFormat.cell(calledBack), NumberFormat.cell(coveragePercent),
        ]
    }
}

/// One missed queue visit, or one missed call for one user whose phone rang.
public struct MissedCallRow: Sendable, Equatable {
    /// The visit's join time, or the time the user's phone began to ring.
    public var time: Double
    public var targetKind: TargetKind
    public var targetID: String
    public var targetName: String?
    public var callerNumber: String?
    public var callerName: String?
    public var wait: Double
    public var calledBackAt: Double?

    public static let columns = [
        "time", "target_kind", "target_id", "target_name", "caller_number", "caller_name", "wait_s", "called_back_at",
    ]

    public func cells(_ calendar: ReportCalendar) -> [Cell] {
        [
            .time(calendar.iso8601(time)), .text(targetKind.rawValue), .text(targetID),
            targetName.map(Cell.text) ?? .empty, callerNumber.map(Cell.text) ?? .empty,
            callerName.map(Cell.text) ?? .empty, NumberFormat.cell(wait),
            calledBackAt.map { Cell.time(calendar.iso8601($0)) } ?? .empty,
        ]
    }
}
