import CTIProtocol
import Storage

/// Where a queue_log source was left (migration 0010).
public struct QueueLogSourceInfo: Sendable, Equatable {
    public let id: Int64
    public let name: String
    /// Time of the latest line read (epoch seconds), nil before the first import.
    public let lastEventAt: Double?
    /// A table source's largest `id` read.
    public let lastRowID: Int64?
}

public enum QueueLogSourceKind: String, Sendable {
    case file
    case table
}

/// Asterisk's queue_log as a source of the same rows the CTI collector writes
/// (docs/RECORDING.md "Asterisk's queue_log"). Each line is journaled as read, in a collection
/// session of the source's, and interpreted here; replay reads the journal back through the
/// same `applyQueueLogLine`.
extension Recorder {
    /// The `ipbx` of the objects only a queue_log names.
    static let queueLogIPBX = "queue_log"

    /// How far after this machine's clock a line may be dated and still be read: a PBX's clock
    /// a little ahead of ours, or its zone mistaken (`--pbx-tz`), is not a line from the future.
    static let queueLogFutureLeeway: Double = 86_400

    // MARK: Sources

    /// The source called `name`, created when new.
    public func queueLogSource(name: String, kind: QueueLogSourceKind) throws -> QueueLogSourceInfo {
        try rows.drain()
        return try database.write {
            try database.execute("INSERT INTO queue_log_source (name, kind) VALUES (?, ?) ON CONFLICT (name) DO NOTHING", name, kind.rawValue)
            var info: QueueLogSourceInfo?
            try database.makeStatement("SELECT source_id, last_event_at, last_row_id FROM queue_log_source WHERE name = ?")
                .forEachRow([name]) { row in
                    info = QueueLogSourceInfo(id: row.int64(0), name: name, lastEventAt: row.optionalDouble(1),
                                              lastRowID: row.isNull(2) ? nil : row.int64(2))
                }
            guard let info else { throw RecorderError.noSession }
            return info
        }
    }

    /// How much of the file whose first line is `firstLine` was read: bytes of its content
    /// and lines; nil for a file never read.
    public func queueLogFileProgress(sourceID: Int64, firstLine: [UInt8]) throws -> (bytes: Int64, lines: Int64)? {
        try rows.drain()
        var progress: (Int64, Int64)?
        try database.makeStatement("SELECT bytes_read, lines_read FROM queue_log_file WHERE source_id = ? AND first_line = ?")
            .forEachRow([sourceID, firstLine]) { row in progress = (row.int64(0), row.int64(1)) }
        return progress
    }

    /// Starts a collection session reading `source`. It begins where the source's previous
    /// session ended, with the state that session ended with (agents' states, callers still
    /// waiting), so the source's coverage has no gap between two imports.
    @discardableResult
    public func beginQueueLogSession(source: QueueLogSourceInfo, server: String, connectedAt: Double) throws -> Int64 {
        if session != nil {
            try endSession(reason: "superseded", at: connectedAt)
        }
        try rows.drain()
        var previousEnd: Double?
        var carried: String?
        try database.write {
            // A crashed import is closed at its last journaled event, like a crashed collector; the
            // state its source carries was written with its last commit, so the two agree.
            try closeAbandonedSessions()
            try database.makeStatement("""
                SELECT s.ended_at, q.carried_state FROM queue_log_source q
                JOIN collection_session s ON s.session_id = q.last_session_id WHERE q.source_id = ?
                """).forEachRow([source.id]) { row in
                previousEnd = row.optionalDouble(0)
                carried = row.string(1)
            }
            try database.execute("INSERT INTO collection_session (server, connected_at, source_id) VALUES (?, ?, ?)",
                                 server, connectedAt, source.id)
        }
        let id = database.lastInsertedRowID
        try startSessionState(id: id)
        queueLog = try loadQueueLogState(sourceID: source.id, sessionID: id)
        try inBatch(now: connectedAt) {
            try restoreQueueLogState(carried: carried, at: previousEnd)
        }
        try commit()
        return id
    }

