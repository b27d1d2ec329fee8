import CTIProtocol
import Storage

/// Calls from channel events (metrics.md "Calls"): the channels that talk to each other
/// (`talkingto_id`, transitively) form one call, from the first event of its first channel
/// until its last channel is hung up (`delconfig`).
extension Recorder {
    func applyChannelStatus(ipbx: String, channel name: String, status: JSONObject, _ context: MessageContext) throws {
        let view = ChannelStatus(from: status)
        let eventID = takeID(\.nextChannelEventID)
        var channel = derived.channels[name] ?? newChannel(name, ipbx: ipbx, at: context.time, firstEventID: eventID)
        if let commstatus = view.commstatus { channel.commstatus = commstatus }
        if let direction = view.direction { channel.direction = direction }
        if let talkingTo = view.talkingtoID.value, !talkingTo.isEmpty {
            channel.talkingTo = talkingTo
            if derived.channels[talkingTo] == nil {
                // The peer has not appeared yet: it joins this call when it does.
                derived.awaitedPeers[talkingTo] = channel.callKey
            }
        }
        derived.channels[name] = channel

        if let other = channel.talkingTo, let otherChannel = derived.channels[other], otherChannel.callKey != channel.callKey {
            try mergeCalls(channel.callKey, otherChannel.callKey)
        }
        let key = derived.channels[name]?.callKey
        let existing = key.flatMap { derived.calls[$0] }
        try rows.write(ChannelEventRow(
            id: eventID, ipbx: ipbx, channel: name, eventTime: context.time, kind: "update", commstatus: view.commstatus,
            state: view.state, direction: view.direction, talkingtoID: view.talkingtoID.value, callID: existing?.id,
            sessionID: context.sessionID, journalSeq: context.journalSeq))
        guard let key, var call = existing else { return }
        call.eventIDs.append(eventID)
        if view.commstatus == "calling" || view.direction == "out" {
            if call.callingChannel == nil { call.callingChannel = name }
        }
        if view.direction == "in" || view.commstatus == "ringing" {
            if call.calledChannel == nil { call.calledChannel = name }
        }
        if view.commstatus == "ringing" {
            if call.firstRingAt == nil { call.firstRingAt = context.time }
            if let phone = phone(owning: name), !call.rings.contains(where: { $0.phoneID == phone.phoneID }) {
                call.rings.append(RingRecord(phoneID: phone.phoneID, userID: phone.userID, channel: name, time: context.time))
            }
        }
        if view.isLinked, call.answeredAt == nil {
            call.answeredAt = context.time
        }
        derived.calls[key] = call
    }

    /// A new channel joins the call of a channel that already named it as its peer, or
    /// starts a call of its own.
    private func newChannel(_ name: String, ipbx: String, at time: Double, firstEventID: Int64) -> ChannelTracker {
        if let key = derived.awaitedPeers.removeValue(forKey: name), var call = derived.calls[key] {
            call.channels.append(name)
            derived.calls[key] = call
            return ChannelTracker(callKey: key)
        }
        let key = derived.nextCallKey
        derived.nextCallKey += 1
        derived.calls[key] = CallTracker(id: firstEventID, channels: [name], startedAt: time, ipbx: ipbx)
        return ChannelTracker(callKey: key)
    }

    /// Two calls whose channels talk to each other are one call: the later-started one is
    /// folded into the earlier, and the events already written get the merged call's id.
    private func mergeCalls(_ first: Int, _ second: Int) throws {
        guard let a = derived.calls[first], let b = derived.calls[second] else { return }
        let (keep, fold) = (a.startedAt, first) <= (b.startedAt, second) ? (first, second) : (second, first)
        guard var kept = derived.calls[keep], let folded = derived.calls[fold] else { return }
        for name in folded.channels {
            kept.channels.append(name)
            derived.channels[name]?.callKey = keep
        }
        for (peer, key) in derived.awaitedPeers where key == fold {
            derived.awaitedPeers[peer] = keep
        }
        kept.startedAt = min(kept.startedAt, folded.startedAt)
        kept.firstRingAt = [kept.firstRingAt, folded.firstRingAt].compactMap { $0 }.min()
        kept.answeredAt = [kept.answeredAt, folded.answeredAt].compactMap { $0 }.min()
        kept.callingChannel = kept.callingChannel ?? folded.callingChannel
        kept.calledChannel = kept.calledChannel ?? folded.calledChannel
        // Either call's id names the merged call (both are ids of first events, never reused):
        // keep the one whose events are more, and move the fewer.
        if folded.eventIDs.count > kept.eventIDs.count {
            try setCall(folded.id, ofEvents: kept.eventIDs)
            kept.id = folded.id
        } else {
            try setCall(kept.id, ofEvents: folded.eventIDs)
        }
        kept.eventIDs.append(contentsOf: folded.eventIDs)
        for ring in folded.rings where !kept.rings.contains(where: { $0.phoneID == ring.phoneID }) {
            kept.rings.append(ring)
        }
        kept.visits.append(contentsOf: folded.visits)
        derived.calls[keep] = kept
        derived.calls[fold] = nil
    }

