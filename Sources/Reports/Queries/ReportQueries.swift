import Storage

/// The report queries over one read-only connection. Create it, and run every query of one
/// report, inside one `database.read { }` so they all see the same snapshot.
///
/// Every query clips in SQL: intervals and statistic values to their period and to their own
/// collection session, then aggregates per object. Rows reach Swift already aggregated, one
/// per period and object, and are handed to the caller one by one.
public final class ReportQueries {
    let database: Database
    public let parameters: ReportParameters
    public let periods: [Period]
    public let coverage: Coverage
    let directory: Directory
    /// Resolved filters: nil when the report is for every object of that kind.
    let queueIDs: [String]?
    let agentIDs: [String]?
    let userIDs: [String]?
    /// Whether missed-call reports hold queue rows and user rows (see docs/METRICS.md "Filters").
    public let includesQueues: Bool
    public let includesUsers: Bool

    public init(database: Database, parameters: ReportParameters) throws {
        self.database = database
        self.parameters = parameters
        self.periods = try parameters.periods()
        self.coverage = try Coverage(database: database, range: parameters.range)
        let directory = try Directory(database: database)
        self.directory = directory
        self.queueIDs = parameters.queues.isEmpty ? nil : try directory.resolveQueues(parameters.queues)
        let agents = parameters.agents.isEmpty ? nil : try directory.resolveAgents(parameters.agents)
        self.agentIDs = agents
        self.userIDs = agents.map { directory.users(ofAgents: $0) }
        self.includesQueues = parameters.agents.isEmpty || !parameters.queues.isEmpty
        self.includesUsers = parameters.queues.isEmpty || !parameters.agents.isEmpty
    }

    /// Settings of a read-only connection for scanning months of rows: the file read through
    /// a memory map (no read system call per page), a 128 MiB page cache, and GROUP BY sorts
    /// in memory. Call before `database.read { }`. The collector never truncates the file (no
    /// VACUUM), which is what makes a map unsafe.
    public static func tune(_ database: Database) throws {
        try database.execute(sql: "PRAGMA mmap_size = 2147418112")
        try database.execute(sql: "PRAGMA cache_size = -131072")
        try database.execute(sql: "PRAGMA temp_store = MEMORY")
    }

    private static func bindList(_ ids: [String]?) -> String? {
        ids.map(JSONList.encode)
    }

    // MARK: Occupancy

    /// One agent's intervals never overlap, so the intervals overlapping `[start, end)` are
    /// those that start in it, plus at most one per agent that started before it and is still
    /// running: the agent's latest interval starting in `[start - 3600, start)` (an interval is
    /// at most an hour long: the recorder cuts at every UTC hour). Both come from the
    /// (agent_id, start_time) index, agent by agent, so the rows reach GROUP BY in agent order.
    /// Each interval is clipped to the period and to its own session.
    static let occupancySQL = """
        WITH a(agent_id) AS (SELECT value FROM json_each(?3)),
        rows AS (
            SELECT i.agent_id, i.state, i.began, i.start_time, i.end_time, i.session_id
            FROM a CROSS JOIN agent_state_interval i INDEXED BY agent_state_interval_agent
            WHERE i.agent_id = a.agent_id AND i.start_time >= ?1 AND i.start_time < ?2
            UNION ALL
            SELECT i.agent_id, i.state, i.began, i.start_time, i.end_time, i.session_id
            FROM a CROSS JOIN agent_state_interval i
            WHERE i.id = (SELECT x.id FROM agent_state_interval x INDEXED BY agent_state_interval_agent
                          WHERE x.agent_id = a.agent_id AND x.start_time < ?1 AND x.start_time >= ?1 - 3600
                          ORDER BY x.start_time DESC, x.id DESC LIMIT 1)
              AND (i.end_time IS NULL OR i.end_time > ?1)
        )
        SELECT agent_id,
               total(CASE WHEN state <> 'logged_out' THEN d END),
               total(CASE WHEN state = 'available' THEN d END),
               total(CASE WHEN state = 'acd_call' THEN d END),
               total(CASE WHEN state = 'wrapup' THEN d END),
               total(CASE WHEN state = 'nonacd_call' THEN d END),
               total(CASE WHEN state = 'paused' THEN d END),
               count(CASE WHEN state = 'acd_call' AND began = 1 AND start_time >= ?1
                          AND start_time >= s_start AND start_time < s_end THEN 1 END)
        FROM (
            SELECT r.agent_id, r.state, r.began, r.start_time, s.started_at AS s_start,
                   \(Coverage.sessionEndSQL("s")) AS s_end,
                   max(0, min(coalesce(r.end_time, \(Coverage.sessionEndSQL("s"))), \(Coverage.sessionEndSQL("s")), ?2)
                          - max(r.start_time, s.started_at, ?1)) AS d
            FROM rows r JOIN collection_session s ON s.session_id = r.session_id
            WHERE s.started_at IS NOT NULL
        )
        WHERE d > 0 OR (state = 'acd_call' AND began = 1)
        GROUP BY agent_id
        """

