/// What XiVO's statistics count from a queue_log line beyond the queue visits and agent states
/// (migration 0012; docs/METRICS.md "XiVO's own figures"), and the pause reasons and
/// ring-no-answer attempts. XiVO reads the lines' own times and fields: a call is filed under
/// its ENTERQUEUE's time and its wait is the field the end line gives, whatever the times say.
extension Recorder {
    /// Called after the line changed the agents' states (`applyQueueLog`), with its own time.
    func recordQueueLogFacts(_ line: QueueLogLine, _ context: MessageContext) throws {
        let time = line.time
        switch line.kind {
        case .enterQueue:
            try queueLogCallEntered(queueID: queueID(line.queue, context), callID: line.callID, at: time, context)
        case .completeAgent, .completeCaller, .transfer, .blindTransfer, .attendedTransfer:
            let (waitField, talkField): (Int, Int)
            switch line.kind {
            case .completeAgent, .completeCaller: (waitField, talkField) = (1, 2)
            case .attendedTransfer where line.field(1) == "LINK": (waitField, talkField) = (4, 5)
            default: (waitField, talkField) = (3, 4)
            }
            let agentID = try agentNumber(line.agent).map { try agent($0, context).agentID }
            try queueLogCallEnded(queueID: queueID(line.queue, context), callID: line.callID, status: "answered", at: time,
                                  wait: Self.seconds(line, waitField), talk: Self.leadingSeconds(line.field(talkField)), agentID: agentID, context)
        case .abandon:
            try queueLogCallEnded(queueID: queueID(line.queue, context), callID: line.callID, status: "abandoned", at: time,
                                  wait: Self.seconds(line, 3), talk: nil, agentID: nil, context)
        case .exitWithTimeout:
            try queueLogCallEnded(queueID: queueID(line.queue, context), callID: line.callID, status: "timeout", at: time,
                                  wait: Self.seconds(line, 3), talk: nil, agentID: nil, context)
        case .leaveEmpty:
            // Its wait is from its ENTERQUEUE (the dialplan's line gives none).
            try queueLogCallEnded(queueID: queueID(line.queue, context), callID: line.callID, status: "leaveempty", at: time,
                                  wait: nil, talk: nil, agentID: nil, context)
        case .exitWithKey, .withdraw:
            // Ended, and XiVO counts it under no status: nothing more to pair. (`EXITEMPTY` waits:
            // Wazo's dialplan may log the same call's `LEAVEEMPTY` after it.)
            let key = QueueLogState.callKey(queueID: try queueID(line.queue, context), callID: line.callID)
            if queueLog?.pendingCalls[key]?.status == nil { queueLog?.pendingCalls[key] = nil }
        case .full, .closed, .joinEmpty, .divertCARatio, .divertHoldTime:
            let status = Self.refusalStatus[line.event] ?? "full"
            guard let session = session else { return }
            try rows.write(QueueLogCallRow(
                id: takeID(\.nextQueueLogCallID), ipbx: Self.queueLogIPBX, queueID: queueID(line.queue, context), callID: line.callID,
                enteredAt: nil, status: status, statusAt: time, countedAt: time, waitS: nil, talkS: nil, agentID: nil, sessionID: session.id))
        case .ringNoAnswer:
            guard let number = agentNumber(line.agent), let session = session else { return }
            let agentID = try agent(number, context).agentID
            let milliseconds = Self.seconds(line, 1).map { Int64($0.rounded()) }
            try rows.write(RingNoAnswerRow(ipbx: Self.queueLogIPBX, queueID: queueID(line.queue, context), callID: line.callID,
                                           agentID: agentID, rangAt: time, ringMS: milliseconds, sessionID: session.id))
        case .agentLogin, .agentCallbackLogin:
            guard let number = agentNumber(line.agent) else { return }
            let agentID = try agent(number, context).agentID
            if let open = queueLog?.agentSpans[agentID]?.login {
                // XiVO's open session starts at the latest login.
                try rows.write(AgentSpanTimed(startTime: time, endTime: nil, id: open.rowID))
                queueLog?.agentSpans[agentID, default: QueueLogAgentSpans()].login = QueueLogOpenSpan(rowID: open.rowID, start: time)
            } else {
                let id = try openAgentSpan(agentID, kind: "login", at: time, reason: nil)
                queueLog?.agentSpans[agentID, default: QueueLogAgentSpans()].login = QueueLogOpenSpan(rowID: id, start: time)
            }
        case .agentLogoff, .agentCallbackLogoff:
            guard let number = agentNumber(line.agent) else { return }
            let agentID = try agent(number, context).agentID
            let open = queueLog?.agentSpans[agentID]?.login
            queueLog?.agentSpans[agentID]?.login = nil
            // XiVO's session is the logged-in seconds the logoff gives, back from it.
            if !line.field(1).isEmpty, let seconds = Self.seconds(line, 2), seconds > 0 {
                if let open {
                    try rows.write(AgentSpanTimed(startTime: time - seconds, endTime: time, id: open.rowID))
                } else {
                    _ = try openAgentSpan(agentID, kind: "login", at: time - seconds, end: time, reason: nil)
                }
            } else if let open {
                try rows.write(AgentSpanDeleted(id: open.rowID))
            }
            try syncPauseSpan(number)
        case .pauseAll:
            guard let number = agentNumber(line.agent) else { return }
            let agentID = try agent(number, context).agentID
            // Several PAUSEALLs before one UNPAUSEALL: the pause runs from the first.
            if queueLog?.agentSpans[agentID]?.pauseAll == nil {
                let id = try openAgentSpan(agentID, kind: "pause_all", at: time, reason: line.field(1))
                queueLog?.agentSpans[agentID, default: QueueLogAgentSpans()].pauseAll = QueueLogOpenSpan(rowID: id, start: time)
            }
            try syncPauseSpan(number, reason: line.field(1), at: time)
        case .unpauseAll:
            guard let number = agentNumber(line.agent) else { return }
            let agentID = try agent(number, context).agentID
            if let open = queueLog?.agentSpans[agentID]?.pauseAll, time >= open.start {
                try rows.write(AgentSpanTimed(startTime: open.start, endTime: time, id: open.rowID))
                queueLog?.agentSpans[agentID]?.pauseAll = nil
            }
            try syncPauseSpan(number, at: time)
        case .pause, .unpause, .addMember, .removeMember:
            guard let number = agentNumber(line.agent) else { return }
            try syncPauseSpan(number, reason: line.kind == .pause ? line.field(1) : "", at: time)
        case .wrapupStart:
            guard let number = agentNumber(line.agent), let seconds = Self.seconds(line, 1), seconds > 0 else { return }
            let agentID = try agent(number, context).agentID
            _ = try openAgentSpan(agentID, kind: "wrapup", at: time, end: time + seconds, reason: nil)
        case .queueStart:
            // Every agent's pause ended with Asterisk's previous run (`endQueueLogRun`); XiVO's
            // own logins and PAUSEALLs know nothing of it and go on. Callers of that run will
            // never end.
            for number in (queueLog?.agents.keys.sorted() ?? []) {
                try syncPauseSpan(number, at: time)
            }
            let ended = queueLog?.pendingCalls.filter { $0.value.enteredAt == nil } ?? [:]
            queueLog?.pendingCalls = ended
        default:
            break
        }
    }

