import Storage

/// The supervisor's "now" views over one read-only connection: every agent's current state,
/// every queue's waiting list and latest statistics, and the latest calls and visits.
///
/// Create it, and run its queries, inside one `database.read { }` (after `AsOf.find` in the
/// same read) so that "now" and every figure come from the same snapshot. "Today so far"
/// figures are not computed here: they are the reports' own rows (`ReportQueries` occupancy
/// and missed) for `[start of today, asOf]`, so they agree with `callstats report`.
public final class NowQueries {
    let database: Database
    public let asOf: AsOf
    public let calendar: ReportCalendar
    public let today: TodaySoFar
    /// The report parameters of "today so far": the range `today.period`, one period.
    public let todayParameters: ReportParameters
    let directory: Directory

    public init(
        database: Database, asOf: AsOf, calendar: ReportCalendar,
        serviceLevelThreshold: Double = 20, shortAbandon: Double = 5, callbackWindow: Double = 86_400
    ) throws {
        self.database = database
        self.asOf = asOf
        self.calendar = calendar
        let today = try TodaySoFar(asOf: asOf.time, calendar: calendar)
        self.today = today
        self.todayParameters = ReportParameters(
            calendar: calendar, range: today.period, interval: .total,
            serviceLevelThreshold: serviceLevelThreshold, shortAbandon: shortAbandon, callbackWindow: callbackWindow
        )
        self.directory = try Directory(database: database)
    }

    /// The reports' queries for today so far (one period: `todayParameters.range`).
    func todayQueries() throws -> ReportQueries {
        try ReportQueries(database: database, parameters: todayParameters)
    }

    // MARK: Agents

    /// Per configured agent: the interval in effect at ?1 is its latest one starting at or
    /// before ?1 (one index seek), when it has not ended before ?1. An interval closed at ?1
    /// itself still counts: with no live session, ?1 is the latest event, and what held then
    /// is the last thing known. Its state began at the latest interval, at or before it, that
    /// began a state (`began`), or that opened with its session (state known from the server's
    /// initial status), walking back over the agent's intervals of its session (intervals are
    /// cut at every hour with `began` 0, so a state's pieces are walked back to its first).
    /// A queue_log session goes on from where the source's previous one ended: an interval it
    /// opens with the state the previous one ended in (same source, same state, ending at its
    /// start) continues that state, so the walk goes on into the previous session. A CTI
    /// session (no source) starts from its own bootstrap: its opening intervals are new.
    /// Intervals are at most an hour long, which bounds the look for the previous piece.
    static let agentsSQL = """
        WITH a AS (
            SELECT agent_id, status FROM agent WHERE deleted_at IS NULL
        ),
        cur AS (
            SELECT a.agent_id, i.state, i.start_time, i.session_id, cs.source_id
            FROM a JOIN agent_state_interval i
              ON i.id = (SELECT x.id FROM agent_state_interval x INDEXED BY agent_state_interval_agent
                         WHERE x.agent_id = a.agent_id AND x.start_time <= ?1
                         ORDER BY x.start_time DESC, x.id DESC LIMIT 1)
            JOIN collection_session cs ON cs.session_id = i.session_id
            WHERE i.end_time IS NULL OR i.end_time >= ?1
        )
        SELECT a.agent_id, cur.state,
               (SELECT y.start_time FROM agent_state_interval y INDEXED BY agent_state_interval_agent
                JOIN collection_session s ON s.session_id = y.session_id
                WHERE y.agent_id = cur.agent_id AND y.start_time <= cur.start_time
                  AND (y.session_id = cur.session_id OR s.source_id = cur.source_id)
                  AND (y.began = 1 OR (y.start_time <= s.started_at AND NOT EXISTS (
                      SELECT 1 FROM agent_state_interval p INDEXED BY agent_state_interval_agent
                      JOIN collection_session ps ON ps.session_id = p.session_id
                      WHERE p.agent_id = y.agent_id AND p.start_time BETWEEN y.start_time - 3600 AND y.start_time
                        AND p.end_time = y.start_time AND p.state = y.state AND p.session_id <> y.session_id
                        AND ps.source_id = s.source_id)))
                ORDER BY y.start_time DESC, y.id DESC LIMIT 1),
               cur.start_time,
               CASE WHEN json_valid(a.status) THEN json_extract(a.status, '$.phonenumber') END,
               CASE WHEN json_valid(a.status) AND json_type(a.status, '$.queues') = 'array' THEN
                   (SELECT group_concat(CAST(q.value AS TEXT), char(31)) FROM json_each(a.status, '$.queues') q) END
        FROM a LEFT JOIN cur ON cur.agent_id = a.agent_id
        """

