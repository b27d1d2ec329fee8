/// One agent now (`callstats agents`): its state as the occupancy report counts it, since
/// when, where it takes calls, and its day so far from the occupancy report's own query.
public struct AgentNow: Sendable, Equatable {
    public var agentID: String
    public var agentNumber: String?
    public var agentName: String?
    /// The state of metrics.md ("Agent states and occupancy") at `asOf`; nil when unknown
    /// (no state recorded in a session that covers that instant).
    public var state: String?
    /// When the current state began; the session's start when the state was already in
    /// effect then (known from the server's initial status, as the reports count it). A
    /// queue_log import goes on from its source's previous one: a state carried over began there.
    public var stateSince: Double?
    /// The queues the server says the agent takes calls from: ids, and names where known.
    public var queueIDs: [String]
    public var queueNames: [String]
    /// The phone number the server last gave for the agent.
    public var phoneNumber: String?
    /// The occupancy report's row for today so far (nil: not logged in today).
    public var today: OccupancyRow?

    public init(
        agentID: String, agentNumber: String? = nil, agentName: String? = nil, state: String? = nil, stateSince: Double? = nil,
        queueIDs: [String] = [], queueNames: [String] = [], phoneNumber: String? = nil, today: OccupancyRow? = nil
    ) {
        self.agentID = agentID
        self.agentNumber = agentNumber
        self.agentName = agentName
        self.state = state
        self.stateSince = stateSince
        self.queueIDs = queueIDs
        self.queueNames = queueNames
        self.phoneNumber = phoneNumber
        self.today = today
    }

    /// The CSV header after `as_of`, `as_of_source` (a public contract, see the README).
    public static let columns = [
        "agent_id", "agent_number", "agent_name", "state", "state_since", "queues", "phone_number",
        "logged_in_today_s", "acd_calls_today", "occupancy_today_pct",
    ]

    public var loggedInToday: Int64 { today?.loggedIn ?? 0 }
    public var acdCallsToday: Int { today?.acdCalls ?? 0 }
    public var occupancyToday: Double? { today?.occupancyPercent }

    public func cells(_ calendar: ReportCalendar) -> [Cell] {
        [
            .text(agentID), agentNumber.map(Cell.text) ?? .empty, agentName.map(Cell.text) ?? .empty,
            state.map(Cell.text) ?? .empty, stateSince.map { Cell.time(calendar.iso8601($0)) } ?? .empty,
            queueIDs.isEmpty ? .empty : .text(queueIDs.joined(separator: " ")),
            phoneNumber.map(Cell.text) ?? .empty,
            NumberFormat.cell(milliseconds: loggedInToday), NumberFormat.cell(acdCallsToday), NumberFormat.cell(occupancyToday),
        ]
    }
}
