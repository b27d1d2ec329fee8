import CTIProtocol

/// Who receives a message the model produces. The real server's equivalents: every logged-in
/// connection (`send_cti_event`), the `subscribetoqueuesstats` group, and the per-queue
/// `queueentryupdate` groups.
enum Audience: Equatable {
    case everyone
    case queueStatsSubscribers
    case queueEntrySubscribers(queueId: Int)
}

/// One server message produced by the model, stamped with the simulated instant it happened
/// (the server adds `timenow` from it when encoding).
struct OutMessage {
    let time: Micros
    let audience: Audience
    let body: JSONObject
}

/// How a queue statistic value came to be sent: by a model event (deterministic for a seed),
/// or because a client subscribed or asked (depends on when the client did so).
enum StatTrigger: String {
    case push, subscribe, request
}

// MARK: - Runtime state (what the server's `xod_status` and Asterisk hold during the day)

struct AgentRuntime {
    // What the CTI server reports (`xod_status['agents'][id]`).
    var loggedIn = false
    var availability = "logged_out"
    var availabilitySince: Micros
    var onCallAcd = false
    var onWrapup = false
    /// `nonacd_call_status` (direction, is_internal): set by the agent's phone being in use.
    var nonAcd: (incoming: Bool, isInternal: Bool)?
    var queues: [Int]
    var phonenumber: String?

    // Model bookkeeping.
    /// When the agent last logged in (the queue_log's logoff says for how long).
    var loginTime: Micros = 0
    /// Logged in agents only take ACD calls after this much idle time in the least-recent order.
    var idleSince: Micros = 0
    /// Last endpoint state routed to the agent ("available", "ringing", "talking"): the
    /// server only routes changes.
    var endpoint = "available"
    var wrapupToken = 0
    var pendingLogout = false
    var pendingPause = false
    var pendingUnpause = false
    /// The truth's current metrics state and when it began.
    var truthState = "logged_out"
    var truthSince: Micros = 0

    init(since: Micros, queues: [Int]) {
        availabilitySince = since
        self.queues = queues
    }
}

/// Asterisk's view of one queue member, as the CTI server relays it (`QueueMemberState`).
struct MemberRuntime {
    var callsTaken = 0
    var lastCall: Micros?
    var paused = false
    /// Asterisk device state as a string ("1" not in use, "2" in use, "6" ringing,
    /// "7" ringing while in use), or the CTI server's own "101" for a logged-out agent.
    var status = "101"
    var penalty = 0
}

/// One agent's queue memberships: a handful at most, so a small array searched linearly is
/// faster than a dictionary (this is on the path of every queue summary).
struct MemberTable {
    private(set) var entries: [(queue: Int, member: MemberRuntime)] = []

    init(queues: [Int]) {
        entries = queues.map { ($0, MemberRuntime()) }
    }

    subscript(queue: Int) -> MemberRuntime? {
        get {
            for e in entries where e.queue == queue { return e.member }
            return nil
        }
        set {
            if let i = entries.firstIndex(where: { $0.queue == queue }) {
                if let newValue { entries[i].member = newValue } else { entries.remove(at: i) }
            } else if let newValue {
                entries.append((queue, newValue))
            }
        }
    }

    var isEmpty: Bool { entries.isEmpty }
    var queues: [Int] { entries.map(\.queue) }
}

struct PhoneRuntime {
    var channels: [String] = []
    /// Asterisk hint state: "0" idle, "1" in use, "8" ringing, "9" in use and ringing.
    var hint = "0"
}

struct ChannelRuntime {
    let name: String
    let phoneId: Int?
    let callId: Int
    var direction: String?
    var commstatus = "ready"
    var state: String
    var talkingtoKind: String?
    var talkingtoId: String?
    var peerdisplay: String?
    var timestamp: Micros
}

struct QueueRuntime {
    /// Waiting visits in position order (position = index + 1).
    var waiting: [Int] = []
    /// Asterisk's `holdtime` estimate (whole seconds) behind `Xivo-EWT`.
    var holdtime = 0
    /// The CTI server only publishes entries and waiting counts for queues it has seen a
    /// caller join since it started.
    var hadEntries = false
    /// Finished visits for the windowed `getqueuesstats` (join, end, answered, wait).
    var history: [VisitHistory] = []
}

struct VisitHistory {
    let join: Micros
    let end: Micros
    let answered: Bool
    let wait: Micros
}

enum CallKind: Equatable {
    case acd(queueId: Int)
    /// An external caller dialling a user's number (DID).
    case inboundDirect
    /// A user dialling an external number.
    case outbound
    /// One user calling another.
    case internalCall
}

final class CallRuntime {
    let id: Int
    let kind: CallKind
    let callerNumber: String
    let callerName: String
    let start: Micros
    /// Bumped whenever a scheduled event for this call must be ignored (ring cancelled...).
    var token = 0
    /// The caller's channel (a trunk channel for inbound calls, a phone channel otherwise).
    var callerChannel: String
    /// The channel currently ringing or talking on the called side.
    var calleeChannel: String?
    var calleePhone: Int?
    var channels: [String]
    var firstRing: Micros?
    var answer: Micros?
    var rangPhones: [Int] = []
    var answeredByPhone: Int?
    var visitId: Int?
    /// ACD: the agent currently rung or talking.
    var agentId: Int?
    /// ACD, once answered: the queue visit's uniqueid, join instant and first position (the
    /// queue_log's call end lines carry them after the visit is gone).
    var queueLogID = ""
    var queueJoin: Micros?
    var queuePosition = 0
    var liveChannels = 0

    init(id: Int, kind: CallKind, callerNumber: String, callerName: String, start: Micros, callerChannel: String) {
        self.id = id
        self.kind = kind
        self.callerNumber = callerNumber
        self.callerName = callerName
        self.start = start
        self.callerChannel = callerChannel
        self.channels = [callerChannel]
    }
}

struct VisitRuntime {
    let id: Int
    let queueId: Int
    let callId: Int
    let uniqueid: String
    let number: String
    let name: String
    let join: Micros
    /// Position in the queue on joining, from 1.
    let position: Int
    /// The agent being rung for this caller, if any, and since when.
    var ringingAgent: Int?
    var ringStart: Micros?
}

enum PlanAction {
    case login, logout, pause, unpause
}

enum ModelEvent {
    case plan(agent: Int, action: PlanAction)
    case arrival(queue: Int)
    case retry(queue: Int, number: String, name: String)
    case patience(visit: Int)
    case acdAnswer(call: Int, token: Int)
    case acdRingTimeout(call: Int, token: Int)
    case acdHangup(call: Int)
    case wrapupEnd(agent: Int, token: Int)
    case outboundAttempt(user: Int)
    case internalAttempt(user: Int)
    case inboundAttempt
    case calleeAnswer(call: Int, token: Int)
    case calleeNoAnswer(call: Int, token: Int)
    case callHangup(call: Int)
    case membership(agent: Int, queue: Int, add: Bool)
}
