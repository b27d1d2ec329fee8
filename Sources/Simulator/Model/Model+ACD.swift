import CTIProtocol

// Queue calls: arrivals, the waiting list, distribution to agents, ringing, answer, hang-up,
// abandon. The visible sequence per call follows the real server: channel statuses
// (innerdata/AMI 1.8 handlers), queue entries and waiting counts (QueueEntryManager), agent
// statuses (AgentStatusManager), member states and summaries (queue member updater and
// QueueStatisticsManager).

extension CallCenterModel {
    // MARK: Arrivals (non-homogeneous Poisson process by thinning)

    func scheduleNextArrival(queue: Int) {
        schedule(.arrival(queue: queue), after: rng.exponential(mean: 1 / arrivalPeak[queue - 1]))
    }

    func arrivalCandidate(queue: Int) {
        scheduleNextArrival(queue: queue)
        // Thinning to the day's profile; held at the peak, every candidate is a call.
        if !configuration.holdPeak {
            let x = Double(now - start) / Double(end - start)
            guard rng.chance(DayProfile.multiplier(at: x) / DayProfile.peak) else { return }
        }
        let (number, name) = nextCaller()
        startACDCall(queue: queue, number: number, name: name)
    }

    func nextCaller() -> (String, String) {
        if !callerPool.isEmpty, rng.chance(0.12) {
            return callerPool[rng.below(callerPool.count)]
        }
        let prefix = rng.pick(["01", "02", "03", "04", "05", "06", "06", "07", "09"])
        var number = prefix
        for _ in 0..<8 { number.append(Character(Unicode.Scalar(UInt8(48 + rng.below(10))))) }
        // Asterisk reports a missing caller name as "unknown".
        let name = rng.chance(0.12) ? "unknown" : rng.pick(Names.first) + " " + rng.pick(Names.last)
        if callerPool.count < 20_000 { callerPool.append((number, name)) }
        return (number, name)
    }

    // MARK: Channels

    func newChannelName(_ peer: String) -> String {
        channelSequence &+= 1
        var hex = String(channelSequence, radix: 16)
        if hex.count < 8 { hex = String(repeating: "0", count: 8 - hex.count) + hex }
        return peer + "-" + hex
    }

    /// Newchannel: the phone's channel list changes first (a partial phone status), then the
    /// channel's own status.
    func createChannel(_ name: String, phone: Int?, call: CallRuntime, state: String) {
        channels[name] = ChannelRuntime(name: name, phoneId: phone, callId: call.id, state: state, timestamp: now)
        call.liveChannels += 1
        if !call.channels.contains(name) { call.channels.append(name) }
        if let phone {
            phones[phone - 1].channels.append(name)
            if emitsChannels {
                emit(Wire.updateStatus("phones", tid: .string(String(phone)),
                                       status: ["channels": .array(phones[phone - 1].channels.map { .string($0) })]))
            }
        }
        pushChannel(name, withPhone: false)
    }

    /// `innerdata.update(channel)`: the channel's non-null properties, then (setforce) the
    /// full status of its phone. A new channel (`newchannel`) sends only its own status.
    func pushChannel(_ name: String, withPhone: Bool = true) {
        guard emitsChannels, let c = channels[name] else { return }
        emit(Wire.updateStatus("channels", tid: .string(name), status: .object(Wire.channelPush(c))))
        if withPhone, let phone = c.phoneId {
            emit(Wire.updateStatus("phones", tid: .string(String(phone)), status: .object(Wire.phoneStatus(phones[phone - 1]))))
        }
    }

    /// Dial Begin: the caller's side is `calling` (direction out), the called side `ringing`
    /// (direction in); each points at the other, with the called user's display name.
    func dial(from caller: String, to callee: String) {
        guard var a = channels[caller], var b = channels[callee] else { return }
        a.direction = "out"
        a.commstatus = "calling"
        a.timestamp = now
        a.talkingtoKind = "channel"
        a.talkingtoId = callee
        a.peerdisplay = b.phoneId.map { userName(phone: $0) }
        b.direction = "in"
        b.commstatus = "ringing"
        b.state = "Ringing"
        b.timestamp = now
        b.talkingtoKind = "channel"
        b.talkingtoId = caller
        b.peerdisplay = a.phoneId.map { userName(phone: $0) }
        channels[caller] = a
        channels[callee] = b
        pushChannel(caller)
        pushChannel(callee)
        if let call = calls[b.callId] {
            if call.firstRing == nil { call.firstRing = now }
            if let p = b.phoneId, !call.rangPhones.contains(p) { call.rangPhones.append(p) }
        }
    }

    /// Bridge Link: both sides up, `linked-caller` / `linked-called`.
    func link(caller: String, callee: String) {
        guard var a = channels[caller], var b = channels[callee] else { return }
        a.commstatus = "linked-caller"
        a.state = "Up"
        a.timestamp = now
        b.commstatus = "linked-called"
        b.state = "Up"
        b.timestamp = now
        channels[caller] = a
        channels[callee] = b
        pushChannel(caller)
        pushChannel(callee)
        if let call = calls[b.callId], call.answer == nil {
            call.answer = now
            call.answeredByPhone = b.phoneId
        }
    }