    /// Every agent with state intervals: a skip scan of the (agent_id, start_time) index.
    static let intervalAgentsSQL = """
        WITH RECURSIVE a(id) AS (
            SELECT (SELECT min(agent_id) FROM agent_state_interval)
            UNION ALL
            SELECT (SELECT min(agent_id) FROM agent_state_interval WHERE agent_id > a.id) FROM a WHERE a.id IS NOT NULL
        )
        SELECT id FROM a WHERE id IS NOT NULL
        """

    /// One row per period and agent logged in for some covered time of the period (or with
    /// an `acd_call` that began in it), in period order, then agent id.
    public func occupancy(periods: [Period]? = nil, _ emit: (OccupancyRow) throws -> Void) throws {
        var agents: [String]
        if let agentIDs {
            agents = agentIDs
        } else {
            agents = []
            try database.cachedStatement(Self.intervalAgentsSQL).forEachRow { agents.append($0.string(0) ?? "") }
        }
        let list = JSONList.encode(agents.sorted(by: IDOrder.less))
        let statement = try database.cachedStatement(Self.occupancySQL)
        for period in periods ?? self.periods {
            var rows: [OccupancyRow] = []
            let coveragePercent = coverage.percent(period)
            try statement.forEachRow([period.start, period.end, list]) { row in
                let id = row.string(0) ?? ""
                let agent = directory.agents[id]
                let result = OccupancyRow(
                    period: period, agentID: id, agentNumber: agent?.number, agentName: agent?.name,
                    loggedIn: NumberFormat.toMilliseconds(row.double(1)),
                    available: NumberFormat.toMilliseconds(row.double(2)),
                    acdCall: NumberFormat.toMilliseconds(row.double(3)),
                    wrapup: NumberFormat.toMilliseconds(row.double(4)),
                    nonACDCall: NumberFormat.toMilliseconds(row.double(5)),
                    paused: NumberFormat.toMilliseconds(row.double(6)),
                    acdCalls: row.int(7), coveragePercent: coveragePercent
                )
                if result.loggedIn > 0 || result.acdCalls > 0 { rows.append(result) }
            }
            for row in rows.sorted(by: { IDOrder.less($0.agentID, $1.agentID) }) { try emit(row) }
        }
    }

    // MARK: Queue statistics

    static let statisticKeys = [
        "Xivo-EWT", "Xivo-WaitingCalls", "Xivo-LongestWaitTime",
        "Xivo-LoggedAgents", "Xivo-AvailableAgents", "Xivo-TalkingAgents",
    ]

