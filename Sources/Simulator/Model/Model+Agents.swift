import CTIProtocol

// Agents: logins, logouts, pauses, the availability computation, and what Asterisk reports
// about queue members. Message sequences follow xivo_cti's services/agent (status manager,
// availability computer/updater/notifier, status router) and services/queue_member.

extension CallCenterModel {
    // MARK: Availability (xivo_cti AgentAvailabilityComputer)

    func completelyPaused(_ agent: Int) -> Bool {
        let m = members[agent - 1]
        return !m.isEmpty && m.entries.allSatisfy(\.member.paused)
    }

    private func computeAvailability(_ agent: Int) -> String {
        let a = agents[agent - 1]
        if !a.loggedIn { return "logged_out" }
        if a.onCallAcd { return "unavailable" }
        if let n = a.nonAcd {
            return "on_call_nonacd_" + (n.incoming ? "incoming" : "outgoing") + (n.isInternal ? "_internal" : "_external")
        }
        if completelyPaused(agent) { return "unavailable" }
        if a.onWrapup { return "unavailable" }
        return "available"
    }

    /// `compute()` then notify: `availability_since` moves only when availability changes,
    /// and the full status goes out (integer `tid`) every time, changed or not.
    func recomputeAgent(_ agent: Int) {
        let i = agent - 1
        let availability = computeAvailability(agent)
        if availability != agents[i].availability {
            agents[i].availability = availability
            agents[i].availabilitySince = now
        }
        emit(Wire.updateStatus("agents", tid: .int(Int64(agent)), status: .object(Wire.agentStatus(agents[i]))))
        updateAgentTruth(agent)
    }

    /// metrics.md: the first state that applies.
    private func metricsState(_ a: AgentRuntime) -> String {
        if a.availability == "logged_out" { return "logged_out" }
        if a.onCallAcd { return "acd_call" }
        if a.onWrapup { return "wrapup" }
        if a.availability.hasPrefix("on_call_nonacd") { return "nonacd_call" }
        if a.availability == "unavailable" { return "paused" }
        return "available"
    }

    private func updateAgentTruth(_ agent: Int) {
        let i = agent - 1
        let state = metricsState(agents[i])
        guard state != agents[i].truthState else { return }
        // The wire's event time for this change: availability_since when availability changed
        // (it was just set to `now`), else the message's timenow, which is `now` too.
        if now > agents[i].truthSince {
            truth.record([
                "type": "agent_state", "agent_id": .string(String(agent)),
                "agent_number": .string(directory.agent(agent).number),
                "state": .string(agents[i].truthState),
                "start": Wire.time(agents[i].truthSince), "end": Wire.time(now),
            ])
        }
        agents[i].truthState = state
        agents[i].truthSince = now
    }

    // MARK: Queue members and statistics

    func pushStats(queue: Int, _ values: [(String, JSONValue)], trigger: StatTrigger = .push, conn: Int? = nil) {
        if trigger == .push { emit(Wire.queueStats(queueId: queue, values), to: .queueStatsSubscribers) }
        recordStats(queue: queue, values, trigger: trigger, conn: conn)
    }

