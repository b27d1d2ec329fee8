/// One row of `callstats calls`: a queue visit or a call, newest first.
public struct RecentCall: Sendable, Equatable {
    public enum Kind: String, Sendable {
        /// One caller's stay in one queue (metrics.md "queue visit").
        case queue
        /// A call built from channel events (metrics.md "call").
        case call
    }

    /// What became of it, in the words of metrics.md.
    public enum Outcome: String, Sendable {
        case answered
        /// An abandoned visit, or an inbound or internal call that rang a user's phone and
        /// nobody answered (metrics.md "Missed").
        case missed
        /// A call nobody answered that is not a missed call: outbound, or it rang no user.
        case unanswered
        /// The collection session ended before the outcome was known.
        case unknown
        /// A visit whose caller is still in the queue.
        case waiting
        /// A visit whose caller left in the last 2 s: answered or abandoned is not decided yet.
        case pending
    }

    public var kind: Kind
    /// The visit's join time, or the call's start.
    public var time: Double
    /// `inbound`, `outbound` or `internal` for a call; nil for a visit.
    public var direction: String?
    public var callerNumber: String?
    public var callerName: String?
    /// A visit: its queue. A call: the user whose phone answered, else the first that rang.
    public var targetID: String?
    public var targetName: String?
    /// A call: the number called.
    public var calleeNumber: String?
    /// A visit: the agent who answered.
    public var agentID: String?
    public var agentName: String?
    /// metrics.md's `wait_s`: a visit's leave - join (so far, while waiting); a call's first
    /// ring to its answer, or to its end when missed. nil while not known.
    public var wait: Double?
    /// Answer to hang-up: a call's answer to its end; a visit's answer to the end of the
    /// answering agent's `acd_call` (so far, while it goes on). nil when not answered or its
    /// end is not known.
    public var talk: Double?
    public var outcome: Outcome
    /// A missed one: when its number was answered again within the call-back window.
    public var calledBackAt: Double?

    public init(
        kind: Kind, time: Double, direction: String? = nil, callerNumber: String? = nil, callerName: String? = nil,
        targetID: String? = nil, targetName: String? = nil, calleeNumber: String? = nil, agentID: String? = nil,
        agentName: String? = nil, wait: Double? = nil, talk: Double? = nil, outcome: Outcome, calledBackAt: Double? = nil
    ) {
        self.kind = kind
        self.time = time
        self.direction = direction
        self.callerNumber = callerNumber
        self.callerName = callerName
        self.targetID = targetID
        self.targetName = targetName
        self.calleeNumber = calleeNumber
        self.agentID = agentID
        self.agentName = agentName
        self.wait = wait
        self.talk = talk
        self.outcome = outcome
        self.calledBackAt = calledBackAt
    }

    /// The CSV header after `as_of`, `as_of_source` (a public contract, see the README).
    public static let columns = [
        "time", "kind", "direction", "caller_number", "caller_name", "target_id", "target_name", "callee_number",
        "agent_id", "agent_name", "wait_s", "talk_s", "outcome", "called_back_at",
    ]

    public func cells(_ calendar: ReportCalendar) -> [Cell] {
        func text(_ value: String?) -> Cell { value.map(Cell.text) ?? .empty }
        return [
            .time(calendar.iso8601(time)), .text(kind.rawValue), text(direction), text(callerNumber), text(callerName),
            text(targetID), text(targetName), text(calleeNumber), text(agentID), text(agentName),
            NumberFormat.cell(wait), NumberFormat.cell(talk), .text(outcome.rawValue),
            calledBackAt.map { Cell.time(calendar.iso8601($0)) } ?? .empty,
        ]
    }
}

/// Which rows `callstats calls` lists.
public struct RecentCallsFilter: Sendable, Equatable {
    /// Rows from this instant (included) to `asOf` (included).
    public var since: Double
    /// `--queue` values (ids or names): only visits of these queues.
    public var queues: [String]
    /// `--user` values (ids): only calls that rang these users' phones.
    public var users: [String]
    /// `--missed`: only abandoned visits and missed inbound or internal calls that rang a user.
    public var missedOnly: Bool
    /// At most this many rows, the newest; nil for all.
    public var limit: Int?

    public init(since: Double, queues: [String] = [], users: [String] = [], missedOnly: Bool = false, limit: Int? = nil) {
        self.since = since
        self.queues = queues
        self.users = users
        self.missedOnly = missedOnly
        self.limit = limit
    }

    /// As in the missed-calls reports (docs/METRICS.md "Filters"): with only `--queue`, calls
    /// are left out; with only `--user`, visits are left out; with both, both are filtered.
    public var includesVisits: Bool { users.isEmpty || !queues.isEmpty }
    public var includesCalls: Bool { queues.isEmpty || !users.isEmpty }
}