    /// Each (queue, key) is a step function. For a period: the value in effect at its start
    /// (the series' latest sample at or before it, one index seek) and the samples inside it;
    /// each holds until the next sample of its series, its session's end or the period's end.
    /// `Xivo-LongestWaitTime` also ends at a `Xivo-WaitingCalls` of 0 (an emptied queue sends
    /// only that: nobody waits, so the longest wait is 0).
    static let ewtSQL = """
        WITH
        q(queue_id) AS (SELECT value FROM json_each(?3)),
        k(key) AS (VALUES ('Xivo-EWT'), ('Xivo-WaitingCalls'), ('Xivo-LongestWaitTime'),
                          ('Xivo-LoggedAgents'), ('Xivo-AvailableAgents'), ('Xivo-TalkingAgents')),
        pts AS (
            SELECT s.id, s.queue_id, s.key, s.event_time, s.value, s.session_id
            FROM q CROSS JOIN k CROSS JOIN queue_stat_sample s
            WHERE s.id = (SELECT x.id FROM queue_stat_sample x
                          WHERE x.queue_id = q.queue_id AND x.key = k.key AND x.event_time <= ?1
                          ORDER BY x.event_time DESC, x.id DESC LIMIT 1)
            UNION ALL
            SELECT s.id, s.queue_id, s.key, s.event_time, s.value, s.session_id
            FROM q CROSS JOIN k CROSS JOIN queue_stat_sample s
            WHERE s.queue_id = q.queue_id AND s.key = k.key AND s.event_time > ?1 AND s.event_time < ?2
        ),
        seg0 AS (
            SELECT p.id, p.queue_id, p.key, p.event_time, p.value,
                   max(p.event_time, ?1, ss.started_at) AS a,
                   min(?2, \(Coverage.sessionEndSQL("ss")),
                       coalesce(lead(p.event_time) OVER (PARTITION BY p.queue_id, p.key ORDER BY p.event_time, p.id), ?2)) AS b
            FROM pts p JOIN collection_session ss ON ss.session_id = p.session_id
            WHERE ss.started_at IS NOT NULL
        ),
        seg AS MATERIALIZED (
            SELECT queue_id, key, value, a,
                   CASE WHEN key = 'Xivo-LongestWaitTime' THEN
                       coalesce((SELECT min(x.event_time) FROM queue_stat_sample x
                                 WHERE x.queue_id = seg0.queue_id AND x.key = 'Xivo-WaitingCalls'
                                   AND x.event_time >= seg0.event_time AND x.event_time < seg0.b
                                   AND (x.event_time > seg0.event_time OR x.id > seg0.id)
                                   AND x.value = 0), seg0.b)
                   ELSE b END AS b
            FROM seg0
        )
        SELECT queue_id,
               total(CASE WHEN key = 'Xivo-EWT' AND value IS NOT NULL THEN value * (b - a) END),
               total(CASE WHEN key = 'Xivo-EWT' AND value IS NOT NULL THEN b - a END),
               max(CASE WHEN key = 'Xivo-EWT' THEN value END),
               total(CASE WHEN key = 'Xivo-WaitingCalls' AND value IS NOT NULL THEN value * (b - a) END),
               total(CASE WHEN key = 'Xivo-WaitingCalls' AND value IS NOT NULL THEN b - a END),
               max(CASE WHEN key = 'Xivo-WaitingCalls' THEN value END),
               max(CASE WHEN key = 'Xivo-LongestWaitTime' THEN value
                        WHEN key = 'Xivo-WaitingCalls' AND value = 0 THEN 0 END),
               total(CASE WHEN key = 'Xivo-LoggedAgents' AND value IS NOT NULL THEN value * (b - a) END),
               total(CASE WHEN key = 'Xivo-LoggedAgents' AND value IS NOT NULL THEN b - a END),
               total(CASE WHEN key = 'Xivo-AvailableAgents' AND value IS NOT NULL THEN value * (b - a) END),
               total(CASE WHEN key = 'Xivo-AvailableAgents' AND value IS NOT NULL THEN b - a END),
               total(CASE WHEN key = 'Xivo-TalkingAgents' AND value IS NOT NULL THEN value * (b - a) END),
               total(CASE WHEN key = 'Xivo-TalkingAgents' AND value IS NOT NULL THEN b - a END)
        FROM seg
        WHERE b > a
        GROUP BY queue_id
        HAVING count(value) > 0
        """

