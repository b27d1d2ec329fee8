import CTIProtocol

/// The seeded discrete-event model of a call center, and the CTI server's view of it.
///
/// It owns every piece of state the real server would hold (agents' statuses, queue members,
/// phones, channels, queue entries, Asterisk's hold-time estimate) and turns each model event
/// into the messages the real server would broadcast for it, in `outbox`, stamped with the
/// event's simulated time. It never touches the network: the server drains `outbox`, and the
/// same model can run headless (tests, truth-only runs).
///
/// Every random draw comes from one seeded generator, events at equal times run in the order
/// they were scheduled, and nothing depends on the clients, so a seed fixes the whole day.
/// Not thread-safe: the server confines it to one event loop.
final class CallCenterModel {
    let configuration: SimulatorConfiguration
    let directory: Directory
    let start: Micros
    let end: Micros
    /// When the simulated CTI server started: the `availability_since` of agents who have not
    /// logged in yet (the real server stamps its status templates at import time).
    let boot: Micros
    /// The current simulated instant: the time of the event being processed, or the instant the
    /// server advanced the model to.
    private(set) var now: Micros
    private(set) var finished = false
    /// Whether channel statuses exist on the wire (protocol 1.2 / XiVO <= 15.18).
    let emitsChannels: Bool

    var rng: Xoshiro256
    var events = EventQueue<ModelEvent>()
    /// Messages produced since the server last drained them.
    var outbox: [OutMessage] = []
    let truth: LineSink
    /// The queue_log's lines (`Model+QueueLog.swift`).
    let queueLog: LineSink
    /// The queue_log's own uniqueid counter, apart from the wire's.
    var queueLogSequence = 0

    var agents: [AgentRuntime]
    /// Per agent (index = id - 1): its member state in every queue it belongs to.
    var members: [MemberTable]
    /// Per queue (index = id - 1): its member agents' ids, ascending.
    var queueMembers: [[Int]]
    var queues: [QueueRuntime]
    var phones: [PhoneRuntime]
    /// Per user (index = id - 1): presence (`availstate`) and CTI connection count.
    var presence: [String]
    var connections: [Int]
    var channels: [String: ChannelRuntime] = [:]
    var calls: [Int: CallRuntime] = [:]
    var visits: [Int: VisitRuntime] = [:]
    /// Agents that let a given visit ring out, so it tries someone else first.
    var refused: [Int: Set<Int>] = [:]
    var nextCallId = 1
    var nextVisitId = 1
    /// Asterisk's channel name suffix counter (shared by all channels, hex on the wire).
    var channelSequence: UInt32
    var uniqueSequence: Int
    /// Callers seen today (number, name): some call again, and abandoned ones call back.
    var callerPool: [(String, String)] = []
    /// Counters for reports and tests.
    private(set) var processedEvents = 0

    // Traffic parameters (per second). See `scheduleInitialEvents` for why these values.
    let arrivalPeak: [Double]
    let outboundRatePerAgent: Double
    let outboundRatePerBackOffice: Double
    let internalRatePerUser: Double
    let inboundDirectRate: Double

    init(configuration c: SimulatorConfiguration, truth: LineSink, queueLog: LineSink = LineDiscard()) {
        configuration = c
        self.truth = truth
        self.queueLog = queueLog
        var directoryRNG = Xoshiro256(seed: c.seed, stream: 1)
        directory = Directory.generate(configuration: c, rng: &directoryRNG)
        rng = Xoshiro256(seed: c.seed, stream: 2)
        start = c.start
        end = c.start + max(0, c.duration)
        boot = c.start - 3600 * SimTime.second
        now = c.start
        emitsChannels = c.protocolVersion.isLegacy
        channelSequence = UInt32(0x100 + rng.below(0x700))
        uniqueSequence = 1 + rng.below(500)

        agents = directory.agents.map { AgentRuntime(since: c.start - 3600 * SimTime.second, queues: $0.initialQueues) }
        members = directory.agents.map { MemberTable(queues: $0.initialQueues) }
        let agentDefinitions = directory.agents
        queueMembers = directory.queues.map { q in agentDefinitions.filter { $0.initialQueues.contains(q.id) }.map(\.id) }
        queues = Array(repeating: QueueRuntime(), count: directory.queues.count)
        phones = Array(repeating: PhoneRuntime(), count: directory.phones.count)
        presence = Array(repeating: "disconnected", count: directory.users.count)
        connections = Array(repeating: 0, count: directory.users.count)
        for i in agents.indices {
            agents[i].truthSince = c.start
        }

        // Size the traffic to the staff: an agent handles about 3600 / (talk + wrap-up + ring)
        // ~ 17 calls an hour; aim at ~85 % of the ~65 % of agents logged in and not paused.
        let weights = directory.queues.map(\.loadWeight)
        let total = weights.reduce(0, +)
        let callsPerSecond = max(0.002, 0.85 * 0.65 * Double(directory.agents.count) * 17 / 3600)
        // `--load-factor` scales every kind of call alike.
        let load = c.loadFactor > 0 && c.loadFactor.isFinite ? c.loadFactor : 1
        arrivalPeak = weights.map { callsPerSecond * $0 / total * DayProfile.peak * load }
        inboundDirectRate = (Double(directory.backOfficeUserIds.count) * 3 + Double(directory.agents.count) * 0.3) / 3600 * load
        outboundRatePerAgent = 0.8 / 3600 * load
        outboundRatePerBackOffice = 2.0 / 3600 * load
        internalRatePerUser = 0.4 / 3600 * load

        writeMeta()
        queueLogStart()
        scheduleInitialEvents()
    }