    /// Hangup: the phone's full status without the channel, then `delconfig`.
    func hangup(_ name: String) {
        guard let c = channels.removeValue(forKey: name) else { return }
        if let phone = c.phoneId {
            phones[phone - 1].channels.removeAll { $0 == name }
            if emitsChannels {
                emit(Wire.updateStatus("phones", tid: .string(String(phone)), status: .object(Wire.phoneStatus(phones[phone - 1]))))
            }
        }
        if emitsChannels { emit(Wire.listChange("channels", "delconfig", ids: [name])) }
        if let call = calls[c.callId] {
            call.liveChannels -= 1
            if call.liveChannels == 0 {
                calls[c.callId] = nil
                recordCall(call, end: now)
            }
        }
    }

    // MARK: Queue entries

    func publishEntries(queue: Int) {
        let entries = queues[queue - 1].waiting.compactMap { visits[$0] }
        emit(Wire.queueEntryUpdate(queue: directory.queue(queue), entries: entries), to: .queueEntrySubscribers(queueId: queue))
    }

    /// `Xivo-WaitingCalls`, plus `Xivo-LongestWaitTime` (whole seconds, truncated) when someone waits.
    func waitingValues(queue: Int) -> [(String, JSONValue)] {
        let waiting = queues[queue - 1].waiting
        var values: [(String, JSONValue)] = [("Xivo-WaitingCalls", .int(Int64(waiting.count)))]
        if let oldest = waiting.compactMap({ visits[$0]?.join }).min() {
            values.append(("Xivo-LongestWaitTime", .int((now - oldest) / SimTime.second)))
        }
        return values
    }

    func startACDCall(queue: Int, number: String, name: String) {
        let callId = nextCallId
        nextCallId += 1
        let trunk = newChannelName("SIP/trunk")
        let call = CallRuntime(id: callId, kind: .acd(queueId: queue), callerNumber: number, callerName: name,
                               start: now, callerChannel: trunk)
        calls[callId] = call
        createChannel(trunk, phone: nil, call: call, state: "Ring")
        // The queue answers the caller (music on hold): Newstate Up, which the server records
        // without pushing it; the next update of the channel shows it.
        channels[trunk]?.state = "Up"

        let visitId = nextVisitId
        nextVisitId += 1
        uniqueSequence += 1
        let visit = VisitRuntime(id: visitId, queueId: queue, callId: callId,
                                 uniqueid: "\(SimTime.wholeSeconds(now)).\(uniqueSequence)",
                                 number: number, name: name, join: now, position: queues[queue - 1].waiting.count + 1)
        queueLogEnter(visit, queue: queue)
        visits[visitId] = visit
        call.visitId = visitId
        queues[queue - 1].waiting.append(visitId)
        queues[queue - 1].hadEntries = true
        publishEntries(queue: queue)
        pushStats(queue: queue, waitingValues(queue: queue))

        // Patience: most callers wait a minute or two; a few hang up within seconds.
        let patience = rng.chance(0.08) ? rng.uniform(1, 5) : 3 + rng.exponential(mean: 85)
        schedule(.patience(visit: visitId), after: patience)
        dispatch()
    }

    /// Leaves the waiting list (answered or abandoned) and publishes the change.
    private func leaveQueue(_ visit: VisitRuntime) {
        let q = visit.queueId
        queues[q - 1].waiting.removeAll { $0 == visit.id }
        visits[visit.id] = nil
        refused[visit.id] = nil
        publishEntries(queue: q)
        pushStats(queue: q, waitingValues(queue: q))
    }

    // MARK: Distribution ("leastrecent": the idle member who finished a call longest ago)

    func dispatch() {
        while true {
            var best: (visit: VisitRuntime, agent: Int)?
            for q in directory.queues {
                for v in queues[q.id - 1].waiting {
                    guard let visit = visits[v], visit.ringingAgent == nil else { continue }
                    if let current = best, current.visit.join <= visit.join { break }
                    if let agent = pickAgent(queue: q.id, visit: visit.id) { best = (visit, agent) }
                    break  // only the head of each queue that is not already ringing someone
                }
            }
            guard let (visit, agent) = best else { return }
            ring(visit: visit, agent: agent)
        }
    }

    private func pickAgent(queue: Int, visit: Int) -> Int? {
        let refusedBy = refused[visit] ?? []
        var chosen: Int?
        var chosenIdle = Micros.max
        for a in queueMembers[queue - 1] where availableForACD(a, queue: queue) && !refusedBy.contains(a) {
            let idle = agents[a - 1].idleSince
            if idle < chosenIdle {
                chosen = a
                chosenIdle = idle
            }
        }
        if chosen == nil, !refusedBy.isEmpty {
            // Everyone free let it ring out once: start the round again.
            refused[visit] = nil
            for a in queueMembers[queue - 1] where availableForACD(a, queue: queue) {
                let idle = agents[a - 1].idleSince
                if idle < chosenIdle {
                    chosen = a
                    chosenIdle = idle
                }
            }
        }
        return chosen
    }

