/// One queue now (`callstats queues`): who waits and for how long, the server's latest
/// statistics, and the day so far from the missed-calls report's own query.
public struct QueueNow: Sendable, Equatable {
    public var queueID: String
    public var queueName: String?
    /// Callers in the queue's waiting list at `asOf`.
    public var waitingCalls: Int
    /// `asOf` - the join time of the caller waiting longest; 0 while nobody waits.
    public var longestWait: Double
    /// The server's latest `Xivo-EWT`, `Xivo-LoggedAgents`, `Xivo-AvailableAgents` and
    /// `Xivo-TalkingAgents` in effect at `asOf`; nil when none is known in a session covering it.
    public var ewt: Double?
    public var loggedAgents: Double?
    public var availableAgents: Double?
    public var talkingAgents: Double?
    /// The missed-calls report's row for this queue, today so far (nil: no call today).
    public var today: MissedRow?

    public init(
        queueID: String, queueName: String? = nil, waitingCalls: Int = 0, longestWait: Double = 0, ewt: Double? = nil,
        loggedAgents: Double? = nil, availableAgents: Double? = nil, talkingAgents: Double? = nil, today: MissedRow? = nil
    ) {
        self.queueID = queueID
        self.queueName = queueName
        self.waitingCalls = waitingCalls
        self.longestWait = longestWait
        self.ewt = ewt
        self.loggedAgents = loggedAgents
        self.availableAgents = availableAgents
        self.talkingAgents = talkingAgents
        self.today = today
    }

    /// The CSV header after `as_of`, `as_of_source` (a public contract, see the README).
    public static let columns = [
        "queue_id", "queue_name", "waiting_calls", "longest_wait_s", "ewt_s",
        "logged_agents", "available_agents", "talking_agents",
        "offered_today", "answered_today", "missed_today", "missed_today_pct", "service_level_today_pct",
    ]

    public var offeredToday: Int { today?.offered ?? 0 }
    public var answeredToday: Int { today?.answered ?? 0 }
    public var missedToday: Int { today?.missed ?? 0 }
    public var missedTodayPercent: Double? { today?.missedPercent }
    public var serviceLevelTodayPercent: Double? { today?.serviceLevelPercent }

    public func cells() -> [Cell] {
        [
            .text(queueID), queueName.map(Cell.text) ?? .empty,
            NumberFormat.cell(waitingCalls), NumberFormat.cell(longestWait), NumberFormat.cell(ewt),
            NumberFormat.cell(loggedAgents), NumberFormat.cell(availableAgents), NumberFormat.cell(talkingAgents),
            NumberFormat.cell(offeredToday), NumberFormat.cell(answeredToday), NumberFormat.cell(missedToday),
            NumberFormat.cell(missedTodayPercent), NumberFormat.cell(serviceLevelTodayPercent),
        ]
    }
}
