import Storage

/// XiVO's own figures and the pause reasons (metrics.md "XiVO's own figures", "Pause reasons"),
/// from the rows a queue_log import writes (migration 0012) and the agents' paused intervals.
extension ReportQueries {
    // MARK: XiVO queues

    /// The queues with a call XiVO counts in the range (or those `--queue` names): each gets a
    /// row in every period, as XiVO's page shows every hour of a queue.
    static let xivoQueuesSQL = """
        SELECT DISTINCT queue_id FROM queue_log_call
        WHERE counted_at >= ?1 AND counted_at < ?2 AND (?3 IS NULL OR queue_id IN (SELECT value FROM json_each(?3)))
        """

    static let xivoQueueCallsSQL = """
        SELECT queue_id, status, count(*), count(CASE WHEN status = 'answered' AND wait_s <= ?4 THEN 1 END), total(wait_s)
        FROM queue_log_call
        WHERE counted_at >= ?1 AND counted_at < ?2 AND (?3 IS NULL OR queue_id IN (SELECT value FROM json_each(?3)))
        GROUP BY queue_id, status
        """

    /// One row per period and queue with a counted call in the range, in period order, then queue id.
    public func xivoQueues(periods: [Period]? = nil, _ emit: (XiVOQueueRow) throws -> Void) throws {
        let list = queueIDs.map(JSONList.encode)
        // The queues asked for get their rows, calls or not, as on XiVO's page.
        var queues = queueIDs ?? []
        if queueIDs == nil {
            try database.cachedStatement(Self.xivoQueuesSQL).forEachRow([parameters.range.start, parameters.range.end, list]) {
                queues.append($0.string(0) ?? "")
            }
        }
        queues.sort(by: IDOrder.less)
        let calls = try database.cachedStatement(Self.xivoQueueCallsSQL)
        for period in periods ?? self.periods {
            var rows: [String: XiVOQueueRow] = [:]
            try calls.forEachRow([period.start, period.end, list, parameters.qosThreshold]) { row in
                let id = row.string(0) ?? ""
                var figures = rows[id] ?? XiVOQueueRow(period: period, queueID: id, queueName: directory.queueName(id))
                let count = row.int(2)
                switch row.string(1) ?? "" {
                case "answered": figures.answered += count
                case "abandoned": figures.abandoned += count
                case "closed": figures.closed += count
                case "full": figures.full += count
                case "divert_ca_ratio", "divert_waittime": figures.diverted += count
                case "joinempty": figures.joinEmpty += count
                case "leaveempty": figures.leaveEmpty += count
                case "timeout": figures.timeout += count
                default: break
                }
                figures.answeredInThreshold += row.int(3)
                figures.waitTotal += row.double(4)
                rows[id] = figures
            }
            for id in queues {
                try emit(rows[id] ?? XiVOQueueRow(period: period, queueID: id, queueName: directory.queueName(id)))
            }
        }
    }

    // MARK: XiVO agents

    static let xivoAnsweredSQL = """
        SELECT agent_id, count(*), total(talk_s) FROM queue_log_call
        WHERE counted_at >= ?1 AND counted_at < ?2 AND status = 'answered' AND agent_id IS NOT NULL
          AND (?3 IS NULL OR agent_id IN (SELECT value FROM json_each(?3)))
        GROUP BY agent_id
        """

    /// The spans overlapping `[?1, ?2)`: those that began at most a day before it (by start), and
    /// the longer or still open ones that began earlier (the partial index of those alone).
    static let xivoSpansSQL = """
        SELECT agent_id, kind, start_time, end_time, source_id FROM queue_log_agent_span INDEXED BY queue_log_agent_span_time
        WHERE start_time >= ?1 - 86400 AND start_time < ?2 AND kind <> 'pause' AND (end_time IS NULL OR end_time > ?1)
          AND (?3 IS NULL OR agent_id IN (SELECT value FROM json_each(?3)))
        UNION ALL
        SELECT agent_id, kind, start_time, end_time, source_id FROM queue_log_agent_span INDEXED BY queue_log_agent_span_long
        WHERE (end_time IS NULL OR end_time > start_time + 86400) AND (end_time IS NULL OR end_time > ?1)
          AND start_time < ?1 - 86400 AND kind <> 'pause'
          AND (?3 IS NULL OR agent_id IN (SELECT value FROM json_each(?3)))
        """

    /// How far each queue_log source was read: a span still open then was still so at that
    /// moment (XiVO runs it to the time its statistics are made).
    static let sourcesReadUntilSQL = """
        SELECT source_id, max(max(connected_at, coalesce(ended_at, last_event_at, connected_at))) FROM collection_session
        WHERE source_id IS NOT NULL GROUP BY source_id
        """

    /// An agent's login (merged), XiVO pause and wrap-up spans, clipped to the range.
    struct XiVOAgentSpans {
        var login: [Period] = []
        var pause: [Period] = []
        var wrapup: [Period] = []
    }