    /// Every queue with statistics: a skip scan of the (queue_id, key, event_time) index,
    /// one seek per queue.
    static let statisticQueuesSQL = """
        WITH RECURSIVE q(id) AS (
            SELECT (SELECT min(queue_id) FROM queue_stat_sample)
            UNION ALL
            SELECT (SELECT min(queue_id) FROM queue_stat_sample WHERE queue_id > q.id) FROM q WHERE q.id IS NOT NULL
        )
        SELECT id FROM q WHERE id IS NOT NULL
        """

    /// One row per period and queue with a statistic value known for some covered time of it.
    public func ewt(periods: [Period]? = nil, _ emit: (EWTRow) throws -> Void) throws {
        var queues: [String]
        if let queueIDs {
            queues = queueIDs
        } else {
            queues = []
            try database.cachedStatement(Self.statisticQueuesSQL).forEachRow { queues.append($0.string(0) ?? "") }
        }
        let list = JSONList.encode(queues)
        let statement = try database.cachedStatement(Self.ewtSQL)
        for period in periods ?? self.periods {
            var rows: [EWTRow] = []
            let coveragePercent = coverage.percent(period)
            try statement.forEachRow([period.start, period.end, list]) { row in
                let id = row.string(0) ?? ""
                rows.append(EWTRow(
                    period: period, queueID: id, queueName: directory.queueName(id),
                    ewt: TimeWeightedMean(weighted: row.double(1), seconds: row.double(2)), ewtMax: row.optionalDouble(3),
                    waitingCalls: TimeWeightedMean(weighted: row.double(4), seconds: row.double(5)), waitingCallsMax: row.optionalDouble(6),
                    longestWaitMax: row.optionalDouble(7),
                    loggedAgents: TimeWeightedMean(weighted: row.double(8), seconds: row.double(9)),
                    availableAgents: TimeWeightedMean(weighted: row.double(10), seconds: row.double(11)),
                    talkingAgents: TimeWeightedMean(weighted: row.double(12), seconds: row.double(13)),
                    coveragePercent: coveragePercent
                ))
            }
            for row in rows.sorted(by: { IDOrder.less($0.queueID, $1.queueID) }) { try emit(row) }
        }
    }

    // MARK: Missed calls

    /// The first answer, within the window after `end`, of a later queue visit or call from the
    /// same number, or of a call to that number (the center calling back); NULL without a number.
    /// Uses the (caller_number, answered_at) and (callee_number, answered_at) indexes.
    static func calledBackSQL(number: String, end: String, window: String) -> String {
        """
        (SELECT min(t) FROM (
            SELECT min(x.answered_at) AS t FROM queue_visit x
             WHERE x.caller_number = \(number) AND x.answered_at > \(end) AND x.answered_at <= \(end) + \(window)
            UNION ALL
            SELECT min(c2.answered_at) FROM call c2
             WHERE c2.caller_number = \(number) AND c2.answered_at > \(end) AND c2.answered_at <= \(end) + \(window)
            UNION ALL
            SELECT min(c3.answered_at) FROM call c3
             WHERE c3.callee_number = \(number) AND c3.answered_at > \(end) AND c3.answered_at <= \(end) + \(window)
        ))
        """
    }

    /// Per target: `result` is 'answered', 'missed' or NULL (outcome unknown, or still waiting).
    static func missedSummarySQL(inner: String) -> String {
        """
        SELECT target_id, count(*),
               count(CASE WHEN result = 'answered' THEN 1 END),
               count(CASE WHEN result = 'missed' THEN 1 END),
               count(CASE WHEN result = 'missed' AND wait < ?4 THEN 1 END),
               count(CASE WHEN result = 'answered' AND wait <= ?5 THEN 1 END),
               total(CASE WHEN result = 'answered' THEN wait END),
               total(CASE WHEN result = 'missed' THEN wait END),
               max(CASE WHEN result = 'missed' THEN wait END),
               count(CASE WHEN result = 'missed' AND called_back_at IS NOT NULL THEN 1 END)
        FROM (\(inner))
        GROUP BY target_id
        """
    }