    /// The agents and queues the database already has, by number and name, and the times the
    /// collector and the sessions of other queue_log sources before session `sessionID` read.
    func loadQueueLogState(sourceID: Int64, sessionID: Int64) throws -> QueueLogState {
        let state = QueueLogState(sourceID: sourceID)
        try database.makeStatement("SELECT agent_id, number FROM agent WHERE number IS NOT NULL ORDER BY updated_at").forEachRow { row in
            guard let id = row.string(0), let number = row.string(1) else { return }
            state.agentIDsByNumber[number] = id
            state.agentNumbersByID[id] = number
            state.knownObjects.insert("a:" + id)
        }
        try database.makeStatement("SELECT queue_id, name FROM queue WHERE name IS NOT NULL ORDER BY updated_at").forEachRow { row in
            guard let id = row.string(0), let name = row.string(1) else { return }
            state.queueIDsByName[name] = id
            state.knownObjects.insert("q:" + id)
        }
        // A collector's session ends when it ends, or (crashed, not yet closed) at its last message.
        try database.makeStatement("""
            SELECT started_at, coalesce(ended_at, last_event_at) FROM collection_session
            WHERE source_id IS NULL AND started_at IS NOT NULL AND coalesce(ended_at, last_event_at) > started_at
            ORDER BY started_at
            """).forEachRow { row in
            state.ctiSpans.append((row.double(0), row.double(1)))
        }
        state.ctiSpans = QueueLogState.merged(state.ctiSpans)
        // The first source to read a time counts it: only earlier sessions, so that replay, which
        // goes through the sessions in order, decides as the imports did. An import's session ends
        // 1 ms after its last line; one killed, at its last line.
        try database.makeStatement("""
            SELECT started_at, coalesce(ended_at, last_event_at) FROM collection_session
            WHERE source_id IS NOT NULL AND source_id <> ? AND session_id < ?
              AND started_at IS NOT NULL AND coalesce(ended_at, last_event_at) > started_at
            """).forEachRow([sourceID, sessionID]) { row in
            state.otherSourceSpans.append((row.double(0), row.double(1)))
        }
        state.otherSourceSpans = QueueLogState.merged(state.otherSourceSpans)
        return state
    }

    /// Puts back what the previous session of the source left open, from its end: each
    /// agent's state (an interval that did not begin here) and each caller still waiting
    /// (the same visit row goes on). Inside a batch.
    func restoreQueueLogState(carried: String?, at start: Double?) throws {
        guard let start, let sessionID = session?.id, let state = queueLog else { return }
        session?.startedAt = start
        session?.lastEventTime = start
        try rows.write(SessionStarted(startedAt: start, sessionID: sessionID))
        guard let carried else { return }
        let waiting = state.restore(carried)
        derived.currentHour = Int64((start / 3600).rounded(.down))
        derived.latestEventTime = start
        let context = MessageContext(sessionID: sessionID, sessionStart: start, time: start, journalSeq: nil)
        for number in state.agents.keys.sorted() {
            try updateQueueLogAgent(number, at: start, began: false, context)
        }
        for entry in waiting {
            try rows.write(VisitContinued(sessionID: sessionID, visitID: entry.visit.rowID))
            derived.addWaiting(entry.visit, queueID: entry.queueID, key: entry.key)
        }
    }

    /// Writes where the source was left and the state to carry (at each commit and at the
    /// session's end, before anything is closed).
    func writeQueueLogSourceState() throws {
        guard let state = queueLog, let current = session else { return }
        try rows.write(QueueLogSourceState(
            lastSessionID: current.id, lastEventAt: current.lastEventTime, lastRowID: state.lastRowID,
            carriedState: state.carried(waiting: derived.waiting), sourceID: state.sourceID))
    }

    // MARK: Lines