    /// Another source counts XiVO's figures from `time` on: every open span ends there, and the
    /// calls still missing a half are forgotten.
    func endQueueLogFacts(at time: Double) throws {
        for agentID in (queueLog?.agentSpans.keys.sorted() ?? []) {
            guard let open = queueLog?.agentSpans[agentID] else { continue }
            for span in [open.login, open.pauseAll, open.pause].compactMap({ $0 }) {
                try rows.write(AgentSpanTimed(startTime: span.start, endTime: max(time, span.start), id: span.rowID))
            }
        }
        queueLog?.agentSpans = [:]
        queueLog?.pendingCalls = [:]
    }

    static let refusalStatus = [
        "FULL": "full", "CLOSED": "closed", "JOINEMPTY": "joinempty", "DIVERT_CA_RATIO": "divert_ca_ratio", "DIVERT_HOLDTIME": "divert_waittime",
    ]

    /// XiVO reads these fields as PostgreSQL integers: a number past that is not one (and would
    /// overflow the reports' sums) is no number.
    static let largestSeconds = Double(Int32.max)

    /// The `n`-th data field as seconds, nil when it is not a number XiVO could read.
    static func seconds(_ line: QueueLogLine, _ n: Int) -> Double? {
        line.seconds(n).flatMap { $0 <= largestSeconds ? $0 : nil }
    }

    /// The seconds before any `|` (the table form keeps a LINK transfer's
    /// `calltime|origposition` in one field).
    static func leadingSeconds(_ text: String) -> Double? {
        let head = text.firstIndex(of: "|").map { text[..<$0] } ?? text[...]
        guard let value = Double(head), value.isFinite, value >= 0, value <= largestSeconds else { return nil }
        return value
    }

    private func openAgentSpan(_ agentID: String, kind: String, at start: Double, end: Double? = nil, reason: String?) throws -> Int64 {
        guard let session, let sourceID = queueLog?.sourceID else { throw RecorderError.noSession }
        let id = takeID(\.nextAgentSpanID)
        try rows.write(AgentSpanOpened(id: id, ipbx: Self.queueLogIPBX, agentID: agentID, kind: kind, startTime: start, endTime: end,
                                       reason: reason, sourceID: sourceID, sessionID: session.id))
        return id
    }