    /// One row per period and agent with an answered call or a login, pause or wrap-up in the
    /// range (and each agent `--agent` names), in period order, then agent id.
    public func xivoAgents(periods: [Period]? = nil, _ emit: (XiVOAgentRow) throws -> Void) throws {
        let list = agentIDs.map(JSONList.encode)
        let range = parameters.range
        var readUntil: [Int64: Double] = [:]
        try database.cachedStatement(Self.sourcesReadUntilSQL).forEachRow { readUntil[$0.int64(0)] = $0.double(1) }
        var spans: [String: XiVOAgentSpans] = [:]
        try database.cachedStatement(Self.xivoSpansSQL).forEachRow([range.start, range.end, list]) { row in
            let agentID = row.string(0) ?? ""
            let end = row.optionalDouble(3) ?? readUntil[row.int64(4)] ?? row.double(2)
            let span = Period(start: max(row.double(2), range.start), end: min(end, range.end))
            guard span.end > span.start else { return }
            switch row.string(1) ?? "" {
            case "login": spans[agentID, default: XiVOAgentSpans()].login.append(span)
            case "pause_all": spans[agentID, default: XiVOAgentSpans()].pause.append(span)
            case "wrapup": spans[agentID, default: XiVOAgentSpans()].wrapup.append(span)
            default: break
            }
        }
        // Overlapping login sessions count once (XiVO merges them).
        for (agentID, agent) in spans {
            spans[agentID]?.login = Coverage(range: range, sessions: agent.login).spans
        }
        let answered = try database.cachedStatement(Self.xivoAnsweredSQL)
        var agents = Set(agentIDs ?? [])
        agents.formUnion(spans.keys)
        try database.cachedStatement(Self.xivoAnsweredSQL).forEachRow([range.start, range.end, list]) { agents.insert($0.string(0) ?? "") }
        let ordered = agents.sorted(by: IDOrder.less)
        func overlap(_ list: [Period], _ period: Period) -> Int64 {
            var total = 0.0
            for span in list where span.start < period.end && span.end > period.start {
                total += min(span.end, period.end) - max(span.start, period.start)
            }
            return NumberFormat.toMilliseconds(total)
        }
        for period in periods ?? self.periods {
            var calls: [String: (count: Int, talk: Double)] = [:]
            try answered.forEachRow([period.start, period.end, list]) { calls[$0.string(0) ?? ""] = ($0.int(1), $0.double(2)) }
            for agentID in ordered {
                let agent = directory.agents[agentID]
                var row = XiVOAgentRow(period: period, agentID: agentID, agentNumber: agent?.number, agentName: agent?.name)
                if let call = calls[agentID] {
                    row.answered = call.count
                    row.conversation = NumberFormat.toMilliseconds(call.talk)
                }
                if let agentSpans = spans[agentID] {
                    row.login = overlap(agentSpans.login, period)
                    row.pause = overlap(agentSpans.pause, period)
                    row.wrapup = overlap(agentSpans.wrapup, period)
                }
                try emit(row)
            }
        }
    }

    // MARK: Pause reasons

    /// Each agent's paused time in `[?1, ?2)` by reason: the paused state intervals (CTI and
    /// queue_log alike; an interval is at most an hour long, cut at every UTC hour), each with
    /// the reason of the queue_log pause it lies in, '' for none. Open intervals end with their
    /// session (as `Coverage` ends it). Each agent of `?3` (a JSON list) by a seek of its own in
    /// the (agent_id, start_time) index.
    static let pausesSQL = """
        SELECT i.agent_id,
               coalesce((SELECT p.reason FROM queue_log_agent_span p
                         WHERE p.agent_id = i.agent_id AND p.kind = 'pause' AND p.start_time <= i.start_time
                           AND (p.end_time IS NULL OR p.end_time > i.start_time)
                         ORDER BY p.start_time DESC LIMIT 1), '') AS reason,
               count(CASE WHEN i.began = 1 AND i.start_time >= ?1 THEN 1 END),
               total(max(0, min(coalesce(i.end_time, \(Coverage.sessionEndSQL("s"))), ?2) - max(i.start_time, ?1)))
        FROM agent_state_interval i INDEXED BY agent_state_interval_agent JOIN collection_session s ON s.session_id = i.session_id
        WHERE i.agent_id IN (SELECT value FROM json_each(?3)) AND i.start_time >= ?1 - 3600 AND i.start_time < ?2
          AND i.state = 'paused'
        GROUP BY 1, 2
        """

    /// One row per period, agent and reason with a pause that began in the period or paused
    /// time in it, in period order, then agent id and reason.
    public func pauses(periods: [Period]? = nil, _ emit: (PauseRow) throws -> Void) throws {
        let list = JSONList.encode(try ids(agentIDs, else: Self.intervalAgentsSQL))
        let statement = try database.cachedStatement(Self.pausesSQL)
        for period in periods ?? self.periods {
            var rows: [PauseRow] = []
            try statement.forEachRow([period.start, period.end, list]) { row in
                let id = row.string(0) ?? ""
                let paused = NumberFormat.toMilliseconds(row.double(3))
                let count = row.int(2)
                guard paused > 0 || count > 0 else { return }
                let agent = directory.agents[id]
                rows.append(PauseRow(period: period, agentID: id, agentNumber: agent?.number, agentName: agent?.name,
                                     reason: row.string(1) ?? "", pauses: count, paused: paused))
            }
            rows.sort { $0.agentID != $1.agentID ? IDOrder.less($0.agentID, $1.agentID) : $0.reason < $1.reason }
            for row in rows { try emit(row) }
        }
    }
}
