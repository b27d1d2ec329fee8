// Calls that do not go through a queue: users dialling out, users calling each other, and
// external callers dialling a user's own number (some never answered: missed calls). For an
// agent these are the `on_call_nonacd_*` availabilities.

extension CallCenterModel {
    /// A phone's user may place a call now: idle phone, and an agent only while logged in and
    /// neither on an ACD call, ringing nor in wrap-up.
    private func canPlaceCall(user: Int) -> Bool {
        let u = directory.user(user)
        guard let phone = u.phoneId, phoneIdle(phone) else { return false }
        if let agent = u.agentId {
            let a = agents[agent - 1]
            return a.loggedIn && !a.onWrapup && !a.onCallAcd && !a.pendingLogout
        }
        return true
    }

    /// A phone may ring now: idle, and its agent (if any) not on an ACD call or in wrap-up.
    private func canRing(user: Int) -> Bool {
        let u = directory.user(user)
        guard let phone = u.phoneId, phoneIdle(phone) else { return false }
        if let agent = u.agentId {
            let a = agents[agent - 1]
            return !a.onWrapup && !a.onCallAcd
        }
        return true
    }

    func outboundAttempt(user: Int) {
        let rate = directory.user(user).agentId == nil ? outboundRatePerBackOffice : outboundRatePerAgent
        schedule(.outboundAttempt(user: user), after: rng.exponential(mean: 1 / rate))
        guard canPlaceCall(user: user), let phone = directory.user(user).phoneId else { return }
        let p = directory.phone(phone)
        let call = newCall(kind: .outbound, number: p.number, name: directory.user(user).fullname,
                           callerChannel: newChannelName(p.identity))
        createChannel(call.callerChannel, phone: phone, call: call, state: "Ring")
        let trunk = newChannelName("SIP/trunk")
        createChannel(trunk, phone: nil, call: call, state: "Down")
        call.calleeChannel = trunk
        dial(from: call.callerChannel, to: trunk)
        phoneChanged(phone)
        if rng.chance(0.8) {
            schedule(.calleeAnswer(call: call.id, token: call.token), after: rng.uniform(3, 20))
        } else {
            schedule(.calleeNoAnswer(call: call.id, token: call.token), after: rng.uniform(15, 40))
        }
    }

    func internalAttempt(user: Int) {
        schedule(.internalAttempt(user: user), after: rng.exponential(mean: 1 / internalRatePerUser))
        let candidates = directory.phones.count
        guard candidates > 1, canPlaceCall(user: user), let phone = directory.user(user).phoneId else { return }
        var other = directory.phones[rng.below(candidates)]
        if other.id == phone { other = directory.phones[(other.id) % candidates] }
        guard canRing(user: other.userId) else { return }
        let p = directory.phone(phone)
        let call = newCall(kind: .internalCall, number: p.number, name: directory.user(user).fullname,
                           callerChannel: newChannelName(p.identity))
        createChannel(call.callerChannel, phone: phone, call: call, state: "Ring")
        let callee = newChannelName(other.identity)
        createChannel(callee, phone: other.id, call: call, state: "Down")
        call.calleeChannel = callee
        call.calleePhone = other.id
        dial(from: call.callerChannel, to: callee)
        phoneChanged(phone)
        phoneChanged(other.id)
        if rng.chance(0.8) {
            schedule(.calleeAnswer(call: call.id, token: call.token), after: rng.uniform(2, 10))
        } else {
            schedule(.calleeNoAnswer(call: call.id, token: call.token), after: rng.uniform(12, 20))
        }
    }

    func inboundAttempt() {
        schedule(.inboundAttempt, after: rng.exponential(mean: 1 / inboundDirectRate))
        let target: Int
        if directory.agents.isEmpty || rng.chance(0.8) {
            target = directory.backOfficeUserIds[rng.below(directory.backOfficeUserIds.count)]
        } else {
            target = directory.agents[rng.below(directory.agents.count)].userId
        }
        // A busy phone would send the caller to voicemail: no channel reaches the CTI lists.
        guard canRing(user: target), let phone = directory.user(target).phoneId else { return }
        let (number, name) = nextCaller()
        let call = newCall(kind: .inboundDirect, number: number, name: name, callerChannel: newChannelName("SIP/trunk"))
        createChannel(call.callerChannel, phone: nil, call: call, state: "Ring")
        let callee = newChannelName(directory.phone(phone).identity)
        createChannel(callee, phone: phone, call: call, state: "Down")
        call.calleeChannel = callee
        call.calleePhone = phone
        dial(from: call.callerChannel, to: callee)
        phoneChanged(phone)
        let answerChance: Double
        if let agent = directory.user(target).agentId {
            answerChance = agents[agent - 1].loggedIn ? 0.6 : 0.4
        } else {
            answerChance = 0.75
        }
        if rng.chance(answerChance) {
            schedule(.calleeAnswer(call: call.id, token: call.token), after: rng.uniform(2, 12))
        } else {
            schedule(.calleeNoAnswer(call: call.id, token: call.token), after: rng.uniform(15, 25))
        }
    }

    private func newCall(kind: CallKind, number: String, name: String, callerChannel: String) -> CallRuntime {
        let call = CallRuntime(id: nextCallId, kind: kind, callerNumber: number, callerName: name,
                               start: now, callerChannel: callerChannel)
        nextCallId += 1
        calls[call.id] = call
        return call
    }

    private func phonesOf(_ call: CallRuntime) -> [Int] {
        [call.callerChannel, call.calleeChannel].compactMap { $0.flatMap { channels[$0]?.phoneId } }
    }

    func calleeAnswer(call callId: Int, token: Int) {
        guard let call = calls[callId], call.token == token, let callee = call.calleeChannel else { return }
        call.token += 1
        link(caller: call.callerChannel, callee: callee)
        for phone in phonesOf(call) { phoneChanged(phone) }
        let mean: Double
        switch call.kind {
        case .internalCall: mean = 60
        case .outbound: mean = 120
        default: mean = 100
        }
        schedule(.callHangup(call: callId), after: max(3, rng.erlang(k: 2, mean: mean)))
    }

    func calleeNoAnswer(call callId: Int, token: Int) {
        guard let call = calls[callId], call.token == token else { return }
        hangupCall(call: callId)
    }

    /// Both sides hang up (either may go first); the phones' users become free again.
    func hangupCall(call callId: Int) {
        guard let call = calls[callId] else { return }
        call.token += 1
        let phones = phonesOf(call)
        var order = [call.callerChannel] + (call.calleeChannel.map { [$0] } ?? [])
        if order.count == 2, rng.chance(0.5) { order.reverse() }
        for name in order { hangup(name) }
        for phone in phones {
            phoneChanged(phone)
            if let agent = directory.user(directory.phone(phone).userId).agentId { applyPending(agent) }
        }
        dispatch()
    }
}