    /// One `queue_stat` truth record per value. This is the most frequent record by far (every
    /// queue summary makes three), so its line is written directly rather than through a
    /// JSONObject; the values themselves still go through the wire's serialiser.
    func recordStats(queue: Int, _ values: [(String, JSONValue)], trigger: StatTrigger, conn: Int?) {
        for (key, value) in values {
            truth.write { out in
                out.append(contentsOf: #"{"type":"queue_stat","queue_id":""#.utf8)
                out.append(contentsOf: String(queue).utf8)
                out.append(contentsOf: #"","key":"#.utf8)
                JSON.serialize(.string(key), into: &out)
                out.append(contentsOf: #","time":"#.utf8)
                JSON.serialize(Wire.time(now), into: &out)
                out.append(contentsOf: #","value":"#.utf8)
                JSON.serialize(value, into: &out)
                out.append(contentsOf: #","trigger":""#.utf8)
                out.append(contentsOf: trigger.rawValue.utf8)
                out.append(UInt8(ascii: "\""))
                if let conn {
                    out.append(contentsOf: #","conn":"#.utf8)
                    out.append(contentsOf: String(conn).utf8)
                }
                out.append(UInt8(ascii: "}"))
            }
        }
    }

    /// Asterisk's QueueSummary as the CTI server relays it: strings, one message per queue.
    /// Available: logged-in members idle, not paused and not in wrap-up; Talking: members whose
    /// device is in use; EWT: the queue's hold-time estimate.
    func summaryValues(queue: Int) -> [(String, JSONValue)] {
        var available = 0, talking = 0
        for a in queueMembers[queue - 1] {
            guard agents[a - 1].loggedIn, let m = members[a - 1][queue] else { continue }
            if m.status == "1", !m.paused, !agents[a - 1].onWrapup { available += 1 }
            if m.status == "2" || m.status == "7" { talking += 1 }
        }
        return [
            ("Xivo-AvailableAgents", .string(String(available))),
            ("Xivo-EWT", .string(String(queues[queue - 1].holdtime))),
            ("Xivo-TalkingAgents", .string(String(talking))),
        ]
    }

    func pushSummary(queue: Int) { pushStats(queue: queue, summaryValues(queue: queue)) }

    func loggedAgentsValues(queue: Int) -> [(String, JSONValue)] {
        var n = 0
        for a in queueMembers[queue - 1] where agents[a - 1].loggedIn { n += 1 }
        return [("Xivo-LoggedAgents", .int(Int64(n)))]
    }

    func pushLoggedAgents(queue: Int) { pushStats(queue: queue, loggedAgentsValues(queue: queue)) }

    /// Sends a member's config when Asterisk's view of it changed (QueueMemberUpdater).
    func updateMember(agent: Int, queue: Int, _ change: (inout MemberRuntime) -> Void) -> Bool {
        guard var m = members[agent - 1][queue] else { return false }
        let before = (m.callsTaken, m.lastCall, m.paused, m.status, m.penalty)
        change(&m)
        members[agent - 1][queue] = m
        guard before != (m.callsTaken, m.lastCall, m.paused, m.status, m.penalty) else { return false }
        emitMemberConfig(agent: agent, queue: queue)
        return true
    }

    func emitMemberConfig(agent: Int, queue: Int) {
        guard let m = members[agent - 1][queue] else { return }
        let config = Wire.memberConfig(queue: directory.queue(queue), agent: directory.agent(agent), m,
                                       utcOffsetSeconds: configuration.utcOffsetSeconds)
        emit(Wire.updateConfig("queuemembers", tid: .string(directory.memberId(agent: agent, queue: queue)),
                               config: .object(config)))
    }

    /// Asterisk device state of an agent's phone as a queue member status.
    func deviceStatus(phone: Int) -> String {
        var ringing = false, inUse = false
        for name in phones[phone - 1].channels {
            if channels[name]?.commstatus == "ringing" { ringing = true } else { inUse = true }
        }
        return ringing ? (inUse ? "7" : "6") : (inUse ? "2" : "1")
    }

    /// After any change to a phone's channels: its hint, and for a logged-in agent the queue
    /// member states (QueueMemberStatus, each followed by a QueueSummary) and the endpoint
    /// status routed to the agent (device in use / not in use).
    func phoneChanged(_ phone: Int) {
        let status = deviceStatus(phone: phone)
        let hint: String
        switch status {
        case "6": hint = "8"
        case "7": hint = "9"
        case "2": hint = "1"
        default: hint = "0"
        }
        if hint != phones[phone - 1].hint {
            phones[phone - 1].hint = hint
            emit(Wire.updateStatus("phones", tid: .string(String(phone)), status: ["hintstatus": .string(hint)]))
        }
        guard let agent = directory.user(directory.phone(phone).userId).agentId, agents[agent - 1].loggedIn else { return }
        for q in agents[agent - 1].queues where updateMember(agent: agent, queue: q, { $0.status = status }) {
            pushSummary(queue: q)
        }
        routeEndpoint(agent: agent, phone: phone)
    }

    /// AgentStatusRouter: a talking endpoint sets the non-ACD call status (even during an ACD
    /// call, where on_call_acd takes precedence), an idle one clears it; ringing does nothing.
    /// Only changes are routed, except on login where subscribing routes the current state.
    func routeEndpoint(agent: Int, phone: Int, force: Bool = false) {
        let chans = phones[phone - 1].channels.compactMap { channels[$0] }
        let talkingChannel = chans.first { $0.commstatus != "ringing" }
        let endpoint = talkingChannel != nil ? "talking" : (chans.isEmpty ? "available" : "ringing")
        let i = agent - 1
        guard force || endpoint != agents[i].endpoint else { return }
        agents[i].endpoint = endpoint
        switch endpoint {
        case "ringing":
            return
        case "talking":
            var isInternal = false
            if let first = talkingChannel, let call = calls[first.callId], call.kind == .internalCall { isInternal = true }
            agents[i].nonAcd = (incoming: talkingChannel?.direction == "in", isInternal: isInternal)
        default:
            agents[i].nonAcd = nil
        }
        recomputeAgent(agent)
    }

    func phoneIdle(_ phone: Int) -> Bool { phones[phone - 1].channels.isEmpty }

    /// Free for an ACD call: logged in, not paused there, not in wrap-up, phone idle.
    func availableForACD(_ agent: Int, queue: Int) -> Bool {
        let a = agents[agent - 1]
        guard a.loggedIn, !a.onWrapup, !a.onCallAcd, !a.pendingLogout,
              let m = members[agent - 1][queue], !m.paused
        else { return false }
        return phoneIdle(directory.agent(agent).phoneId)
    }

    /// Not on a call, not ringing, not in wrap-up: a plan action can run now.
    func agentFree(_ agent: Int) -> Bool {
        let a = agents[agent - 1]
        return !a.onCallAcd && phoneIdle(directory.agent(agent).phoneId)
    }

    // MARK: Plan actions

    func applyPlan(agent: Int, action: PlanAction) {
        let i = agent - 1
        switch action {
        case .login:
            // Back before a postponed logout could happen: the agent never left.
            if agents[i].pendingLogout {
                agents[i].pendingLogout = false
            } else {
                login(agent)
            }
        case .logout:
            if agentFree(agent) { logout(agent) } else { agents[i].pendingLogout = true }
        case .pause:
            if !agents[i].loggedIn { return }
            if agents[i].pendingUnpause {
                agents[i].pendingUnpause = false  // still paused: the two cancel out
            } else if agentFree(agent) {
                pause(agent)
            } else {
                agents[i].pendingPause = true
            }
        case .unpause:
            if agents[i].pendingPause {
                agents[i].pendingPause = false  // never paused: the two cancel out
            } else if agentFree(agent) {
                unpause(agent)
            } else {
                agents[i].pendingUnpause = true
            }
        }
    }

    /// Runs what an agent postponed while busy, once it is free.
    func applyPending(_ agent: Int) {
        guard agentFree(agent) else { return }
        let i = agent - 1
        if agents[i].pendingLogout {
            agents[i].pendingLogout = false
            agents[i].pendingPause = false
            agents[i].pendingUnpause = false
            logout(agent)
        } else if agents[i].pendingPause {
            agents[i].pendingPause = false
            pause(agent)
        } else if agents[i].pendingUnpause {
            agents[i].pendingUnpause = false
            unpause(agent)
        }
    }

    private func login(_ agent: Int) {
        let i = agent - 1
        guard !agents[i].loggedIn else { return }
        let config = directory.agent(agent)
        let number = directory.phone(config.phoneId).number
        // AgentLogin user event: the phone number as a partial status (string tid), only when it
        // changed (handle_cti_stack diffs the status).
        if agents[i].phonenumber != number {
            agents[i].phonenumber = number
            emit(Wire.updateStatus("agents", tid: .string(String(agent)), status: ["phonenumber": .string(number)]))
        }
        agents[i].loggedIn = true
        agents[i].idleSince = now
        agents[i].loginTime = now
        queueLogLogin(agent)
        recomputeAgent(agent)
        // Subscribing to the agent's endpoint routes its current state straight away.
        routeEndpoint(agent: agent, phone: config.phoneId, force: true)
        let status = deviceStatus(phone: config.phoneId)
        for q in agents[i].queues {
            // QueueMemberAdded from Asterisk, then a QueueSummary.
            _ = updateMember(agent: agent, queue: q) {
                $0.status = status
                $0.paused = false
            }
            pushSummary(queue: q)
        }
        for q in agents[i].queues { pushLoggedAgents(queue: q) }
        dispatch()
    }

    private func logout(_ agent: Int) {
        let i = agent - 1
        guard agents[i].loggedIn else { return }
        queueLogLogoff(agent)
        // AgentLogoff: members shown as not logged ("101", unpaused).
        for q in agents[i].queues {
            _ = updateMember(agent: agent, queue: q) {
                $0.status = "101"
                $0.paused = false
            }
        }
        agents[i].loggedIn = false
        agents[i].onWrapup = false
        agents[i].wrapupToken += 1
        agents[i].nonAcd = nil
        recomputeAgent(agent)
        for q in agents[i].queues { pushSummary(queue: q) }  // QueueMemberRemoved
        for q in agents[i].queues { pushLoggedAgents(queue: q) }
    }

    /// Pause on every queue, one QueueMemberPause at a time: each is followed by a summary and
    /// a recomputation, so the status only turns `unavailable` at the last queue.
    private func pause(_ agent: Int) {
        queueLogPauseAll(agent, paused: true)
        for q in agents[agent - 1].queues where updateMember(agent: agent, queue: q, { $0.paused = true }) {
            queueLogPause(agent, queue: q, paused: true)
            pushSummary(queue: q)
            recomputeAgent(agent)
        }
    }

    private func unpause(_ agent: Int) {
        var changed = false
        queueLogPauseAll(agent, paused: false)
        for q in agents[agent - 1].queues where updateMember(agent: agent, queue: q, { $0.paused = false }) {
            queueLogPause(agent, queue: q, paused: false)
            changed = true
            pushSummary(queue: q)
            recomputeAgent(agent)
        }
        guard changed else { return }
        agents[agent - 1].idleSince = now
        dispatch()
    }

    func wrapupEnd(agent: Int, token: Int) {
        let i = agent - 1
        guard agents[i].wrapupToken == token, agents[i].onWrapup else { return }
        agents[i].onWrapup = false
        agents[i].idleSince = now
        // The server's own wrap-up timer: no Asterisk event, hence no queue summary.
        recomputeAgent(agent)
        applyPending(agent)
        dispatch()
    }

    // MARK: Membership changes (a supervisor edits queues in the web interface)

    func changeMembership(agent: Int, queue: Int, add: Bool) {
        let i = agent - 1
        let memberId = directory.memberId(agent: agent, queue: queue)
        if add {
            guard members[i][queue] == nil else { return }
            members[i][queue] = MemberRuntime()
            queueMembers[queue - 1] = (queueMembers[queue - 1] + [agent]).sorted()
            agents[i].queues = (agents[i].queues + [queue]).sorted()
            emit(Wire.updateStatus("agents", tid: .string(String(agent)), status: ["queues": Wire.strings(agents[i].queues)]))
            emit(Wire.listChange("queuemembers", "addconfig", ids: [memberId]))
            pushLoggedAgents(queue: queue)
            if agents[i].loggedIn {
                let paused = completelyPausedIgnoring(agent: agent, queue: queue)
                // wazo-agentd adds the member to Asterisk, paused if the agent is paused.
                queueLogMembership(agent, queue: queue, added: true)
                if paused { queueLogPause(agent, queue: queue, paused: true) }
                let status = deviceStatus(phone: directory.agent(agent).phoneId)
                _ = updateMember(agent: agent, queue: queue) {
                    $0.status = status
                    $0.paused = paused
                }
                pushSummary(queue: queue)
                dispatch()
            }
        } else {
            guard members[i][queue] != nil, agents[i].queues.count > 1 else { return }
            if agents[i].loggedIn { queueLogMembership(agent, queue: queue, added: false) }
            members[i][queue] = nil
            queueMembers[queue - 1].removeAll { $0 == agent }
            agents[i].queues.removeAll { $0 == queue }
            emit(Wire.updateStatus("agents", tid: .string(String(agent)), status: ["queues": Wire.strings(agents[i].queues)]))
            emit(Wire.listChange("queuemembers", "delconfig", ids: [memberId]))
            if agents[i].loggedIn {
                pushLoggedAgents(queue: queue)
                pushSummary(queue: queue)
            }
        }
    }

    /// A member added while the agent is paused everywhere else joins paused.
    private func completelyPausedIgnoring(agent: Int, queue: Int) -> Bool {
        let others = members[agent - 1].entries.filter { $0.queue != queue }
        return !others.isEmpty && others.allSatisfy(\.member.paused)
    }
}