    /// Journals one queue_log line as read and applies what it means; false when the line
    /// could not be read (it is journaled with the reason). Never throws for bad input.
    /// Commits only when the caller says (`commit`), so that the caller's progress row
    /// (`noteQueueLogFile`) is in the same transaction as the lines it counts.
    @discardableResult
    public func recordQueueLog(line: UnsafeRawBufferPointer, receivedAt: Double) throws -> Bool {
        guard session != nil, queueLog != nil else { throw RecorderError.noSession }
        var readable = false
        try inBatch(now: receivedAt) {
            readable = try applyQueueLogLine(line, receivedAt: receivedAt, journalSeq: nil)
        }
        statistics.messages += 1
        statistics.lastReceivedAt = receivedAt
        return readable
    }

    public func recordQueueLog(line: [UInt8], receivedAt: Double) throws -> Bool {
        try line.withUnsafeBytes { try recordQueueLog(line: $0, receivedAt: receivedAt) }
    }

    /// How much of a file has been read, written with the lines read so far.
    public func noteQueueLogFile(firstLine: [UInt8], bytesRead: Int64, linesRead: Int64, path: String) throws {
        guard let state = queueLog else { throw RecorderError.noSession }
        try inBatch(now: nil) {
            try firstLine.withUnsafeBytes { bytes in
                try rows.write(QueueLogFileProgress(sourceID: state.sourceID, firstLine: RowBlob(bytes: bytes), bytesRead: bytesRead,
                                                    linesRead: linesRead, path: path))
            }
        }
    }

    /// A following import looked at its source (found new lines or not) at `localTime`:
    /// committed at once, so `status` sees a quiet source's follower as live.
    public func noteQueueLogPolled(at localTime: Double) throws {
        guard let state = queueLog else { throw RecorderError.noSession }
        try inBatch(now: localTime) {
            try rows.write(QueueLogSourcePolled(polledAt: localTime, sourceID: state.sourceID))
        }
        try commit()
    }

    /// The largest table `id` read, saved with the source at the next commit.
    public func noteQueueLogRowID(_ id: Int64) {
        let previous = queueLog?.lastRowID ?? id
        queueLog?.lastRowID = max(previous, id)
    }

    /// The one place a queue_log line becomes rows, live and in replay.
    func applyQueueLogLine(_ bytes: UnsafeRawBufferPointer, receivedAt: Double, journalSeq: Int64?) throws -> Bool {
        guard let current = session else { throw RecorderError.noSession }
        switch QueueLogLine.parse(bytes) {
        case .failure(let error):
            if journalSeq == nil {
                try insertJournal(receivedAt: receivedAt, eventTime: current.lastEventTime ?? receivedAt, malformed: error.reason, line: bytes)
            }
            statistics.malformed += 1
            return false
        case .success(let line) where line.time > receivedAt + Self.queueLogFutureLeeway:
            // A PBX clock set wrong for a moment: nothing derived goes back in time, so one such
            // line would date every line after it, in this import and the next, at its time.
            if journalSeq == nil {
                try insertJournal(receivedAt: receivedAt, eventTime: current.lastEventTime ?? receivedAt,
                                  malformed: "time in the future: more than a day after this machine's clock", line: bytes)
            }
            statistics.malformed += 1
            return false
        case .success(let line):
            // Lines are in time order but for the odd one a second early; nothing derived
            // goes back in time.
            let time = max(line.time, derived.latestEventTime)
            let startedAt: Double
            if let started = current.startedAt {
                startedAt = started
            } else {
                startedAt = line.time
                session?.startedAt = startedAt
                try rows.write(SessionStarted(startedAt: startedAt, sessionID: current.id))
            }
            session?.lastEventTime = max(current.lastEventTime ?? time, time)
            session?.lastReceivedAt = receivedAt
            let seq = try journalSeq ?? insertJournal(receivedAt: receivedAt, eventTime: line.time, malformed: nil, line: bytes)
            let context = MessageContext(sessionID: current.id, sessionStart: startedAt, time: time, journalSeq: seq)
            switch queueLog?.coverage(at: line.time) ?? .ours {
            case .otherSource(let entered):
                if let entered { try yieldToOtherSource(at: max(entered, derived.latestEventTime)) }
                statistics.heldByOtherSource += 1
                return true
            case .cti(let entered):
                if let entered { try yieldToCTI(at: max(entered, derived.latestEventTime)) }
                try recordQueueLogFacts(line, context)
                return true
            case .ours:
                break
            }
            try advanceQueueLogClock(to: time, context)
            try applyQueueLog(line, context)
            try recordQueueLogFacts(line, context)
            return true
        }
    }