    /// Every configured agent (and any agent logged in today), by id.
    public func agents() throws -> [AgentNow] {
        var rows: [String: AgentNow] = [:]
        try database.cachedStatement(Self.agentsSQL).forEachRow([asOf.time]) { row in
            let id = row.string(0) ?? ""
            let agent = directory.agents[id]
            // Ids joined with the unit separator, which no id holds.
            let queueIDs = (row.string(5) ?? "").split(separator: "\u{1F}").map(String.init)
            rows[id] = AgentNow(
                agentID: id, agentNumber: agent?.number, agentName: agent?.name,
                state: row.string(1), stateSince: row.optionalDouble(2) ?? row.optionalDouble(3),
                queueIDs: queueIDs, queueNames: queueIDs.map { directory.queueName($0) ?? $0 },
                phoneNumber: Directory.nonEmpty(row.string(4))
            )
        }
        try todayQueries().occupancy { occupancy in
            if rows[occupancy.agentID] == nil {
                rows[occupancy.agentID] = AgentNow(agentID: occupancy.agentID, agentNumber: occupancy.agentNumber, agentName: occupancy.agentName)
            }
            rows[occupancy.agentID]?.today = occupancy
        }
        return rows.values.sorted { IDOrder.less($0.agentID, $1.agentID) }
    }

    // MARK: Queues

    /// Per configured queue and statistic: the latest value at or before ?1, when its session
    /// covers ?1 (a value holds until its session ends: metrics.md "Queue statistics").
    static let queueStatisticsSQL = """
        WITH q AS (SELECT queue_id FROM queue WHERE deleted_at IS NULL),
        k(key) AS (VALUES ('Xivo-EWT'), ('Xivo-LoggedAgents'), ('Xivo-AvailableAgents'), ('Xivo-TalkingAgents'))
        SELECT q.queue_id, k.key, s.value
        FROM q CROSS JOIN k
        JOIN queue_stat_sample s
          ON s.id = (SELECT x.id FROM queue_stat_sample x
                     WHERE x.queue_id = q.queue_id AND x.key = k.key AND x.event_time <= ?1
                     ORDER BY x.event_time DESC, x.id DESC LIMIT 1)
        JOIN collection_session ss ON ss.session_id = s.session_id
        WHERE ss.ended_at IS NULL OR ss.ended_at >= ?1
        """

    /// Callers in a waiting list at ?1: joined at or before it and not left at or before it, in a
    /// session that covers it. A caller cut off by the session's end (left at its `ended_at`,
    /// outcome unknown) still waited at that instant; a caller who left the list at ?1 did not,
    /// even when the session ended before the outcome was known.
    /// A caller waits less than a day, which bounds the scan of the join-time index.
    static let waitingSQL = """
        SELECT v.queue_id, count(*), min(v.join_time)
        FROM queue_visit v INDEXED BY queue_visit_join
        JOIN collection_session ss ON ss.session_id = v.session_id
        WHERE v.join_time > ?1 - 86400 AND v.join_time <= ?1
          AND (v.leave_time IS NULL OR v.leave_time > ?1
               OR (v.leave_time = ?1 AND v.outcome = 'unknown' AND v.leave_time >= ss.ended_at))
          AND (ss.ended_at IS NULL OR ss.ended_at >= ?1)
        GROUP BY v.queue_id
        """

    /// Every configured queue (and any queue with a call today), by id.
    public func queues() throws -> [QueueNow] {
        var rows: [String: QueueNow] = [:]
        func row(_ id: String) -> QueueNow {
            rows[id] ?? QueueNow(queueID: id, queueName: directory.queueName(id))
        }
        for id in directory.queues.keys { rows[id] = row(id) }
        try database.cachedStatement(Self.queueStatisticsSQL).forEachRow([asOf.time]) { statement in
            let id = statement.string(0) ?? ""
            var queue = row(id)
            let value = statement.optionalDouble(2)
            switch statement.string(1) {
            case "Xivo-EWT": queue.ewt = value
            case "Xivo-LoggedAgents": queue.loggedAgents = value
            case "Xivo-AvailableAgents": queue.availableAgents = value
            case "Xivo-TalkingAgents": queue.talkingAgents = value
            default: break
            }
            rows[id] = queue
        }
        try database.cachedStatement(Self.waitingSQL).forEachRow([asOf.time]) { statement in
            let id = statement.string(0) ?? ""
            var queue = row(id)
            queue.waitingCalls = statement.int(1)
            queue.longestWait = max(0, asOf.time - statement.double(2))
            rows[id] = queue
        }
        try todayQueries().missed { missed in
            guard missed.targetKind == .queue else { return }
            var queue = row(missed.targetID)
            queue.today = missed
            rows[missed.targetID] = queue
        }
        // Configured but deleted queues have no row unless they had a call today.
        let configured = Set(try Self.configuredQueues(database))
        return rows.values
            .filter { configured.contains($0.queueID) || $0.today != nil || $0.waitingCalls > 0 }
            .sorted { IDOrder.less($0.queueID, $1.queueID) }
    }