    /// Queue visits that joined in `[?1, ?2)`; `wait_s` = leave - join, to the millisecond.
    static let queueVisitsSQL = missedSummarySQL(inner: """
        SELECT v.queue_id AS target_id,
               CASE v.outcome WHEN 'answered' THEN 'answered' WHEN 'abandoned' THEN 'missed' END AS result,
               round(v.leave_time - v.join_time, 3) AS wait,
               CASE WHEN v.outcome = 'abandoned' THEN \(calledBackSQL(number: "nullif(v.caller_number, '')", end: "v.leave_time", window: "?6")) END AS called_back_at
        FROM queue_visit v
        WHERE v.join_time >= ?1 AND v.join_time < ?2
          AND (?3 IS NULL OR v.queue_id IN (SELECT value FROM json_each(?3)))
        """)

    /// Inbound and internal calls that rang a user's phone in `[?1, ?2)`: `wait_s` from the
    /// call's first ring to its answer, or to its end when nobody answered.
    static let userCallsSQL = missedSummarySQL(inner: """
        SELECT r.user_id AS target_id,
               CASE c.outcome WHEN 'answered' THEN 'answered' WHEN 'missed' THEN 'missed' END AS result,
               round(CASE WHEN c.outcome = 'answered' THEN c.answered_at ELSE c.ended_at END
                     - coalesce(c.first_ring_at, r.rang_at), 3) AS wait,
               CASE WHEN c.outcome = 'missed' THEN \(calledBackSQL(number: "nullif(c.caller_number, '')", end: "c.ended_at", window: "?6")) END AS called_back_at
        FROM call_ring r JOIN call c ON c.call_id = r.call_id
        WHERE r.rang_at >= ?1 AND r.rang_at < ?2 AND r.user_id IS NOT NULL
          AND c.direction IN ('inbound', 'internal')
          AND (?3 IS NULL OR r.user_id IN (SELECT value FROM json_each(?3)))
        """)

    /// One row per period and queue with a visit that joined in it, then per period and user
    /// whose phone rang in it; queues before users, each by id.
    public func missed(periods: [Period]? = nil, _ emit: (MissedRow) throws -> Void) throws {
        let visits = try database.cachedStatement(Self.queueVisitsSQL)
        let calls = try database.cachedStatement(Self.userCallsSQL)
        let queueList = Self.bindList(queueIDs)
        let userList = Self.bindList(userIDs)
        for period in periods ?? self.periods {
            let coveragePercent = coverage.percent(period)
            for (kind, statement, list, included) in [(TargetKind.queue, visits, queueList, includesQueues), (.user, calls, userList, includesUsers)] where included {
                var rows: [MissedRow] = []
                try statement.forEachRow([
                    period.start, period.end, list, parameters.shortAbandon, parameters.serviceLevelThreshold, parameters.callbackWindow,
                ]) { row in
                    let id = row.string(0) ?? ""
                    rows.append(MissedRow(
                        period: period, targetKind: kind, targetID: id,
                        targetName: kind == .queue ? directory.queueName(id) : directory.userName(id),
                        offered: row.int(1), answered: row.int(2), missed: row.int(3), missedShort: row.int(4),
                        answeredInThreshold: row.int(5),
                        waitAnsweredTotal: row.double(6), waitMissedTotal: row.double(7),
                        maxWaitMissed: row.optionalDouble(8), calledBack: row.int(9), coveragePercent: coveragePercent
                    ))
                }
                for row in rows.sorted(by: { IDOrder.less($0.targetID, $1.targetID) }) { try emit(row) }
            }
        }
    }