    /// Wrap-ups that ended before `time` end at their own instant, and intervals are cut at
    /// every UTC hour passed, in time order.
    private func advanceQueueLogClock(to time: Double, _ context: MessageContext) throws {
        if let dueFrom = queueLog?.wrapupsDueFrom, time >= dueFrom {
            for wrapup in wrapupsEnded(by: time) {
                try cutIntervalsAtHours(upTo: max(wrapup.end, derived.latestEventTime), context)
                if let agent = queueLog?.agents[wrapup.number] { agent.wrapupUntil = nil }
                try updateQueueLogAgent(wrapup.number, at: max(wrapup.end, derived.latestEventTime), began: true, context)
            }
        }
        derived.latestEventTime = max(derived.latestEventTime, time)
        try cutIntervalsAtHours(upTo: derived.latestEventTime, context)
    }

    /// The wrap-ups that end by `time`, in time order, and when the next one ends. One look at
    /// every agent: ending a wrap-up starts none, so those are all there is to end.
    private func wrapupsEnded(by time: Double) -> [(end: Double, number: String)] {
        var due: [(end: Double, number: String)] = []
        var next = Double.infinity
        for (number, agent) in queueLog?.agents ?? [:] {
            guard let end = agent.wrapupUntil else { continue }
            if end <= time { due.append((end, number)) } else { next = min(next, end) }
        }
        queueLog?.wrapupsDueFrom = next
        return due.sorted { ($0.end, $0.number) < ($1.end, $1.number) }
    }

