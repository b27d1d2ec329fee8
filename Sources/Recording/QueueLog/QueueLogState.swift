import CTIProtocol
import Storage

/// What the recorder carries from one queue_log line to the next, and from one import of a
/// source to the next (`queue_log_source.carried_state`): a queue_log has no bootstrap, so an
/// agent logged in or a caller waiting when one import ended is still so when the next begins.
///
/// A class: the recorder reads and changes it at every line through its optional property,
/// and a struct there was copied whole (every dictionary retained and released) by reads such
/// as `queueLog?.wrapupsDueFrom`.
final class QueueLogState {
    let sourceID: Int64
    /// By agent number (`Agent/1001` is 1001).
    var agents: [String: QueueLogAgent] = [:]
    /// The largest table `id` read (a table source).
    var lastRowID: Int64?
    /// Agent numbers to the agent ids and queue names to the queue ids the database already
    /// has (from CTI data): the same agent or queue keeps one id whatever the source.
    var agentIDsByNumber: [String: String] = [:]
    var agentNumbersByID: [String: String] = [:]
    var queueIDsByName: [String: String] = [:]
    /// Agents and queues this source has written a row for (or found one).
    var knownObjects: Set<String> = []
    /// Queue names to ids once written or found (`queueID`): a cache of this session's.
    var resolvedQueues: [String: String] = [:]
    /// XiVO's calls still missing their other half, by `callKey` (docs/METRICS.md "XiVO's own figures").
    var pendingCalls: [String: QueueLogPendingCall] = [:]
    /// The size of `pendingCalls` at which stale entries are next looked for.
    var pendingPruneAt = 1_000
    /// Each agent's open login, pause and XiVO pause spans, by agent id.
    var agentSpans: [String: QueueLogAgentSpans] = [:]
    /// The times the CTI collector recorded (its sessions, by start), where this source's
    /// lines are journaled but derive no visit or agent state (docs/METRICS.md "One
    /// database, two sources"); and whether the last line read fell in one.
    var ctiSpans: [(start: Double, end: Double)] = []
    var insideCTI = false
    /// The times the database's other queue_log sources read (their sessions), where this
    /// source's lines are journaled only: the same PBX's file and table, say (docs/METRICS.md
    /// "One database, two sources"); and whether the last line read fell in one.
    var otherSourceSpans: [(start: Double, end: Double)] = []
    var insideOtherSource = false
    /// No agent's wrap-up ends before this time: a line before it need not look at every
    /// agent for one that ended (`advanceQueueLogClock`). Lowered by a new wrap-up; a wrap-up
    /// cut short only makes it early, which costs one look.
    var wrapupsDueFrom = -Double.infinity

    /// Who counts a line dated `time` (docs/METRICS.md "One database, two sources").
    enum Coverage {
        case ours
        /// The collector's time: the line adds XiVO's figures alone. `entered`: the first line
        /// in it, and the start of its span, where this source's derived state ends.
        case cti(entered: Double?)
        /// An earlier session of another queue_log source read the time: the line is journaled only.
        case otherSource(entered: Double?)
    }

    /// Who counts a line dated `time`, the lines read in time order; notes whether the line
    /// fell in a span.
    func coverage(at time: Double) -> Coverage {
        if let span = Self.span(in: otherSourceSpans, at: time) {
            defer { insideOtherSource = true }
            return .otherSource(entered: insideOtherSource ? nil : span.start)
        }
        insideOtherSource = false
        if let span = Self.span(in: ctiSpans, at: time) {
            defer { insideCTI = true }
            return .cti(entered: insideCTI ? nil : span.start)
        }
        insideCTI = false
        return .ours
    }

    /// The span of `spans` (by start, none overlapping) that holds `time`.
    private static func span(in spans: [(start: Double, end: Double)], at time: Double) -> (start: Double, end: Double)? {
        var low = 0, high = spans.count
        while low < high {
            let middle = (low + high) / 2
            if spans[middle].start <= time { low = middle + 1 } else { high = middle }
        }
        guard low > 0, time < spans[low - 1].end else { return nil }
        return spans[low - 1]
    }

    /// `spans` by start, those that overlap or touch made one.
    static func merged(_ spans: [(start: Double, end: Double)]) -> [(start: Double, end: Double)] {
        var result: [(start: Double, end: Double)] = []
        for span in spans.sorted(by: { $0.start < $1.start }) {
            if let last = result.last, span.start <= last.end {
                result[result.count - 1].end = max(last.end, span.end)
            } else {
                result.append(span)
            }
        }
        return result
    }

    init(sourceID: Int64) {
        self.sourceID = sourceID
    }
}