    static func configuredQueues(_ database: Database) throws -> [String] {
        var ids: [String] = []
        try database.cachedStatement("SELECT queue_id FROM queue WHERE deleted_at IS NULL").forEachRow { ids.append($0.string(0) ?? "") }
        return ids
    }

    // MARK: Calls

    /// A call that counts as missed (metrics.md): inbound or internal, rang a user's phone,
    /// never answered. Other calls nobody answered (outbound ones) are "unanswered".
    static let missedCallSQL = """
        (c.outcome = 'missed' AND c.direction IN ('inbound', 'internal')
         AND EXISTS (SELECT 1 FROM call_ring g WHERE g.call_id = c.call_id AND g.user_id IS NOT NULL))
        """

    /// A visit still in its queue's waiting list at ?2 (as in `waitingSQL`).
    static let waitingVisitSQL = """
        ((v.leave_time IS NULL OR v.leave_time > ?2
          OR (v.leave_time = ?2 AND v.outcome = 'unknown' AND v.leave_time >= s.ended_at))
         AND (s.ended_at IS NULL OR s.ended_at >= ?2))
        """

    /// A visit `callstats calls` lists (?1 since, ?2 asOf, ?3 queue ids, ?5 include visits,
    /// ?7 missed only).
    static func listedVisitSQL(_ v: String) -> String {
        """
        (?5 AND \(v).join_time >= ?1 AND \(v).join_time <= ?2
         AND (?3 IS NULL OR \(v).queue_id IN (SELECT value FROM json_each(?3)))
         AND (NOT ?7 OR (\(v).outcome = 'abandoned' AND \(v).leave_time <= ?2)))
        """
    }

    /// The newest visits and calls of `[?1, ?2]`, chosen on their time alone (two index range
    /// scans), then detailed. A queue call is listed once: as its visit, which shows the
    /// call's direction, and not as a call while its visit is listed (a call that rang
    /// `--user`'s phone is listed as a call when visits are not). Parameters: ?1 since, ?2 asOf,
    /// ?3 queue ids (JSON) or NULL, ?4 user ids (JSON) or NULL, ?5 include visits, ?6 include
    /// calls, ?7 missed only, ?8 limit (-1: none), ?9 call-back window. Everything is as known
    /// at ?2: a caller who left later was still waiting then.
    static let recentCallsSQL = """
        WITH recent AS MATERIALIZED (
            SELECT kind, item, at FROM (
                SELECT 0 AS kind, v.visit_id AS item, v.join_time AS at
                FROM queue_visit v INDEXED BY queue_visit_join
                WHERE \(listedVisitSQL("v"))
                UNION ALL
                SELECT 1, c.call_id, c.started_at
                FROM call c INDEXED BY call_started
                WHERE ?6 AND c.started_at >= ?1 AND c.started_at <= ?2
                  AND (?4 IS NULL OR EXISTS (SELECT 1 FROM call_ring r WHERE r.call_id = c.call_id
                                               AND r.user_id IN (SELECT value FROM json_each(?4))))
                  AND (NOT ?7 OR \(missedCallSQL))
                  AND NOT EXISTS (SELECT 1 FROM queue_visit lv INDEXED BY queue_visit_call
                                  WHERE lv.call_id = c.call_id AND \(listedVisitSQL("lv")))
            )
            ORDER BY at DESC, kind, item DESC
            LIMIT ?8
        )
        SELECT r.kind, r.at,
               c.direction,
               coalesce(v.caller_number, c.caller_number), coalesce(v.caller_name, c.caller_name),
               CASE r.kind WHEN 0 THEN v.queue_id ELSE
                   coalesce((SELECT g.user_id FROM call_ring g WHERE g.call_id = c.call_id AND g.user_id IS NOT NULL
                                AND g.channel = c.callee_channel LIMIT 1),
                            (SELECT g.user_id FROM call_ring g WHERE g.call_id = c.call_id AND g.user_id IS NOT NULL
                             ORDER BY g.rang_at, g.phone_id LIMIT 1)) END,
               CASE r.kind WHEN 1 THEN c.callee_number END,
               v.agent_id,
               CASE r.kind
                   WHEN 0 THEN min(coalesce(v.leave_time, s.ended_at, ?2), ?2) - v.join_time
                   ELSE (CASE WHEN c.answered_at IS NOT NULL THEN c.answered_at ELSE c.ended_at END)
                        - coalesce(c.first_ring_at, c.started_at) END,
               CASE r.kind
                   WHEN 0 THEN CASE WHEN v.outcome = 'answered' AND v.answered_at IS NOT NULL AND v.answered_at <= ?2 THEN
                       min(coalesce((SELECT i.start_time FROM agent_state_interval i INDEXED BY agent_state_interval_agent
                                     WHERE i.agent_id = v.agent_id AND i.start_time > v.answered_at AND i.state <> 'acd_call'
                                     ORDER BY i.start_time LIMIT 1), ?2),
                           coalesce(s.ended_at, ?2), ?2) - v.answered_at END
                   ELSE c.ended_at - c.answered_at END,
               CASE r.kind
                   WHEN 0 THEN CASE WHEN \(waitingVisitSQL) THEN 'waiting'
                                    WHEN v.outcome = 'answered' THEN 'answered'
                                    WHEN v.outcome = 'abandoned' THEN 'missed'
                                    WHEN v.outcome = 'unknown' OR v.leave_time IS NULL THEN 'unknown'
                                    ELSE 'pending' END
                   ELSE CASE WHEN \(missedCallSQL) THEN 'missed'
                             WHEN c.outcome = 'missed' THEN 'unanswered'
                             ELSE coalesce(c.outcome, 'unknown') END END,
               CASE WHEN r.kind = 0 AND v.outcome = 'abandoned' AND NOT \(waitingVisitSQL) THEN
                        \(ReportQueries.calledBackSQL(number: "nullif(v.caller_number, '')", end: "v.leave_time", window: "?9"))
                    WHEN r.kind = 1 AND \(missedCallSQL) THEN
                        \(ReportQueries.calledBackSQL(number: "nullif(c.caller_number, '')", end: "c.ended_at", window: "?9"))
               END
        FROM recent r
        LEFT JOIN queue_visit v ON r.kind = 0 AND v.visit_id = r.item
        LEFT JOIN call c ON c.call_id = CASE r.kind WHEN 0 THEN v.call_id ELSE r.item END
        LEFT JOIN collection_session s ON s.session_id = coalesce(v.session_id, c.session_id)
        ORDER BY r.at DESC, r.kind, r.item DESC
        """

