import Storage

/// Agent occupancy per period and agent (metrics.md "Agent states and occupancy"), from one
/// ordered read of each agent's state intervals.
///
/// For a period `[start, end)`, an agent's intervals are those that start in it, plus the one
/// running at its start: the agent's latest interval starting in `[start - 3600, start)`, when
/// it is open or ends after `start` (an interval is at most an hour long: the recorder cuts at
/// every UTC hour). Each is clipped to the period and to its own session.
///
/// Why in Swift: done per period in SQL, every period re-read its intervals and sought, per
/// agent, the one running at its start, and SQLite spent about 2 µs of expression evaluation
/// and GROUP BY sorting on each (a month of 15-minute periods: over 10 s). Here each agent's
/// intervals of a run of periods are read once, in index order, and cut into the periods in
/// memory. The arithmetic is the SQL's, operation for operation, and each sum adds the same
/// values in the same order (the period's intervals by start, then the running one), so every
/// figure is the same double.
struct OccupancyScan {
    /// One agent's time per state in one period, in seconds, and its ACD calls.
    struct Totals {
        var loggedIn = 0.0
        var available = 0.0
        var acdCall = 0.0
        var wrapup = 0.0
        var nonACDCall = 0.0
        var paused = 0.0
        var acdCalls = 0
    }

    /// A state interval as read: `state` is one of the `State` codes.
    struct Interval {
        var state: UInt8
        var began: Bool
        var start: Double
        var end: Double?
        var session: Int64
    }

    enum State {
        static let loggedOut: UInt8 = 0
        static let available: UInt8 = 1
        static let acdCall: UInt8 = 2
        static let wrapup: UInt8 = 3
        static let nonACDCall: UInt8 = 4
        static let paused: UInt8 = 5
    }

    /// One agent's intervals starting in `[?2, ?3)`, in (start_time, id) order: the order of the
    /// (agent_id, start_time) index, so SQLite reads them without sorting.
    static let intervalsSQL = """
        SELECT CASE state WHEN 'available' THEN 1 WHEN 'acd_call' THEN 2 WHEN 'wrapup' THEN 3
                          WHEN 'nonacd_call' THEN 4 WHEN 'paused' THEN 5 ELSE 0 END,
               began, start_time, end_time, session_id
        FROM agent_state_interval INDEXED BY agent_state_interval_agent
        WHERE agent_id = ?1 AND start_time >= ?2 AND start_time < ?3
        ORDER BY start_time, id
        """

    /// The longest an interval can be: the recorder cuts every interval at each UTC hour.
    static let longestInterval = 3600.0


    let database: Database
    let sessions: SessionSpans
    /// The agents to report, in report order.
    let agents: [String]
    /// At most this many (period, agent) cells are held at once: periods are read in runs.
    var cellsPerRun = 1 << 18

    /// Calls `emit` for each period of `periods` (sorted, not overlapping), in order, with one
    /// `Totals` per agent, in `agents` order.
    func run(periods: [Period], _ emit: (Period, ArraySlice<Totals>) throws -> Void) throws {
        guard !periods.isEmpty else { return }
        let statement = try database.cachedStatement(Self.intervalsSQL)
        let runLength = max(1, cellsPerRun / max(agents.count, 1))
        var intervals: [Interval] = []
        var first = 0
        while first < periods.count {
            let run = periods[first..<min(first + runLength, periods.count)]
            var cells = [Totals](repeating: Totals(), count: run.count * agents.count)
            // The same bound as the SQL's `start - 3600`, so the same intervals qualify.
            let lower = (run.map(\.start).min() ?? 0) - Self.longestInterval
            let upper = run.map(\.end).max() ?? 0
            for (agentIndex, agent) in agents.enumerated() {
                intervals.removeAll(keepingCapacity: true)
                try statement.forEachRow([agent, lower, upper]) { row in
                    intervals.append(Interval(
                        state: UInt8(truncatingIfNeeded: row.int64(0)), began: row.int64(1) != 0,
                        start: row.double(2), end: row.optionalDouble(3), session: row.int64(4)
                    ))
                }
                guard !intervals.isEmpty else { continue }
                for (offset, period) in run.enumerated() {
                    cells[offset * agents.count + agentIndex] = totals(of: intervals, in: period)
                }
            }
            for (offset, period) in run.enumerated() {
                try emit(period, cells[offset * agents.count..<(offset + 1) * agents.count])
            }
            first += run.count
        }
    }

    /// One agent's totals for `period`, from that agent's intervals sorted by (start, id).
    func totals(of intervals: [Interval], in period: Period) -> Totals {
        var totals = Totals()
        let first = Self.firstIndex(in: intervals, startingAtOrAfter: period.start)
        let end = Self.firstIndex(in: intervals, startingAtOrAfter: period.end)
        for index in first..<max(first, end) {
            add(intervals[index], startsInPeriod: true, to: &totals, period: period)
        }
        if first > 0 {
            let running = intervals[first - 1]
            if running.start >= period.start - Self.longestInterval, running.end.map({ $0 > period.start }) ?? true {
                add(running, startsInPeriod: false, to: &totals, period: period)
            }
        }
        return totals
    }

    /// Clips the interval to the period and its session; a zero-length part adds nothing, but
    /// an ACD call that began in the period and in its session counts even when it is one.
    func add(_ interval: Interval, startsInPeriod: Bool, to totals: inout Totals, period: Period) {
        guard let session = sessions[interval.session] else { return }
        let end = min(interval.end ?? session.end, session.end, period.end)
        let start = max(interval.start, session.start, period.start)
        let seconds = end - start
        if seconds > 0 {
            switch interval.state {
            case State.available: totals.available += seconds
            case State.acdCall: totals.acdCall += seconds
            case State.wrapup: totals.wrapup += seconds
            case State.nonACDCall: totals.nonACDCall += seconds
            case State.paused: totals.paused += seconds
            default: break
            }
            if interval.state != State.loggedOut { totals.loggedIn += seconds }
        }
        if startsInPeriod, interval.state == State.acdCall, interval.began,
           interval.start >= session.start, interval.start < session.end {
            totals.acdCalls += 1
        }
    }

    static func firstIndex(in intervals: [Interval], startingAtOrAfter time: Double) -> Int {
        var low = 0
        var high = intervals.count
        while low < high {
            let middle = (low + high) / 2
            if intervals[middle].start < time { low = middle + 1 } else { high = middle }
        }
        return low
    }
}