    private func ring(visit: VisitRuntime, agent: Int) {
        guard let call = calls[visit.callId] else { return }
        visits[visit.id]?.ringingAgent = agent
        visits[visit.id]?.ringStart = now
        call.agentId = agent
        call.token += 1
        let phone = directory.agent(agent).phoneId
        let chan = newChannelName(directory.phone(phone).identity)
        call.calleeChannel = chan
        call.calleePhone = phone
        createChannel(chan, phone: phone, call: call, state: "Down")
        dial(from: call.callerChannel, to: chan)
        phoneChanged(phone)
        if rng.chance(0.95) {
            schedule(.acdAnswer(call: call.id, token: call.token), after: rng.uniform(1.5, 7))
        } else {
            schedule(.acdRingTimeout(call: call.id, token: call.token), after: 15)
        }
    }

    func acdAnswer(call callId: Int, token: Int) {
        guard let call = calls[callId], call.token == token, let visitId = call.visitId,
              let visit = visits[visitId], let agent = call.agentId, let chan = call.calleeChannel,
              case .acd(let q) = call.kind
        else { return }
        queueLogConnect(visit, agent: agent)
        call.queueLogID = visit.uniqueid
        call.queueJoin = visit.join
        call.queuePosition = visit.position
        // The caller leaves the queue at the answer instant...
        leaveQueue(visit)
        // ...Asterisk's hold-time estimate, in whole seconds as app_queue keeps it...
        let waited = Int(SimTime.wholeSeconds(now) - SimTime.wholeSeconds(visit.join))
        queues[q - 1].holdtime = (3 * queues[q - 1].holdtime + waited) / 4
        queues[q - 1].history.append(VisitHistory(join: visit.join, end: now, answered: true, wait: now - visit.join))
        recordVisit(visit, leave: now, outcome: "answered", agent: agent)
        call.visitId = nil
        // ...and the agent is on an ACD call from that same instant (AgentConnect).
        agents[agent - 1].onCallAcd = true
        recomputeAgent(agent)
        link(caller: call.callerChannel, callee: chan)
        phoneChanged(directory.agent(agent).phoneId)
        call.token += 1
        schedule(.acdHangup(call: callId), after: max(8, rng.erlang(k: 3, mean: 170)))
    }

    func acdRingTimeout(call callId: Int, token: Int) {
        guard let call = calls[callId], call.token == token, let visitId = call.visitId,
              let agent = call.agentId, let chan = call.calleeChannel
        else { return }
        if let visit = visits[visitId] { queueLogRingNoAnswer(visit, agent: agent) }
        call.token += 1
        call.agentId = nil
        call.calleeChannel = nil
        visits[visitId]?.ringingAgent = nil
        refused[visitId, default: []].insert(agent)
        hangup(chan)
        phoneChanged(directory.agent(agent).phoneId)
        applyPending(agent)
        dispatch()
    }

    func abandon(visit visitId: Int) {
        guard let visit = visits[visitId], let call = calls[visit.callId] else { return }
        queueLogAbandon(visit)
        leaveQueue(visit)
        queues[visit.queueId - 1].history.append(VisitHistory(join: visit.join, end: now, answered: false, wait: now - visit.join))
        recordVisit(visit, leave: now, outcome: "abandoned", agent: nil)
        call.visitId = nil
        call.token += 1
        var freed: Int?
        if let chan = call.calleeChannel, let agent = call.agentId {
            hangup(chan)
            freed = agent
            phoneChanged(directory.agent(agent).phoneId)
        }
        hangup(call.callerChannel)
        if let freed { applyPending(freed) }
        dispatch()
    }

    func acdHangup(call callId: Int) {
        guard let call = calls[callId], let agent = call.agentId, let chan = call.calleeChannel,
              case .acd(let q) = call.kind
        else { return }
        let phone = directory.agent(agent).phoneId
        // Asterisk counts the call before it reports the member idle again, so the member
        // update that follows carries the new counters.
        members[agent - 1][q]?.callsTaken += 1
        members[agent - 1][q]?.lastCall = now
        if rng.chance(0.5) {
            queueLogComplete(call, queue: q, agent: agent, agentHungUp: true)
            hangup(chan)
            hangup(call.callerChannel)
        } else {
            queueLogComplete(call, queue: q, agent: agent, agentHungUp: false)
            hangup(call.callerChannel)
            hangup(chan)
        }
        phoneChanged(phone)
        // AgentComplete: wrap-up when the queue has one, else straight back.
        let wrapup = directory.queue(q).wrapupSeconds
        let i = agent - 1
        agents[i].idleSince = now
        if wrapup > 0 && agents[i].loggedIn {
            queueLogWrapup(call, queue: q, agent: agent, seconds: wrapup)
            agents[i].onWrapup = true
            agents[i].onCallAcd = false
            agents[i].wrapupToken += 1
            recomputeAgent(agent)
            schedule(.wrapupEnd(agent: agent, token: agents[i].wrapupToken), after: Double(wrapup))
        } else {
            agents[i].onCallAcd = false
            recomputeAgent(agent)
        }
        applyPending(agent)
        dispatch()
    }
}