    /// The `pause` span follows whether the agent is paused anywhere (the state `applyQueueLog`
    /// left): opened with the reason of the line that paused it, closed when nothing is paused.
    private func syncPauseSpan(_ number: String, reason: String = "", at time: Double? = nil) throws {
        guard let agent = queueLog?.agents[number] else { return }
        let paused = agent.pausedAll || !agent.pausedQueues.isEmpty
        let open = queueLog?.agentSpans[agent.agentID]?.pause
        let at = time ?? derived.latestEventTime
        if paused, open == nil {
            let id = try openAgentSpan(agent.agentID, kind: "pause", at: at, reason: reason)
            queueLog?.agentSpans[agent.agentID, default: QueueLogAgentSpans()].pause = QueueLogOpenSpan(rowID: id, start: at)
        } else if !paused, let open {
            try rows.write(AgentSpanTimed(startTime: open.start, endTime: max(at, open.start), id: open.rowID))
            queueLog?.agentSpans[agent.agentID]?.pause = nil
        }
    }

    /// An ENTERQUEUE: completes a call whose end was read first, else waits for its end (a
    /// call is written once it has a status: one row, no update, in the usual order).
    private func queueLogCallEntered(queueID: String, callID: String, at time: Double, _ context: MessageContext) throws {
        let key = QueueLogState.callKey(queueID: queueID, callID: callID)
        if var call = queueLog?.pendingCalls[key], call.enteredAt == nil, let status = call.status, let rowID = call.rowID {
            call.enteredAt = time
            if status == "leaveempty", let statusAt = call.statusAt { call.wait = max(0, statusAt - time) }
            try rows.write(QueueLogCallCompleted(enteredAt: time, status: status, statusAt: call.statusAt, countedAt: time,
                                                 waitS: call.wait, talkS: call.talk, agentID: call.agentID, id: rowID))
            queueLog?.pendingCalls[key] = nil
            return
        }
        prunePendingCalls(before: time - Self.pendingCallHorizon)
        queueLog?.pendingCalls[key] = QueueLogPendingCall(rowID: nil, enteredAt: time)
    }

    /// The line that ends a call: completes the call its ENTERQUEUE began; without one, an
    /// answered call is XiVO's "partial call", filed at end - talk - wait, and any other is
    /// counted only if its ENTERQUEUE comes later.
    private func queueLogCallEnded(queueID: String, callID: String, status: String, at time: Double, wait: Double?, talk: Double?,
                                   agentID: String?, _ context: MessageContext) throws {
        guard let session else { return }
        let key = QueueLogState.callKey(queueID: queueID, callID: callID)
        if let call = queueLog?.pendingCalls[key], let enteredAt = call.enteredAt, call.status == nil {
            let waited = status == "leaveempty" ? max(0, time - enteredAt) : wait
            try rows.write(QueueLogCallRow(id: takeID(\.nextQueueLogCallID), ipbx: Self.queueLogIPBX, queueID: queueID, callID: callID,
                                           enteredAt: enteredAt, status: status, statusAt: time, countedAt: enteredAt, waitS: waited,
                                           talkS: talk, agentID: agentID, sessionID: session.id))
            queueLog?.pendingCalls[key] = nil
            return
        }
        var countedAt: Double?
        if status == "answered" { countedAt = time - (talk ?? 0) - (wait ?? 0) }
        let id = takeID(\.nextQueueLogCallID)
        try rows.write(QueueLogCallRow(id: id, ipbx: Self.queueLogIPBX, queueID: queueID, callID: callID, enteredAt: nil, status: status,
                                       statusAt: time, countedAt: countedAt, waitS: wait, talkS: talk, agentID: agentID, sessionID: session.id))
        prunePendingCalls(before: time - Self.pendingCallHorizon)
        queueLog?.pendingCalls[key] = QueueLogPendingCall(rowID: id, enteredAt: nil, status: status, statusAt: time, wait: wait, talk: talk,
                                                          agentID: agentID)
    }

    /// How long a half waits for the other: rows a little out of order are paired; an
    /// ENTERQUEUE lost before the log began, or a caller whose end XiVO ignores (`EXITEMPTY`
    /// with no `LEAVEEMPTY`), is not waited for forever (nor carried from import to import).
    static let pendingCallHorizon: Double = 86_400

    /// Amortized: the next pass waits until the map has doubled since this one.
    private func prunePendingCalls(before cutoff: Double) {
        guard let state = queueLog, state.pendingCalls.count > state.pendingPruneAt else { return }
        let kept = state.pendingCalls.filter { ($0.value.statusAt ?? $0.value.enteredAt ?? cutoff) >= cutoff }
        queueLog?.pendingCalls = kept
        queueLog?.pendingPruneAt = max(1_000, 2 * kept.count)
    }
}
