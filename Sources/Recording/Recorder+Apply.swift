import CTIProtocol
import Storage

extension Recorder {
    /// The one place a line becomes rows, from the line and its decoding (`ServerMessage.decode`),
    /// lent rather than copied: a copy of a message retains every string and array in it.
    /// `journalSeq` is nil live (the line is journaled here) and the journal row's seq during
    /// replay (the line is already there).
    func apply(line: UnsafeRawBufferPointer, decoded: borrowing Result<ServerMessage, DecodeError>, receivedAt: Double,
               journalSeq: Int64? = nil) throws {
        switch decoded {
        case .success(let message):
            try apply(message, line: line, receivedAt: receivedAt, journalSeq: journalSeq)
        case .failure(let error):
            guard let current = session else { throw RecorderError.noSession }
            try journalMalformed(error, current, line: line, receivedAt: receivedAt, journalSeq: journalSeq)
        }
    }

    private func journalMalformed(_ error: DecodeError, _ current: SessionContext, line: UnsafeRawBufferPointer, receivedAt: Double,
                                  journalSeq: Int64?) throws {
        if journalSeq == nil {
            let fallback = current.serverTime(atLocal: receivedAt) ?? receivedAt
            try insertJournal(receivedAt: receivedAt, eventTime: fallback, malformed: error.description, line: line)
        }
        statistics.malformed += 1
    }

    private func apply(_ message: borrowing ServerMessage, line: UnsafeRawBufferPointer, receivedAt: Double, journalSeq: Int64?) throws {
        // The session is read and updated in place: a copy of it retains its strings, on every line.
        guard let sessionID = session?.id, let defaultIPBX = session?.defaultIPBX else { throw RecorderError.noSession }
        let fallback = session?.serverTime(atLocal: receivedAt) ?? receivedAt
        let timenow = plausibleServerTime(message.timenow)
        let time = eventTime(of: message, timenow: timenow, fallback: fallback)
        let startedAt: Double
        if let started = session?.startedAt {
            startedAt = started
        } else {
            // Coverage starts at the server's first reply (metrics.md "Coverage").
            startedAt = timenow ?? fallback
            try rows.write(SessionStarted(startedAt: startedAt, sessionID: sessionID))
            session?.startedAt = startedAt
        }
        session?.lastEventTime = timenow ?? time
        session?.lastReceivedAt = receivedAt

        let seq: Int64
        if let journalSeq {
            seq = journalSeq
        } else {
            seq = try insertJournal(receivedAt: receivedAt, eventTime: time, malformed: nil, line: line)
        }
        let context = MessageContext(sessionID: sessionID, sessionStart: startedAt, time: time, journalSeq: seq)
        try advanceClock(to: time, context)
        try dispatch(message, context, defaultIPBX: defaultIPBX)
    }

    /// Event time (metrics.md "Time"): a status's own time where the message carries one
    /// (`status.timestamp` for channels, `availability_since` when an agent's availability
    /// changes), else `timenow`, else the server's clock estimated from the previous message.
    ///
    /// `availability_since` counts only when the availability actually changes: the server
    /// re-sends full statuses with the old `availability_since`, and a change of `on_call_acd`
    /// or `on_wrapup` alone (ACD call to wrap-up) keeps it, so using it then would date the
    /// change back to an earlier one.
    func eventTime(of message: ServerMessage, timenow: Double?, fallback: Double) -> Double {
        if case .status(let list, _, let id, let status, _) = message.kind {
            if list == "channels", let timestamp = plausibleServerTime(status["timestamp"]?.double) {
                return timestamp
            }
            if list == "agents", let availability = status["availability"]?.string,
               availability != derived.agents[id]?.availability,
               let since = plausibleServerTime(status["availability_since"]?.double) {
                return since
            }
        }
        return timenow ?? fallback
    }