    private func applyQueueLog(_ line: QueueLogLine, _ context: MessageContext) throws {
        let time = context.time
        switch line.kind {
        case .enterQueue:
            let queueID = try queueID(line.queue, context)
            let key = "u:" + line.callID
            guard derived.waiting[queueID]?[key] == nil else { return }
            let name = line.field(4)
            let visitID = try startQueueLogVisit(queueID: queueID, line: line, callerNumber: line.field(2), callerName: name, joinTime: time, context)
            derived.addWaiting(OpenVisit(rowID: visitID, joinTime: time), queueID: queueID, key: key)
        case .connect:
            guard let number = agentNumber(line.agent) else { return }
            let queueID = try queueID(line.queue, context)
            let visitID: Int64
            if let visit = derived.removeWaiting(queueID: queueID, key: "u:" + line.callID) {
                visitID = visit.rowID
            } else {
                // The caller joined before the log began: its wait is in the line.
                visitID = try startQueueLogVisit(queueID: queueID, line: line, callerNumber: "", callerName: "",
                                                 joinTime: time - (line.seconds(1) ?? 0), context)
            }
            let agent = try agent(number, context)
            try rows.write(VisitLeft(leaveTime: time, visitID: visitID))
            try rows.write(VisitAnswered(agentID: agent.agentID, answeredAt: time, visitID: visitID))
            agent.callID = line.callID
            agent.wrapupUntil = nil
            try updateQueueLogAgent(number, at: time, began: true, context)
        case .completeAgent, .completeCaller, .transfer, .blindTransfer, .attendedTransfer:
            guard let number = agentNumber(line.agent) else { return }
            let agent = try agent(number, context)
            if agent.callID == nil {
                try reconstructAnsweredVisit(line, agentID: agent.agentID, context)
            }
            agent.callID = nil
            try updateQueueLogAgent(number, at: time, began: true, context)
        case .abandon, .exitWithTimeout, .exitEmpty, .exitWithKey, .withdraw, .leaveEmpty:
            let queueID = try queueID(line.queue, context)
            if let visit = derived.removeWaiting(queueID: queueID, key: "u:" + line.callID) {
                try rows.write(VisitLeft(leaveTime: max(time, visit.joinTime), visitID: visit.rowID))
                try rows.write(VisitAbandoned(visitID: visit.rowID))
            }
        case .ringNoAnswer, .ringCanceled:
            // Only a logged-in, unpaused member is rung.
            guard let number = agentNumber(line.agent) else { return }
            try inferLoggedIn(number, context)
        case .pause, .unpause, .pauseAll, .unpauseAll:
            guard let number = agentNumber(line.agent) else { return }
            let agent = try inferLoggedIn(number, context)
            switch line.kind {
            case .pause: agent.pausedQueues.insert(line.queue)
            case .unpause: agent.pausedQueues.remove(line.queue)
            case .pauseAll: agent.pausedAll = true
            default:
                agent.pausedAll = false
                agent.pausedQueues = []
            }
            try updateQueueLogAgent(number, at: time, began: true, context)
        case .agentLogin, .agentCallbackLogin:
            guard let number = agentNumber(line.agent) else { return }
            try agent(number, context).loggedIn = true
            try updateQueueLogAgent(number, at: time, began: true, context)
        case .agentLogoff, .agentCallbackLogoff:
            guard let number = agentNumber(line.agent) else { return }
            let agentID = try agent(number, context).agentID
            queueLog?.agents[number] = QueueLogAgent(agentID: agentID)
            try updateQueueLogAgent(number, at: time, began: true, context)
        case .addMember, .removeMember:
            guard let number = agentNumber(line.agent) else { return }
            let agent = try agent(number, context)
            if line.kind == .addMember {
                agent.memberships.insert(line.queue)
            } else {
                agent.memberships.remove(line.queue)
                agent.pausedQueues.remove(line.queue)
            }
            try updateQueueLogAgent(number, at: time, began: true, context)
        case .wrapupStart:
            guard let number = agentNumber(line.agent), let seconds = line.seconds(1), seconds > 0 else { return }
            try inferLoggedIn(number, context).wrapupUntil = time + seconds
            if let dueFrom = queueLog?.wrapupsDueFrom, time + seconds < dueFrom {
                queueLog?.wrapupsDueFrom = time + seconds
            }
            try updateQueueLogAgent(number, at: time, began: true, context)
        case .queueStart:
            // Asterisk (re)started: what was in progress in its previous run ended before.
            try endQueueLogRun(at: time, context)
        default:
            // FULL, JOINEMPTY, CLOSED, DIVERT_*: refused before the caller could wait, not a
            // visit. CONFIGRELOAD, DID, custom events: kept in the journal only.
            break
        }
    }

    /// A call that ended without its `CONNECT` in the log (it was answered before the log
    /// began): its visit from the wait and talk times the end event carries (xivo-stat's
    /// "partial call").
    private func reconstructAnsweredVisit(_ line: QueueLogLine, agentID: String, _ context: MessageContext) throws {
        let (waitField, talkField): (Int, Int)
        switch line.kind {
        case .completeAgent, .completeCaller: (waitField, talkField) = (1, 2)
        case .attendedTransfer where line.field(1) == "LINK": (waitField, talkField) = (4, 5)
        default: (waitField, talkField) = (3, 4)
        }
        guard let wait = line.seconds(waitField), let talk = line.seconds(talkField) else { return }
        let queueID = try queueID(line.queue, context)
        if let visit = derived.removeWaiting(queueID: queueID, key: "u:" + line.callID) {
            // Joined in the log, but its CONNECT is missing: answered when the talk began.
            let answeredAt = max(visit.joinTime, context.time - talk)
            try rows.write(VisitLeft(leaveTime: answeredAt, visitID: visit.rowID))
            try rows.write(VisitAnswered(agentID: agentID, answeredAt: answeredAt, visitID: visit.rowID))
            return
        }
        let answeredAt = context.time - talk
        let visitID = try startQueueLogVisit(queueID: queueID, line: line, callerNumber: "", callerName: "",
                                             joinTime: answeredAt - wait, context)
        try rows.write(VisitLeft(leaveTime: answeredAt, visitID: visitID))
        try rows.write(VisitAnswered(agentID: agentID, answeredAt: answeredAt, visitID: visitID))
    }