    // MARK: - Running

    var nextEventTime: Micros? { events.nextTime }

    /// Processes events due at or before `limit` (never past the end of the day), at most
    /// `maxEvents` of them. Returns true when it stopped because of `maxEvents` with events still
    /// due. When none are left due, the clock moves to `limit`, and finishing the day at `end`.
    @discardableResult
    func advance(until limit: Micros, maxEvents: Int = .max) -> Bool {
        guard !finished else { return false }
        let bound = min(limit, end)
        var done = 0
        while let t = events.nextTime, t <= bound {
            if done >= maxEvents { return true }
            guard let (time, event) = events.pop() else { break }
            now = time
            handle(event)
            done += 1
            processedEvents += 1
        }
        if bound > now { now = bound }
        if bound >= end { finish() }
        return false
    }

    func schedule(_ event: ModelEvent, at time: Micros) {
        // Past the end of the day nothing runs: no need to keep it.
        guard time <= end else { return }
        events.push(event, at: max(time, now))
    }

    func schedule(_ event: ModelEvent, after seconds: Double) {
        schedule(event, at: now + SimTime.fromSeconds(seconds))
    }

    private func handle(_ event: ModelEvent) {
        switch event {
        case .plan(let agent, let action): applyPlan(agent: agent, action: action)
        case .arrival(let q): arrivalCandidate(queue: q)
        case .retry(let q, let number, let name): startACDCall(queue: q, number: number, name: name)
        case .patience(let visit): abandon(visit: visit)
        case .acdAnswer(let call, let token): acdAnswer(call: call, token: token)
        case .acdRingTimeout(let call, let token): acdRingTimeout(call: call, token: token)
        case .acdHangup(let call): acdHangup(call: call)
        case .wrapupEnd(let agent, let token): wrapupEnd(agent: agent, token: token)
        case .outboundAttempt(let user): outboundAttempt(user: user)
        case .internalAttempt(let user): internalAttempt(user: user)
        case .inboundAttempt: inboundAttempt()
        case .calleeAnswer(let call, let token): calleeAnswer(call: call, token: token)
        case .calleeNoAnswer(let call, let token): calleeNoAnswer(call: call, token: token)
        case .callHangup(let call): hangupCall(call: call)
        case .membership(let agent, let queue, let add): changeMembership(agent: agent, queue: queue, add: add)
        }
    }

    private func scheduleInitialEvents() {
        let duration = end - start
        guard duration > 0 else { return }
        for a in directory.agents {
            for (time, action) in ShiftPlanner.plan(rng: &rng, start: start, duration: duration) {
                schedule(.plan(agent: a.id, action: action), at: time)
            }
        }
        for q in directory.queues {
            scheduleNextArrival(queue: q.id)
        }
        for u in directory.users where u.phoneId != nil {
            let rate = u.agentId == nil ? outboundRatePerBackOffice : outboundRatePerAgent
            schedule(.outboundAttempt(user: u.id), after: rng.exponential(mean: 1 / rate))
            schedule(.internalAttempt(user: u.id), after: rng.exponential(mean: 1 / internalRatePerUser))
        }
        schedule(.inboundAttempt, after: rng.exponential(mean: 1 / inboundDirectRate))
        // A supervisor moves a few agents into another queue mid-day and back later: the
        // partial `{"queues":[...]}` agent statuses and queue member add/delete messages.
        if directory.queues.count > 1 {
            for _ in 0..<max(1, directory.agents.count / 10) where !directory.agents.isEmpty {
                let agent = directory.agents[rng.below(directory.agents.count)]
                let queue = rng.below(directory.queues.count) + 1
                let d = Double(duration) / 1e6
                let added = rng.uniform(0.2, 0.6) * d
                schedule(.membership(agent: agent.id, queue: queue, add: true), at: start + SimTime.fromSeconds(added))
                schedule(.membership(agent: agent.id, queue: queue, add: false),
                         at: start + SimTime.fromSeconds(rng.uniform(0.65, 0.9) * d))
            }
        }
    }

    // MARK: - Emitting

    @inline(__always)
    func emit(_ body: JSONObject, to audience: Audience = .everyone) {
        outbox.append(OutMessage(time: now, audience: audience, body: body))
    }

    func userName(phone: Int) -> String {
        let p = directory.phone(phone)
        return directory.user(p.userId).fullname + " (" + p.number + ")"
    }

