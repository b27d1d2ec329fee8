import Storage

/// The report queries over one read-only connection. Create it, and run every query of one
/// report, inside one `database.read { }` so they all see the same snapshot.
///
/// Intervals and statistic values are clipped to their period and to their own collection
/// session, then aggregated per period and object: in Swift over one ordered read of each
/// agent's or queue's rows (`OccupancyScan`, `QueueStatisticScan`), and in SQL for queue
/// visits and calls. Rows are handed to the caller one by one, in period order.
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

    /// Settings of a read-only connection for scanning months of rows: a 32 MiB page cache,
    /// and GROUP BY sorts in memory. Call before `database.read { }`.
    ///
    /// No memory map: every page of a mapped file a report touches stays in the process's
    /// resident set until it exits, so a month's scan held as much memory as the month's rows
    /// and indexes (460 MB for a month of occupancy, 600 MB for the missed calls' call-back
    /// lookups, on BENCHMARKS.md's 60-day slice). Read into the page cache instead, memory is
    /// bounded by the cache whatever the range, and the reads come from the kernel's page
    /// cache: on that slice each report took within a tenth of its time with the map.
    public static func tune(_ database: Database) throws {
        try database.execute(sql: "PRAGMA mmap_size = 0")
        try database.execute(sql: "PRAGMA cache_size = -32768")
        try database.execute(sql: "PRAGMA temp_store = MEMORY")
    }

    private static func bindList(_ ids: [String]?) -> String? {
        ids.map(JSONList.encode)
    }

    /// The ids asked for, else every id `allSQL` lists, in id order.
    func ids(_ selected: [String]?, else allSQL: String) throws -> [String] {
        var ids: [String]
        if let selected {
            ids = selected
        } else {
            ids = []
            try database.cachedStatement(allSQL).forEachRow { ids.append($0.string(0) ?? "") }
        }
        return ids.sorted(by: IDOrder.less)
    }

    // MARK: Occupancy

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
    /// an `acd_call` that began in it), in period order, then agent id (`OccupancyScan`).
    public func occupancy(periods: [Period]? = nil, _ emit: (OccupancyRow) throws -> Void) throws {
        let agents = try ids(agentIDs, else: Self.intervalAgentsSQL)
        let scan = OccupancyScan(database: database, sessions: try SessionSpans(database: database), agents: agents)
        let names = agents.map { directory.agents[$0] }
        try scan.run(periods: periods ?? self.periods) { period, totals in
            let coveragePercent = coverage.percent(period)
            for (index, figures) in totals.enumerated() {
                let loggedIn = NumberFormat.toMilliseconds(figures.loggedIn)
                guard loggedIn > 0 || figures.acdCalls > 0 else { continue }
                let agent = names[index]
                try emit(OccupancyRow(
                    period: period, agentID: agents[index], agentNumber: agent?.number, agentName: agent?.name,
                    loggedIn: loggedIn,
                    available: NumberFormat.toMilliseconds(figures.available),
                    acdCall: NumberFormat.toMilliseconds(figures.acdCall),
                    wrapup: NumberFormat.toMilliseconds(figures.wrapup),
                    nonACDCall: NumberFormat.toMilliseconds(figures.nonACDCall),
                    paused: NumberFormat.toMilliseconds(figures.paused),
                    acdCalls: figures.acdCalls, coveragePercent: coveragePercent
                ))
            }
        }
    }

    // MARK: Queue statistics

    /// Every queue with statistics: a skip scan of the `queue_stat_sample_steps` index, one
    /// seek per queue.
    static let statisticQueuesSQL = """
        WITH RECURSIVE q(id) AS (
            SELECT (SELECT min(queue_id) FROM queue_stat_sample)
            UNION ALL
            SELECT (SELECT min(queue_id) FROM queue_stat_sample WHERE queue_id > q.id) FROM q WHERE q.id IS NOT NULL
        )
        SELECT id FROM q WHERE id IS NOT NULL
        """

    /// One row per period and queue with a statistic value known for some covered time of it,
    /// in period order, then queue id (`QueueStatisticScan`).
    public func ewt(periods: [Period]? = nil, _ emit: (EWTRow) throws -> Void) throws {
        let queues = try ids(queueIDs, else: Self.statisticQueuesSQL)
        let scan = QueueStatisticScan(database: database, sessions: try SessionSpans(database: database), queues: queues)
        let names = queues.map { directory.queueName($0) }
        try scan.run(periods: periods ?? self.periods) { period, totals in
            let coveragePercent = coverage.percent(period)
            for (index, figures) in totals.enumerated() where figures.known {
                try emit(EWTRow(
                    period: period, queueID: queues[index], queueName: names[index],
                    ewt: figures.ewt, ewtMax: figures.ewtMax,
                    waitingCalls: figures.waitingCalls, waitingCallsMax: figures.waitingCallsMax,
                    longestWaitMax: figures.longestWaitMax,
                    loggedAgents: figures.loggedAgents, availableAgents: figures.availableAgents, talkingAgents: figures.talkingAgents,
                    coveragePercent: coveragePercent
                ))
            }
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
        case .pauses: return PauseRow.columns
        case .xivoQueues: return XiVOQueueRow.columns
        case .xivoAgents: return XiVOAgentRow.columns
        }
    }

    /// Runs one report, handing each row's cells to `emit` in order.
    public func run(_ kind: ReportKind, _ emit: ([Cell]) throws -> Void) throws {
        let calendar = parameters.calendar
        var times = PeriodCellCache(calendar: calendar)
        switch kind {
        case .occupancy: try occupancy { try emit($0.cells(calendar, periodCells: times[$0.period])) }
        case .ewt: try ewt { try emit($0.cells(calendar, periodCells: times[$0.period])) }
        case .missed: try missed { try emit($0.cells(calendar, periodCells: times[$0.period])) }
        case .callsMissed: try missedCalls { try emit($0.cells(calendar)) }
        case .pauses: try pauses { try emit($0.cells(calendar, periodCells: times[$0.period])) }
        case .xivoQueues: try xivoQueues { try emit($0.cells(calendar, periodCells: times[$0.period])) }
        case .xivoAgents: try xivoAgents { try emit($0.cells(calendar, periodCells: times[$0.period])) }
        }
    }
}

/// The cells of the period being printed: rows come period by period, hundreds per period,
/// and each would otherwise print the same two times in the report's zone again.
struct PeriodCellCache {
    let calendar: ReportCalendar
    var period: Period?
    var cells: PeriodCells?

    init(calendar: ReportCalendar) {
        self.calendar = calendar
    }

    subscript(period: Period) -> PeriodCells {
        mutating get {
            if let cells, self.period == period { return cells }
            let fresh = PeriodCells(period, calendar)
            self.period = period
            cells = fresh
            return fresh
        }
    }
}
