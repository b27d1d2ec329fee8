/// One queue in one period as XiVO's statistics page counts it (metrics.md "XiVO's own figures").
public struct XiVOQueueRow: Sendable, Equatable {
    public var period: Period
    public var queueID: String
    public var queueName: String?
    public var answered = 0
    public var abandoned = 0
    public var closed = 0
    public var full = 0
    public var diverted = 0
    public var joinEmpty = 0
    public var leaveEmpty = 0
    public var timeout = 0
    /// Answered within `--qos-threshold`.
    public var answeredInThreshold = 0
    /// Sum of every counted call's wait, in seconds (the fields of its queue_log line).
    public var waitTotal = 0.0

    public init(period: Period, queueID: String, queueName: String?) {
        self.period = period
        self.queueID = queueID
        self.queueName = queueName
    }

    public static let columns = [
        "period_start", "period_end", "queue_id", "queue_name",
        "received", "answered", "abandoned", "closed", "saturated", "blocking", "timeout",
        "answered_rate_pct", "qos_pct", "awt_s",
    ]

    /// Every status, refused calls included.
    public var received: Int { answered + abandoned + closed + full + diverted + joinEmpty + leaveEmpty + timeout }
    public var saturated: Int { full + diverted }
    public var blocking: Int { joinEmpty + leaveEmpty }

    /// 100 x answered / (answered + abandoned + full + joinempty + leaveempty + timeout): closed
    /// and diverted calls are left out, as XiVO does.
    public var answeredRatePercent: Double? {
        NumberFormat.percent(Double(answered), of: Double(answered + abandoned + full + joinEmpty + leaveEmpty + timeout))
    }

    public var qosPercent: Double? {
        NumberFormat.percent(Double(answeredInThreshold), of: Double(answered))
    }

    /// All the waits over the calls that waited to an end: answered, abandoned, leaveempty, timeout.
    public var averageWait: Double? {
        let waited = answered + abandoned + leaveEmpty + timeout
        return waited > 0 ? waitTotal / Double(waited) : nil
    }

    public func combined(with other: XiVOQueueRow) -> XiVOQueueRow {
        var row = self
        row.answered += other.answered
        row.abandoned += other.abandoned
        row.closed += other.closed
        row.full += other.full
        row.diverted += other.diverted
        row.joinEmpty += other.joinEmpty
        row.leaveEmpty += other.leaveEmpty
        row.timeout += other.timeout
        row.answeredInThreshold += other.answeredInThreshold
        row.waitTotal += other.waitTotal
        return row
    }

    public func cells(_ calendar: ReportCalendar, periodCells: PeriodCells? = nil) -> [Cell] {
        let times = periodCells ?? PeriodCells(period, calendar)
        return [
            times.start, times.end, .text(queueID), queueName.map(Cell.text) ?? .empty,
            NumberFormat.cell(received), NumberFormat.cell(answered), NumberFormat.cell(abandoned), NumberFormat.cell(closed),
            NumberFormat.cell(saturated), NumberFormat.cell(blocking), NumberFormat.cell(timeout),
            NumberFormat.cell(answeredRatePercent), NumberFormat.cell(qosPercent), NumberFormat.cell(averageWait),
        ]
    }
}

/// One agent in one period as XiVO's statistics page counts it. Durations in milliseconds.
public struct XiVOAgentRow: Sendable, Equatable {
    public var period: Period
    public var agentID: String
    public var agentNumber: String?
    public var agentName: String?
    public var answered = 0
    /// Talk seconds of the answered calls, as their end lines give them.
    public var conversation: Int64 = 0
    public var login: Int64 = 0
    public var pause: Int64 = 0
    public var wrapup: Int64 = 0

    public init(period: Period, agentID: String, agentNumber: String?, agentName: String?) {
        self.period = period
        self.agentID = agentID
        self.agentNumber = agentNumber
        self.agentName = agentName
    }

    public static let columns = [
        "period_start", "period_end", "agent_id", "agent_number", "agent_name",
        "answered", "conversation_s", "login_s", "pause_s", "wrapup_s",
    ]

    public func combined(with other: XiVOAgentRow) -> XiVOAgentRow {
        var row = self
        row.answered += other.answered
        row.conversation += other.conversation
        row.login += other.login
        row.pause += other.pause
        row.wrapup += other.wrapup
        return row
    }

    public func cells(_ calendar: ReportCalendar, periodCells: PeriodCells? = nil) -> [Cell] {
        let times = periodCells ?? PeriodCells(period, calendar)
        return [
            times.start, times.end, .text(agentID), agentNumber.map(Cell.text) ?? .empty, agentName.map(Cell.text) ?? .empty,
            NumberFormat.cell(answered), NumberFormat.cell(milliseconds: conversation), NumberFormat.cell(milliseconds: login),
            NumberFormat.cell(milliseconds: pause), NumberFormat.cell(milliseconds: wrapup),
        ]
    }
}

/// One agent's pauses for one reason in one period (metrics.md "Pause reasons").
public struct PauseRow: Sendable, Equatable {
    public var period: Period
    public var agentID: String
    public var agentNumber: String?
    public var agentName: String?
    /// Empty when none was given (every CTI pause: the protocol carries none).
    public var reason: String
    /// Pauses that began in the period.
    public var pauses: Int
    /// Paused milliseconds in the period.
    public var paused: Int64

    public static let columns = [
        "period_start", "period_end", "agent_id", "agent_number", "agent_name", "reason", "pauses", "paused_s",
    ]

    public func combined(with other: PauseRow) -> PauseRow {
        var row = self
        row.pauses += other.pauses
        row.paused += other.paused
        return row
    }

    public func cells(_ calendar: ReportCalendar, periodCells: PeriodCells? = nil) -> [Cell] {
        let times = periodCells ?? PeriodCells(period, calendar)
        return [
            times.start, times.end, .text(agentID), agentNumber.map(Cell.text) ?? .empty, agentName.map(Cell.text) ?? .empty,
            .text(reason), NumberFormat.cell(pauses), NumberFormat.cell(milliseconds: paused),
        ]
    }
}