    // MARK: - End of day

    private func finish() {
        guard !finished else { return }
        finished = true
        now = end
        for (i, a) in agents.enumerated() {
            truth.record([
                "type": "agent_state", "agent_id": .string(String(i + 1)),
                "agent_number": .string(directory.agents[i].number), "state": .string(a.truthState),
                "start": Wire.time(a.truthSince), "end": Wire.time(end), "open": true,
            ])
        }
        for q in queues.indices {
            for v in queues[q].waiting {
                guard let visit = visits[v] else { continue }
                recordVisit(visit, leave: nil, outcome: "unknown", agent: nil)
            }
        }
        for id in calls.keys.sorted() {
            guard let call = calls[id] else { continue }
            recordCall(call, end: nil)
        }
        truth.record(["type": "end", "time": Wire.time(end)])
    }

    private func writeMeta() {
        let d = directory
        truth.record([
            "type": "meta", "schema": 1, "seed": .int(Int64(bitPattern: configuration.seed)),
            "protocol": .string(configuration.protocolVersion.rawValue),
            "start": Wire.time(start), "end": Wire.time(end),
            "start_iso": .string(ISO8601Instant.format(micros: start, utcOffsetSeconds: configuration.utcOffsetSeconds)),
            "utc_offset_s": .int(Int64(configuration.utcOffsetSeconds)),
            "queues": .array(d.queues.map {
                ["id": .string(String($0.id)), "name": .string($0.name), "number": .string($0.number),
                 "wrapup_s": .int(Int64($0.wrapupSeconds))]
            }),
            "agents": .array(d.agents.map {
                ["id": .string(String($0.id)), "number": .string($0.number), "user_id": .string(String($0.userId)),
                 "phone_id": .string(String($0.phoneId)), "queues": Wire.strings($0.initialQueues)]
            }),
            "users": .array(d.users.map {
                ["id": .string(String($0.id)), "fullname": .string($0.fullname),
                 "phone_id": $0.phoneId.map { .string(String($0)) } ?? .null,
                 "agent_id": $0.agentId.map { .string(String($0)) } ?? .null]
            }),
            "phones": .array(d.phones.map {
                ["id": .string(String($0.id)), "identity": .string($0.identity), "number": .string($0.number),
                 "user_id": .string(String($0.userId))]
            }),
        ])
    }

    func recordVisit(_ v: VisitRuntime, leave: Micros?, outcome: String, agent: Int?) {
        var r: JSONObject = [
            "type": "queue_visit", "queue_id": .string(String(v.queueId)),
            "queue_name": .string(directory.queue(v.queueId).name), "uniqueid": .string(v.uniqueid),
            "call_id": .int(Int64(v.callId)), "caller_number": .string(v.number), "caller_name": .string(v.name),
            "join": Wire.time(v.join),
        ]
        if let leave {
            r["leave"] = Wire.time(leave)
            // The difference of the two wire values, exactly as a reader of the wire computes it.
            r["wait_s"] = .double(SimTime.seconds(leave) - SimTime.seconds(v.join))
        } else {
            r["leave"] = .null
            r["wait_s"] = .null
        }
        r["outcome"] = .string(outcome)
        r["agent_id"] = agent.map { .string(String($0)) } ?? .null
        truth.record(r)
    }

    func recordCall(_ c: CallRuntime, end: Micros?) {
        let direction: String
        switch c.kind {
        case .acd, .inboundDirect: direction = "inbound"
        case .outbound: direction = "outbound"
        case .internalCall: direction = "internal"
        }
        let kind: String
        var queueId: JSONValue = .null
        switch c.kind {
        case .acd(let q):
            kind = "acd"
            queueId = .string(String(q))
        case .inboundDirect: kind = "inbound"
        case .outbound: kind = "outbound"
        case .internalCall: kind = "internal"
        }
        let answered = c.answer != nil
        let rangUsers = c.rangPhones.map { directory.phone($0).userId }
        var r: JSONObject = [
            "type": "call", "call_id": .int(Int64(c.id)), "kind": .string(kind), "direction": .string(direction),
            "queue_id": queueId, "caller_number": .string(c.callerNumber), "caller_name": .string(c.callerName),
            "channels": .array(c.channels.map { .string($0) }), "start": Wire.time(c.start),
            "ring": c.firstRing.map(Wire.time) ?? .null, "answer": c.answer.map(Wire.time) ?? .null,
            "end": end.map(Wire.time) ?? .null, "answered": .bool(answered),
            "rang_phones": Wire.strings(c.rangPhones), "rang_users": Wire.strings(rangUsers),
            "answered_by_phone": c.answeredByPhone.map { .string(String($0)) } ?? .null,
            "answered_by_user": c.answeredByPhone.map { .string(String(directory.phone($0).userId)) } ?? .null,
            "missed_users": answered || direction == "outbound" ? [] : Wire.strings(rangUsers),
        ]
        if end == nil { r["open"] = true }
        truth.record(r)
    }
}