    /// The visits and calls of `[filter.since, asOf]`, newest first.
    public func recentCalls(_ filter: RecentCallsFilter) throws -> [RecentCall] {
        let queueIDs = filter.queues.isEmpty ? nil : try directory.resolveQueues(filter.queues)
        let userIDs = filter.users.isEmpty ? nil : try directory.resolveUsers(filter.users)
        var rows: [RecentCall] = []
        try database.cachedStatement(Self.recentCallsSQL).forEachRow([
            filter.since, asOf.time, queueIDs.map(JSONList.encode), userIDs.map(JSONList.encode),
            filter.includesVisits, filter.includesCalls, filter.missedOnly, filter.limit ?? -1,
            todayParameters.callbackWindow,
        ]) { row in
            let kind: RecentCall.Kind = row.int(0) == 0 ? .queue : .call
            let target = row.string(5)
            let agentID = row.string(7)
            let outcome = RecentCall.Outcome(rawValue: row.string(10) ?? "") ?? .unknown
            let wait = row.optionalDouble(8).map { max(0, $0) }
            rows.append(RecentCall(
                kind: kind, time: row.double(1), direction: row.string(2),
                callerNumber: Directory.nonEmpty(row.string(3)), callerName: Directory.nonEmpty(row.string(4)),
                targetID: target, targetName: target.flatMap { kind == .queue ? directory.queueName($0) : directory.userName($0) },
                calleeNumber: Directory.nonEmpty(row.string(6)),
                agentID: agentID, agentName: agentID.flatMap { directory.agents[$0]?.name },
                wait: wait, talk: row.optionalDouble(9).map { max(0, $0) }, outcome: outcome,
                calledBackAt: row.optionalDouble(11)
            ))
        }
        return rows
    }
}

extension Directory {
    /// `--user` values to user ids: each value is a user id.
    func resolveUsers(_ values: [String]) throws(ReportError) -> [String] {
        var ids: Set<String> = []
        for value in values {
            guard users[value] != nil else {
                throw ReportError("no user has the id '\(value)' in the database", isBadArgument: true)
            }
            ids.insert(value)
        }
        return ids.sorted(by: IDOrder.less)
    }
}