    private func startQueueLogVisit(queueID: String, line: QueueLogLine, callerNumber: String, callerName: String,
                                    joinTime: Double, _ context: MessageContext) throws -> Int64 {
        let rowID = takeID(\.nextVisitID)
        try rows.write(VisitStarted(
            visitID: rowID, ipbx: Self.queueLogIPBX, queueID: queueID, uniqueID: line.callID,
            callerNumber: callerNumber.isEmpty ? nil : callerNumber, callerName: callerName.isEmpty ? nil : callerName,
            joinTime: joinTime, sessionID: context.sessionID))
        return rowID
    }

    /// Callers still waiting have an unknown outcome; every agent is logged out.
    /// The collector recorded the time from `time` on: what this source derived ends there.
    /// Callers still waiting are dropped (the collector saw them waiting and counts them, from
    /// their own join), agents' intervals close, and every agent starts again logged out once
    /// the collector's time is over.
    private func yieldToCTI(at time: Double) throws {
        for queueID in derived.waiting.keys.sorted() {
            for visit in (derived.waiting[queueID] ?? [:]).values.sorted(by: { $0.rowID < $1.rowID }) {
                try rows.write(VisitDropped(visitID: visit.rowID))
            }
        }
        derived.waiting = [:]
        try closeIntervals(at: time)
        for number in (queueLog?.agents.keys.sorted() ?? []) {
            guard let agentID = queueLog?.agents[number]?.agentID else { continue }
            queueLog?.agents[number] = QueueLogAgent(agentID: agentID)
        }
    }

    /// Another queue_log source of the database read the time from `time` on and counted it
    /// all, XiVO's figures included: as for the collector's time (`yieldToCTI`), and this
    /// source's XiVO spans end there and the calls it waited for are that source's.
    private func yieldToOtherSource(at time: Double) throws {
        try yieldToCTI(at: time)
        try endQueueLogFacts(at: time)
    }

    private func endQueueLogRun(at time: Double, _ context: MessageContext) throws {
        for queueID in derived.waiting.keys.sorted() {
            for visit in (derived.waiting[queueID] ?? [:]).values.sorted(by: { $0.rowID < $1.rowID }) {
                try rows.write(VisitLeftUnknown(leaveTime: max(time, visit.joinTime), visitID: visit.rowID))
            }
        }
        derived.waiting = [:]
        for number in (queueLog?.agents.keys.sorted() ?? []) {
            guard let agentID = queueLog?.agents[number]?.agentID else { continue }
            queueLog?.agents[number] = QueueLogAgent(agentID: agentID)
            try updateQueueLogAgent(number, at: time, began: true, context)
        }
    }

    // MARK: Agents and queues

