import CTIProtocol

/// Everything the recorder carries from one message to the next within a session.
/// A value type: reset wholesale when a session starts.
struct DerivedState {
    // MARK: PBX objects
    var objects = ObjectTable()
    var knownIPBX: Set<String> = []
    /// Agents listed by the bootstrap `listid`: their first status holds from the session's start.
    var bootstrapAgents: Set<String> = []

    /// Phones by `identity` (e.g. "SIP/ihvbur"), for telling whose a channel is.
    var phonesByIdentity: [String: PhoneInfo] = [:]
    var userNames: [String: String] = [:]

    // MARK: Agents
    var agents: [String: AgentTracker] = [:]
    /// The UTC hour (epoch seconds / 3600) up to which open intervals have been cut.
    var currentHour: Int64?
    /// Latest event time applied, so interval ends never move backwards.
    var latestEventTime: Double = 0
    /// An implausible server time was logged in this session (once is enough).
    var reportedImplausibleTime = false

    // MARK: Queue statistics
    /// The value in effect of each series that has one in this session.
    var statisticsInEffect: [StatisticSeries: StatisticInEffect] = [:]

    // MARK: Queue visits
    var waiting: [String: [String: OpenVisit]] = [:]        // queue id -> entry key -> visit
    var leftVisits: [LeftVisit] = []                        // left, outcome not decided yet
    var acdStarts: [ACDStart] = []                          // acd_call starts not paired yet

    // MARK: Calls
    var channels: [String: ChannelTracker] = [:]
    var calls: [Int: CallTracker] = [:]
    /// Channels named as a peer (`talkingto_id`) before they appeared, and the call they join.
    var awaitedPeers: [String: Int] = [:]
    var nextCallKey = 0
}

/// Changes to the nested `waiting` map through plain methods: a change through its subscript
/// (`waiting[queue, default: [:]][key] = visit`) runs the dictionary's modify accessor, which
/// allocates its frame each time, at nearly every queue_log line.
extension DerivedState {
    mutating func addWaiting(_ visit: OpenVisit, queueID: String, key: String) {
        var visits = waiting.removeValue(forKey: queueID) ?? [:]
        visits.updateValue(visit, forKey: key)
        waiting.updateValue(visits, forKey: queueID)
    }

    /// The visit of the caller `key` waiting in the queue, no longer waiting.
    mutating func removeWaiting(queueID: String, key: String) -> OpenVisit? {
        guard var visits = waiting.removeValue(forKey: queueID) else { return nil }
        let visit = visits.removeValue(forKey: key)
        waiting.updateValue(visits, forKey: queueID)
        return visit
    }
}

struct ObjectKey: Hashable {
    let list: String
    let ipbx: String
    let id: String
}

struct StatisticSeries: Hashable {
    let queueID: String
    let key: String
}

/// A queue statistic's latest value received in the session (nil: "no data"), its time, and
/// the latest time of any value of its series in the session (times can go backwards).
struct StatisticInEffect {
    var value: Double?
    var time: Double
    var latest: Double
    /// The step ended without a value of its own (an emptied queue ends the longest wait):
    /// the next value is a new step even when it is the same.
    var ended = false
}

struct PhoneInfo {
    let phoneID: String
    let userID: String?
    let number: String?
}

struct AgentTracker {
    var availability: String?
    var onCallACD: Bool?
    var onWrapup: Bool?
    var queues: [String] = []
    var interval: OpenInterval?
    /// The interval closed when `interval` opened, while it could still be resumed.
    var previous: ClosedInterval?
    /// Whether a state has been known for this agent in this session (a partial status
    /// before the first full one does not count).
    var hasStatusInSession = false
    let ipbx: String
}

struct OpenInterval {
    let rowID: Int64
    let state: AgentState
    let start: Double
}

struct ClosedInterval {
    let rowID: Int64
    let state: AgentState
    let start: Double
    let end: Double
}

struct OpenVisit {
    let rowID: Int64
    let joinTime: Double
}

struct LeftVisit {
    let rowID: Int64
    let queueID: String
    let leaveTime: Double
}

struct ACDStart {
    let agentID: String
    let time: Double
    let queues: [String]
}

struct ChannelTracker {
    var callKey: Int
    var commstatus: String?
    var direction: String?
    var talkingTo: String?
    var rang = false
}

struct CallTracker {
    /// The call's `call_id`: the id of its first channel event (see `takeChannelEventID`).
    var id: Int64
    var channels: [String]           // in order of first appearance
    var startedAt: Double
    var firstRingAt: Double?
    var answeredAt: Double?
    var callingChannel: String?
    var calledChannel: String?
    var rings: [RingRecord] = []
    /// The ids of the call's channel events, written with the call's id: the ones to move
    /// when the call is folded into another.
    var eventIDs: [Int64] = []
    /// The queue visits of the caller on this call, linked when the call is written.
    var visits: [CallerVisit] = []
    let ipbx: String
}

/// A queue visit a call carries, and the caller the queue entry named.
struct CallerVisit {
    let rowID: Int64
    let number: String?
    let name: String?
}

struct RingRecord {
    let phoneID: String
    let userID: String?
    let channel: String
    let time: Double
}
