import CTIProtocol
import Storage

/// Queue visits from `queueentryupdate` (metrics.md "Calls, queue visits and missed calls").
///
/// The server sends each queue's whole waiting list on every change and never says why an
/// entry left. A visit is answered when an agent who is a member of that queue enters
/// `acd_call` within 2 s of the caller leaving; each `acd_call` start pairs with at most one
/// visit, the nearest in time. Leaves and `acd_call` starts that find no partner yet wait
/// for one until the clock has moved 2 s past them.
extension Recorder {
    func applyQueueEntries(queueID: String, ipbx: String, entries: [QueueEntry], _ context: MessageContext) throws {
        var waiting = derived.waiting[queueID] ?? [:]
        var present: Set<String> = []
        for entry in entries {
            let key = Self.entryKey(entry)
            present.insert(key)
            guard waiting[key] == nil else { continue }
            let joinTime = entry.joinTime ?? context.time
            let rowID = try startVisit(queueID: queueID, ipbx: ipbx, entry: entry, joinTime: joinTime, context)
            waiting[key] = OpenVisit(rowID: rowID, joinTime: joinTime)
            linkCall(toVisit: rowID, joinTime: joinTime, ipbx: ipbx, entry: entry)
        }
        let gone = waiting.filter { !present.contains($0.key) }.sorted { $0.value.rowID < $1.value.rowID }
        for (key, visit) in gone {
            waiting[key] = nil
            try visitLeft(rowID: visit.rowID, queueID: queueID, at: max(context.time, visit.joinTime))
        }
        derived.waiting[queueID] = waiting
    }

    static func entryKey(_ entry: QueueEntry) -> String {
        if let uniqueID = entry.uniqueID { return "u:" + uniqueID }
        return "n:\(entry.number ?? "")|\(entry.joinTime.map { String($0) } ?? "")"
    }

    /// A caller still waiting when the previous session ended is the same visit: continue
    /// its row rather than counting the caller twice.
    private func startVisit(queueID: String, ipbx: String, entry: QueueEntry, joinTime: Double, _ context: MessageContext) throws -> Int64 {
        if let uniqueID = entry.uniqueID,
           let previous = preexisting.unknownVisits.removeValue(
               forKey: VisitIdentity(queueID: queueID, ipbx: ipbx, uniqueID: uniqueID, joinTime: joinTime)) {
            try rows.write(VisitContinued(sessionID: context.sessionID, visitID: previous))
            return previous
        }
        let rowID = takeID(\.nextVisitID)
        try rows.write(VisitStarted(
            visitID: rowID, ipbx: ipbx, queueID: queueID, uniqueID: entry.uniqueID, callerNumber: entry.number,
            callerName: entry.name, joinTime: joinTime, sessionID: context.sessionID))
        return rowID
    }

    /// The caller's call is the one Asterisk made for it before its dialplan put it in the
    /// queue: the most recently started call in progress at the join in which nothing has rung
    /// yet (a queue rings agents only once the caller has joined). The channel events never carry
    /// the entry's `uniqueid`, so time is the only key. A call goes with at most one visit:
    /// when the nearest call already has one, this visit has none (migration 0007 links
    /// visits recorded before by the same rule). The link and the caller are written with
    /// the call (`writeCall`), whose id is final then.
    private func linkCall(toVisit rowID: Int64, joinTime: Double, ipbx: String, entry: QueueEntry) {
        var nearest: (key: Int, startedAt: Double, id: Int64)?
        for (key, call) in derived.calls where call.ipbx == ipbx && call.firstRingAt == nil && call.startedAt <= joinTime {
            if let current = nearest, (current.startedAt, -current.id) >= (call.startedAt, -call.id) { continue }
            nearest = (key, call.startedAt, call.id)
        }
        guard let key = nearest?.key, derived.calls[key]?.visits.isEmpty == true else { return }
        derived.calls[key]?.visits.append(CallerVisit(rowID: rowID, number: entry.number, name: entry.name))
    }

    private func visitLeft(rowID: Int64, queueID: String, at time: Double) throws {
        try rows.write(VisitLeft(leaveTime: time, visitID: rowID))
        let window = options.answerPairingSeconds
        var best: Int?
        for (index, start) in derived.acdStarts.enumerated() where Self.serves(start.queues, queueID) {
            let distance = abs(start.time - time)
            guard distance <= window else { continue }
            if let current = best, abs(derived.acdStarts[current].time - time) <= distance { continue }
            best = index
        }
        if let best {
            let start = derived.acdStarts.remove(at: best)
            try answer(visit: rowID, by: start.agentID, at: start.time)
        } else {
            derived.leftVisits.append(LeftVisit(rowID: rowID, queueID: queueID, leaveTime: time))
        }
    }

    /// An agent entered `acd_call`: pair it with the nearest visit of one of its queues that
    /// left within the window, or keep it for a leave that is still to come.
    func noteACDStart(agent: String, at time: Double, queues: [String]) throws {
        let window = options.answerPairingSeconds
        var best: Int?
        for (index, visit) in derived.leftVisits.enumerated() where Self.serves(queues, visit.queueID) {
            let distance = abs(visit.leaveTime - time)
            guard distance <= window else { continue }
            if let current = best, abs(derived.leftVisits[current].leaveTime - time) <= distance { continue }
            best = index
        }
        if let best {
            let visit = derived.leftVisits.remove(at: best)
            try answer(visit: visit.rowID, by: agent, at: time)
        } else {
            derived.acdStarts.append(ACDStart(agentID: agent, time: time, queues: queues))
        }
    }

    /// An agent whose queue list is not known yet may serve any queue.
    private static func serves(_ queues: [String], _ queueID: String) -> Bool {
        queues.isEmpty || queues.contains(queueID)
    }

    private func answer(visit: Int64, by agent: String, at time: Double) throws {
        try rows.write(VisitAnswered(agentID: agent, answeredAt: time, visitID: visit))
    }

    /// Leaves no agent answered within the window are abandoned; `acd_call` starts that
    /// found no visit are forgotten (direct calls to an agent, for instance).
    func expireUnpaired(at time: Double) throws {
        let window = options.answerPairingSeconds
        if derived.leftVisits.contains(where: { time - $0.leaveTime > window }) {
            var kept: [LeftVisit] = []
            for visit in derived.leftVisits {
                if time - visit.leaveTime > window {
                    try rows.write(VisitAbandoned(visitID: visit.rowID))
                } else {
                    kept.append(visit)
                }
            }
            derived.leftVisits = kept
        }
        derived.acdStarts.removeAll { time - $0.time > window }
    }

    /// At a session's end: callers still waiting, and leaves not decided yet, have an
    /// unknown outcome (metrics.md).
    func closeVisits(at end: Double) throws {
        for visit in derived.leftVisits {
            try rows.write(VisitUnknown(visitID: visit.rowID))
        }
        derived.leftVisits = []
        derived.acdStarts = []
        for queueID in derived.waiting.keys.sorted() {
            let visits = (derived.waiting[queueID] ?? [:]).values.sorted { $0.rowID < $1.rowID }
            for visit in visits {
                try rows.write(VisitLeftUnknown(leaveTime: max(end, visit.joinTime), visitID: visit.rowID))
            }
        }
        derived.waiting = [:]
    }
}