    /// The agent number an agent field names: `Agent/1001`, `Local/1001@from-queue/n`,
    /// `SIP/1001` and `PJSIP/1001` are 1001; `Local/id-5@agentcallback` (Wazo's interface) is
    /// the agent whose id is 5 when the database knows it (CTI data), else nobody; `NONE`
    /// is nobody; any other text (a member name) is itself.
    func agentNumber(_ raw: String) -> String? {
        if raw.isEmpty || raw == "NONE" { return nil }
        // On the bytes: every separator is ASCII, and Character-wise search was a tenth of
        // the line's interpretation.
        let bytes = raw.utf8
        guard let slash = bytes.firstIndex(of: UInt8(ascii: "/")) else { return raw }
        var rest = bytes[bytes.index(after: slash)...]
        if let end = rest.firstIndex(where: { $0 == UInt8(ascii: "@") || $0 == UInt8(ascii: "/") }) {
            rest = rest[..<end]
        }
        if raw.hasPrefix("Local/id-") {
            return queueLog?.agentNumbersByID[String(decoding: rest.dropFirst(3), as: UTF8.self)]
        }
        return rest.isEmpty ? nil : String(decoding: rest, as: UTF8.self)
    }

    /// The agent numbered `number`, with a row in `agent` (written the first time).
    func agent(_ number: String, _ context: MessageContext) throws -> QueueLogAgent {
        if let known = queueLog?.agents[number] { return known }
        let agentID = queueLog?.agentIDsByNumber[number] ?? "Agent/" + number
        if queueLog?.knownObjects.insert("a:" + agentID).inserted == true {
            try rows.write(AgentConfigRow(ipbx: Self.queueLogIPBX, agentID: agentID, number: number, firstname: nil, lastname: nil,
                                          context: nil, config: UTF8Text(Array("{}".utf8)), updatedAt: context.time))
        }
        let agent = QueueLogAgent(agentID: agentID)
        queueLog?.agents[number] = agent
        return agent
    }

    /// The queue named `name` keeps its name as its id, unless CTI data gave it another.
    func queueID(_ name: String, _ context: MessageContext) throws -> String {
        // Most lines name a queue: after its first, one lookup and no string built.
        if let resolved = queueLog?.resolvedQueues[name] { return resolved }
        let queueID = queueLog?.queueIDsByName[name] ?? name
        if queueLog?.knownObjects.insert("q:" + queueID).inserted == true {
            try rows.write(QueueConfigRow(ipbx: Self.queueLogIPBX, queueID: queueID, name: name, number: nil, displayName: nil,
                                          context: nil, config: UTF8Text(Array("{}".utf8)), updatedAt: context.time))
        }
        queueLog?.resolvedQueues[name] = queueID
        return queueID
    }

    /// The agent numbered `number`, seen doing what only a logged-in agent does.
    @discardableResult
    private func inferLoggedIn(_ number: String, _ context: MessageContext) throws -> QueueLogAgent {
        let agent = try agent(number, context)
        if !agent.loggedIn && agent.memberships.isEmpty {
            agent.inferredLoggedIn = true
        }
        return agent
    }

    /// Moves the agent's state interval to the state its queue_log state is in at `time`.
    /// Unlike CTI statuses, a state of no length is never resumed into the one before it: two
    /// calls in the same second are two ACD calls.
    func updateQueueLogAgent(_ number: String, at time: Double, began: Bool, _ context: MessageContext) throws {
        guard let agent = queueLog?.agents[number] else { return }
        let state = agent.state(at: time)
        var tracker = derived.agents[agent.agentID] ?? AgentTracker(ipbx: Self.queueLogIPBX)
        if let open = tracker.interval {
            guard open.state != state else { return }
            let at = max(time, open.start)
            if at == open.start {
                try rows.write(IntervalRelabelled(state: state.rawValue, id: open.rowID))
                tracker.interval = OpenInterval(rowID: open.rowID, state: state, start: open.start)
            } else {
                try closeInterval(open, at: at)
                tracker.interval = try openInterval(agent: agent.agentID, ipbx: tracker.ipbx, state: state, start: at, began: began, context)
            }
        } else {
            tracker.interval = try openInterval(agent: agent.agentID, ipbx: tracker.ipbx, state: state,
                                                start: max(time, context.sessionStart), began: began, context)
        }
        derived.agents[agent.agentID] = tracker
    }
}