    /// A time the server sent, if it can be one: finite, between 2000 and 2100, and at most a
    /// week past the latest event of the session. Anything else (`1e30`, a clock set to the year
    /// 33658) is not trusted: the line is journaled as received and its event time is the
    /// server's clock estimated from the previous messages. Otherwise one such line would make
    /// the collector cut every agent's interval at every hour up to it, or crash.
    func plausibleServerTime(_ time: Double?) -> Double? {
        guard let time else { return nil }
        let plausible = time.isFinite && time >= Self.earliestServerTime && time <= Self.latestServerTime
            && (derived.latestEventTime == 0 || time <= derived.latestEventTime + Self.largestClockJump)
        if !plausible && !derived.reportedImplausibleTime {
            derived.reportedImplausibleTime = true
            logger.warning("the server sent an implausible time (\(time)); such times are not trusted: their lines are dated by the server's clock estimated from the previous messages")
        }
        return plausible ? time : nil
    }

    /// 2000-01-01T00:00:00Z and 2100-01-01T00:00:00Z.
    static let earliestServerTime: Double = 946_684_800
    static let latestServerTime: Double = 4_102_444_800
    /// How far the server's clock may jump forward between two messages of a session.
    static let largestClockJump: Double = 7 * 86_400

    private func dispatch(_ message: ServerMessage, _ context: MessageContext, defaultIPBX: String) throws {
        switch message.kind {
        case .loginCapas(_, let ipbxID, _, _):
            if let ipbxID {
                session?.defaultIPBX = ipbxID
            }
            try rows.write(SessionLoggedIn(loggedInAt: context.time, sessionID: context.sessionID))
        case .ipbxList(let ids):
            for ipbx in ids { try noteIPBX(ipbx, context) }
        case .listIDs(let list, _, let ids):
            if list == "agents" {
                derived.bootstrapAgents.formUnion(ids)
            }
        case .config(let list, let ipbx, let id, let config):
            try applyConfig(list: list, ipbx: ipbx ?? defaultIPBX, id: id, config: config, context)
        case .status(let list, let ipbx, let id, let status, let tidWasInteger):
            let ipbx = ipbx ?? defaultIPBX
            switch list {
            case "agents":
                try applyAgentStatus(ipbx: ipbx, id: id, status: status, partial: !tidWasInteger, context)
            case "channels":
                try applyChannelStatus(ipbx: ipbx, channel: id, status: status, context)
            default:
                mergeStatus(list: list, ipbx: ipbx, id: id, status: status)
            }
        case .delConfig(let list, let ipbx, let ids):
            let ipbx = ipbx ?? defaultIPBX
            if list == "channels" {
                for channel in ids { try hangUp(ipbx: ipbx, channel: channel, context) }
            } else {
                for id in ids { try markDeleted(list: list, ipbx: ipbx, id: id, at: context.time) }
            }
        case .queueStats(let replyID, let stats):
            try recordQueueStatistics(stats, windowed: replyID != nil, ipbx: defaultIPBX, context)
        case .queueEntries(let queueID, _, let entries):
            guard let queueID else { return }
            try applyQueueEntries(queueID: queueID, ipbx: defaultIPBX, entries: entries, context)
        default:
            break
        }
    }

    /// Work that happens as the server's clock moves: open intervals are cut at each UTC
    /// hour, and left visits no agent answered in time become abandoned.
    private func advanceClock(to time: Double, _ context: MessageContext) throws {
        if time > derived.latestEventTime {
            derived.latestEventTime = time
        }
        try cutIntervalsAtHours(upTo: derived.latestEventTime, context)
        try expireUnpaired(at: derived.latestEventTime)
    }

    /// Closes everything the session holds open, at the session's end.
    func closeDerivedState(at end: Double) throws {
        guard let current = session else { return }
        let context = MessageContext(sessionID: current.id, sessionStart: current.startedAt ?? end, time: end, journalSeq: nil)
        try expireUnpaired(at: end)
        try closeVisits(at: end)
        try closeCalls(at: end, context)
        try closeIntervals(at: end)
        try flushDirtyObjects()
    }
}

/// What every derived row of one message shares.
struct MessageContext {
    let sessionID: Int64
    let sessionStart: Double
    let time: Double
    let journalSeq: Int64?
}