    func hangUp(ipbx: String, channel name: String, _ context: MessageContext) throws {
        let eventID = takeID(\.nextChannelEventID)
        let channel = derived.channels.removeValue(forKey: name)
        let existing = channel.flatMap { derived.calls[$0.callKey] }
        try rows.write(ChannelEventRow(
            id: eventID, ipbx: ipbx, channel: name, eventTime: context.time, kind: "delete", commstatus: nil, state: nil,
            direction: nil, talkingtoID: nil, callID: existing?.id, sessionID: context.sessionID, journalSeq: context.journalSeq))
        guard let channel, var call = existing else { return }
        call.eventIDs.append(eventID)
        derived.calls[channel.callKey] = call
        let live = call.channels.contains { derived.channels[$0] != nil }
        if !live {
            derived.calls[channel.callKey] = nil
            // Peers the call named that never appeared will not join it any more.
            derived.awaitedPeers = derived.awaitedPeers.filter { $0.value != channel.callKey }
            try writeCall(call, endedAt: context.time, outcome: call.answeredAt == nil ? "missed" : "answered", sessionID: context.sessionID)
        }
    }

    /// Calls still in progress when the session ends are written with an unknown outcome
    /// and no end.
    func closeCalls(at end: Double, _ context: MessageContext) throws {
        for key in derived.calls.keys.sorted() {
            guard let call = derived.calls[key] else { continue }
            try writeCall(call, endedAt: nil, outcome: call.answeredAt == nil ? "unknown" : "answered", sessionID: context.sessionID)
        }
        derived.calls = [:]
        derived.channels = [:]
        derived.awaitedPeers = [:]
    }

    private func writeCall(_ call: CallTracker, endedAt: Double?, outcome: String, sessionID: Int64) throws {
        let calling = call.callingChannel ?? call.channels.first
        let called = call.calledChannel ?? call.channels.first { $0 != calling }
        let callingPhone = calling.flatMap { phone(owning: $0) }
        let calledPhone = called.flatMap { phone(owning: $0) }
        let direction: String
        if callingPhone == nil {
            direction = "inbound"
        } else if calledPhone == nil {
            direction = "outbound"
        } else {
            direction = "internal"
        }
        // The caller of an internal or outbound call is the calling phone's number and its
        // user's name. The channel events know nothing of an inbound caller: when it waited
        // in a queue, the queue entry named it.
        var callerNumber = callingPhone?.number
        var callerName = callingPhone?.userID.flatMap { derived.userNames[$0] }
        if callingPhone == nil, let visit = call.visits.first {
            callerNumber = visit.number.flatMap { $0.isEmpty ? nil : $0 }
            callerName = visit.name.flatMap { $0.isEmpty ? nil : $0 }
        }
        try rows.write(CallRow(
            callID: call.id, ipbx: call.ipbx, startedAt: call.startedAt, firstRingAt: call.firstRingAt, answeredAt: call.answeredAt,
            endedAt: endedAt, direction: direction, outcome: outcome, callerChannel: calling, callerNumber: callerNumber,
            callerName: callerName, calleeChannel: called, calleeNumber: calledPhone?.number, sessionID: sessionID))
        for ring in call.rings {
            try rows.write(CallRingRow(callID: call.id, phoneID: ring.phoneID, userID: ring.userID, channel: ring.channel, rangAt: ring.time))
        }
        for visit in call.visits {
            try rows.write(VisitCall(callID: call.id, visitID: visit.rowID))
        }
    }

    /// Sets the call of events already written (usually the one or two of a call folded into
    /// another), one row at a time: an `IN` list of eight cost as much per row.
    private func setCall(_ callID: Int64, ofEvents eventIDs: [Int64]) throws {
        for eventID in eventIDs {
            try rows.write(ChannelEventCall(callID: callID, id: eventID))
        }
    }

    /// A phone's channels are named after its identity plus "-" (`SIP/ihvbur-0000000b`).
    func phone(owning channel: String) -> PhoneInfo? {
        guard let dash = channel.lastIndex(of: "-") else { return nil }
        return derived.phonesByIdentity[String(channel[..<dash])]
    }
}