/// One agent as the queue_log tells it. A class, changed in place through the state's
/// dictionary: a change through a dictionary's subscript allocated at every line.
final class QueueLogAgent {
    let agentID: String
    /// `AGENTLOGIN` / `AGENTCALLBACKLOGIN` seen, no logoff since.
    var loggedIn = false
    /// Seen doing what only a logged-in agent does (answering, pausing, being rung) without a
    /// login: a static member, or a login before the log began.
    var inferredLoggedIn = false
    /// Queues it was added to (`ADDMEMBER`) and not removed from.
    var memberships: Set<String> = []
    var pausedAll = false
    var pausedQueues: Set<String> = []
    /// The caller's callid of the ACD call in progress.
    var callID: String?
    /// End of the wrap-up `WRAPUPSTART` began.
    var wrapupUntil: Double?

    init(agentID: String) {
        self.agentID = agentID
    }

    /// metrics.md's states, first that applies; the queue_log has no non-ACD calls.
    func state(at time: Double) -> AgentState {
        if callID != nil { return .acdCall }
        guard loggedIn || inferredLoggedIn || !memberships.isEmpty else { return .loggedOut }
        if let wrapupUntil, wrapupUntil > time { return .wrapup }
        if pausedAll || !pausedQueues.isEmpty { return .paused }
        return .available
    }
}

// MARK: The carried state as JSON

extension QueueLogState {
    /// The state to carry to the next import: the agents, and the callers still waiting
    /// (their visit rows, which the next session continues).
    func carried(waiting: [String: [String: OpenVisit]]) -> UTF8Text {
        var agentsObject = JSONObject()
        for number in agents.keys.sorted() {
            guard let agent = agents[number] else { continue }
            var object = JSONObject()
            object["agent_id"] = .string(agent.agentID)
            object["logged_in"] = .bool(agent.loggedIn)
            object["inferred"] = .bool(agent.inferredLoggedIn)
            object["memberships"] = .array(agent.memberships.sorted().map { .string($0) })
            object["paused_all"] = .bool(agent.pausedAll)
            object["paused_queues"] = .array(agent.pausedQueues.sorted().map { .string($0) })
            object["call_id"] = agent.callID.map { .string($0) } ?? .null
            object["wrapup_until"] = agent.wrapupUntil.map { .double($0) } ?? .null
            agentsObject[number] = .object(object)
        }
        var waitingArray: [JSONValue] = []
        for queueID in waiting.keys.sorted() {
            for (key, visit) in (waiting[queueID] ?? [:]).sorted(by: { $0.value.rowID < $1.value.rowID }) {
                waitingArray.append(.object([
                    "queue_id": .string(queueID), "key": .string(key), "visit_id": .int(visit.rowID), "join_time": .double(visit.joinTime),
                ]))
            }
        }
        var root = JSONObject()
        root["agents"] = .object(agentsObject)
        root["waiting"] = .array(waitingArray)
        root["last_row_id"] = lastRowID.map { .int($0) } ?? .null
        let xivo = carriedXiVO()
        root["xivo_calls"] = xivo.calls
        root["xivo_spans"] = xivo.spans
        return UTF8Text(JSON.serialize(.object(root)))
    }

    /// Reads what `carried` wrote; a state that cannot be read starts from nothing (the
    /// lines are still all in the journal; only what was open at the last import's end is lost).
    func restore(_ text: String) -> [(queueID: String, key: String, visit: OpenVisit)] {
        guard let root = (try? JSON.parse(text))?.object else { return [] }
        if let object = root["agents"]?.object {
            for (number, value) in object {
                guard let fields = value.object, let agentID = fields["agent_id"]?.string else { continue }
                let agent = QueueLogAgent(agentID: agentID)
                agent.loggedIn = fields["logged_in"]?.bool ?? false
                agent.inferredLoggedIn = fields["inferred"]?.bool ?? false
                agent.memberships = Set((fields["memberships"]?.array ?? []).compactMap(\.string))
                agent.pausedAll = fields["paused_all"]?.bool ?? false
                agent.pausedQueues = Set((fields["paused_queues"]?.array ?? []).compactMap(\.string))
                agent.callID = fields["call_id"]?.string
                agent.wrapupUntil = fields["wrapup_until"]?.double
                agents[number] = agent
                wrapupsDueFrom = -.infinity
            }
        }
        lastRowID = root["last_row_id"]?.int
        restoreXiVO(root)
        var waiting: [(queueID: String, key: String, visit: OpenVisit)] = []
        for value in root["waiting"]?.array ?? [] {
            guard let fields = value.object, let queueID = fields["queue_id"]?.string, let key = fields["key"]?.string,
                  let rowID = fields["visit_id"]?.int, let joinTime = fields["join_time"]?.double else { continue }
            waiting.append((queueID, key, OpenVisit(rowID: rowID, joinTime: joinTime)))
        }
        return waiting
    }
}