    static let missedCallsSQL = """
        SELECT kind, at, target_id, caller_number, caller_name, wait, called_back_at, item FROM (
            SELECT 0 AS kind, v.join_time AS at, v.queue_id AS target_id, v.caller_number, v.caller_name,
                   round(v.leave_time - v.join_time, 3) AS wait, v.visit_id AS item,
                   \(calledBackSQL(number: "nullif(v.caller_number, '')", end: "v.leave_time", window: "?5")) AS called_back_at
            FROM queue_visit v
            WHERE ?6 AND v.join_time >= ?1 AND v.join_time < ?2 AND v.outcome = 'abandoned'
              AND (?3 IS NULL OR v.queue_id IN (SELECT value FROM json_each(?3)))
            UNION ALL
            SELECT 1, r.rang_at, r.user_id, c.caller_number, c.caller_name,
                   round(c.ended_at - coalesce(c.first_ring_at, r.rang_at), 3), c.call_id,
                   \(calledBackSQL(number: "nullif(c.caller_number, '')", end: "c.ended_at", window: "?5"))
            FROM call_ring r JOIN call c ON c.call_id = r.call_id
            WHERE ?7 AND r.rang_at >= ?1 AND r.rang_at < ?2 AND r.user_id IS NOT NULL
              AND c.direction IN ('inbound', 'internal') AND c.outcome = 'missed'
              AND (?4 IS NULL OR r.user_id IN (SELECT value FROM json_each(?4)))
        )
        ORDER BY at, kind,
                 CASE WHEN target_id <> '' AND target_id NOT GLOB '*[^0-9]*' THEN 0 ELSE 1 END,
                 CASE WHEN target_id <> '' AND target_id NOT GLOB '*[^0-9]*' THEN length(ltrim(target_id, '0')) END,
                 CASE WHEN target_id <> '' AND target_id NOT GLOB '*[^0-9]*' THEN ltrim(target_id, '0') END,
                 CAST(target_id AS BLOB), item
        """

    /// Every missed visit (joined in the range) and every missed call for each user whose phone
    /// rang (in the range), in time order.
    public func missedCalls(_ emit: (MissedCallRow) throws -> Void) throws {
        let statement = try database.cachedStatement(Self.missedCallsSQL)
        try statement.forEachRow([
            parameters.range.start, parameters.range.end, Self.bindList(queueIDs), Self.bindList(userIDs),
            parameters.callbackWindow, includesQueues, includesUsers,
        ]) { row in
            let kind: TargetKind = row.int(0) == 0 ? .queue : .user
            let id = row.string(2) ?? ""
            try emit(MissedCallRow(
                time: row.double(1), targetKind: kind, targetID: id,
                targetName: kind == .queue ? directory.queueName(id) : directory.userName(id),
                callerNumber: Directory.nonEmpty(row.string(3)), callerName: Directory.nonEmpty(row.string(4)),
                wait: row.optionalDouble(5) ?? 0, calledBackAt: row.optionalDouble(6)
            ))
        }
    }

    // MARK: Any report as cells

    public func columns(of kind: ReportKind) -> [String] {
        switch kind {
        case .occupancy: return OccupancyRow.columns
        case .ewt: return EWTRow.columns
        case .missed: return MissedRow.columns
        case .callsMissed: return MissedCallRow.columns
        }
    }

    /// Runs one report, handing each row's cells to `emit` in order.
    public func run(_ kind: ReportKind, _ emit: ([Cell]) throws -> Void) throws {
        let calendar = parameters.calendar
        switch kind {
        case .occupancy: try occupancy { try emit($0.cells(calendar)) }
        case .ewt: try ewt { try emit($0.cells(calendar)) }
        case .missed: try missed { try emit($0.cells(calendar)) }
        case .callsMissed: try missedCalls { try emit($0.cells(calendar)) }
        }
    }
}
