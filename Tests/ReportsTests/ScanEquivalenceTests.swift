import CallStatsTestSupport
import Foundation
@testable import Reports
import Storage
import Testing

/// `OccupancyScan` and `QueueStatisticScan` against the SQL they replaced (ReferenceQueries),
/// on random rows shaped to hit every rule: intervals and samples of overlapping, crashed,
/// zero-length and never-started sessions, open intervals, zero-length ACD calls, starts on
/// period boundaries, several samples at one instant, ids out of time order, unknown values,
/// emptied queues, a DST day. Every figure must be the same double, at every interval.
@Suite("Occupancy and queue statistics in Swift equal the SQL definition, bit for bit")
struct ScanEquivalenceTests {
    static let agents = ["1", "2", "9", "10", "010", "x"]
    static let queues = ["1", "2", "7"]
    static let states = ["logged_out", "available", "acd_call", "wrapup", "nonacd_call", "paused"]
    static let intervals: [ReportInterval] = [.minutes(15), .minutes(30), .minutes(60), .day, .total]

    struct Scenario {
        let fixture: Fixture
        let calendar: ReportCalendar
        /// 2026-03-28 to 2026-03-31 in Europe/Paris: 71 hours, the middle day 23.
        let range: Period
    }

    static func build(seed: UInt64) throws -> Scenario {
        guard let calendar = ReportCalendar(timeZoneIdentifier: "Europe/Paris") else { throw ReportError("no Europe/Paris") }
        let first = try calendar.range(of: ReportCalendar.Day(year: 2026, month: 3, day: 28))
        let last = try calendar.range(of: ReportCalendar.Day(year: 2026, month: 3, day: 30))
        let range = Period(start: first.start, end: last.end)
        let r0 = range.start
        var random = SeededGenerator(state: seed)  // the same rows on every run and platform
        let f = try Fixture()
        // Session 2 never started; 3 crashed (open, last event known) and overlaps 4; 5 is
        // open with no event at all: it ends where it starts.
        let spans: [(id: Int64, start: Double, end: Double)] = [
            (1, r0 - 5000, r0 + 40000.123), (3, r0 + 41000.5, r0 + 120_000.25), (4, r0 + 119_000, range.end + 5000), (5, r0 + 150_000, r0 + 150_000),
        ]
        /// Mostly the session holding `time`; sometimes any, to clip against the wrong one.
        func session(at time: Double) -> Int64 {
            if random.chance(0.06) { return Int64(1 + random.int(5)) }
            return spans.last { $0.start <= time && time < $0.end }?.id ?? 2
        }
        /// Sometimes on a quarter-hour boundary (in Paris, a UTC one), else anywhere.
        func nudge(_ time: Double) -> Double {
            random.chance(0.06) ? ((time / 900).rounded(.up) * 900) : time
        }
        /// Inserts in an order slightly different from time order, so ids are not.
        func shuffled<T>(_ rows: [T]) -> [T] {
            var rows = rows
            var index = 0
            while index + 1 < rows.count {
                if random.chance(0.2) { rows.swapAt(index, index + 1) }
                index += 2
            }
            return rows
        }
        try f.database.write {
            try f.session(1, start: spans[0].start, end: spans[0].end)
            try f.database.execute("INSERT INTO collection_session (session_id, server, connected_at) VALUES (2, 'pbx:5003', ?)", r0 + 40_000)
            try f.session(3, start: spans[1].start, end: nil, lastEvent: spans[1].end)
            try f.session(4, start: spans[2].start, end: spans[2].end)
            try f.session(5, start: spans[3].start, end: nil)
            for (index, agent) in agents.enumerated() {
                try f.agent(agent, number: "10\(index)", first: "Agent", last: agent)
                var rows: [(String, Double, Double?, Bool, Int64)] = []
                var time = r0 - 4000 + random.unit() * 600
                while time < range.end + 2000 {
                    time = nudge(time)
                    let roll = random.unit()
                    let length = roll < 0.1 ? 0 : roll < 0.7 ? random.unit() * 1500 : random.unit() * 5000
                    let state = states[random.int(states.count)]
                    let open = random.chance(0.03)
                    let owner = session(at: time)
                    // Cut at every UTC hour, as the recorder does.
                    var from = time
                    var began = random.chance(0.85)
                    repeat {
                        let to = min(time + length, ((from / 3600).rounded(.down) + 1) * 3600)
                        rows.append((state, from, open && to == time + length ? nil : to, began, owner))
                        began = false
                        from = to
                    } while from < time + length
                    time += length
                }
                for (state, start, end, began, owner) in shuffled(rows) {
                    try f.interval(agent, state, start, end, began: began, session: owner)
                }
            }
            for queue in queues {
                try f.queue(queue, name: "queue \(queue)", display: nil)
                var rows: [(String, Double, Double?, Int64)] = []
                var time = r0 - 8000
                while time < range.end + 1000 {
                    if !random.chance(0.15) { time = nudge(time + random.unit() * 900) }
                    let key = QueueStatisticScan.keys[random.int(QueueStatisticScan.keys.count)]
                    var value: Double? = Double(random.int(40)) + (random.chance(0.3) ? random.unit() : 0)
                    if key == "Xivo-WaitingCalls" && random.chance(0.35) { value = 0 }
                    // Queue 7 knows nothing but its waiting calls.
                    if random.chance(0.08) || (queue == "7" && key != "Xivo-WaitingCalls") { value = nil }
                    rows.append((key, time, value, session(at: time)))
                }
                for (key, time, value, owner) in shuffled(rows) {
                    try f.sample(queue, key, time, value, session: owner)
                }
            }
        }
        return Scenario(fixture: f, calendar: calendar, range: range)
    }

    /// The former `ReportQueries.occupancy`: its SQL per period, its rows.
    static func referenceOccupancy(_ database: Database, _ queries: ReportQueries, agents: [String]) throws -> [OccupancyRow] {
        let statement = try database.makeStatement(ReferenceQueries.occupancySQL)
        var rows: [OccupancyRow] = []
        for period in queries.periods {
            var periodRows: [OccupancyRow] = []
            try statement.forEachRow([period.start, period.end, JSONList.encode(agents)]) { row in
                let id = row.string(0) ?? ""
                let agent = queries.directory.agents[id]
                let result = OccupancyRow(
                    period: period, agentID: id, agentNumber: agent?.number, agentName: agent?.name,
                    loggedIn: NumberFormat.toMilliseconds(row.double(1)), available: NumberFormat.toMilliseconds(row.double(2)),
                    acdCall: NumberFormat.toMilliseconds(row.double(3)), wrapup: NumberFormat.toMilliseconds(row.double(4)),
                    nonACDCall: NumberFormat.toMilliseconds(row.double(5)), paused: NumberFormat.toMilliseconds(row.double(6)),
                    acdCalls: row.int(7), coveragePercent: queries.coverage.percent(period)
                )
                if result.loggedIn > 0 || result.acdCalls > 0 { periodRows.append(result) }
            }
            rows += periodRows.sorted { IDOrder.less($0.agentID, $1.agentID) }
        }
        return rows
    }

    /// The former `ReportQueries.ewt`: its SQL per period, its rows.
    static func referenceEWT(_ database: Database, _ queries: ReportQueries) throws -> [EWTRow] {
        let statement = try database.makeStatement(ReferenceQueries.ewtSQL)
        var rows: [EWTRow] = []
        for period in queries.periods {
            var periodRows: [EWTRow] = []
            try statement.forEachRow([period.start, period.end, JSONList.encode(queues)]) { row in
                let id = row.string(0) ?? ""
                periodRows.append(EWTRow(
                    period: period, queueID: id, queueName: queries.directory.queueName(id),
                    ewt: TimeWeightedMean(weighted: row.double(1), seconds: row.double(2)), ewtMax: row.optionalDouble(3),
                    waitingCalls: TimeWeightedMean(weighted: row.double(4), seconds: row.double(5)), waitingCallsMax: row.optionalDouble(6),
                    longestWaitMax: row.optionalDouble(7),
                    loggedAgents: TimeWeightedMean(weighted: row.double(8), seconds: row.double(9)),
                    availableAgents: TimeWeightedMean(weighted: row.double(10), seconds: row.double(11)),
                    talkingAgents: TimeWeightedMean(weighted: row.double(12), seconds: row.double(13)),
                    coveragePercent: queries.coverage.percent(period)
                ))
            }
            rows += periodRows.sorted { IDOrder.less($0.queueID, $1.queueID) }
        }
        return rows
    }

    @Test("occupancy rows equal the SQL's at every interval", arguments: [UInt64(1), 2, 3])
    func occupancyRows(seed: UInt64) throws {
        let scenario = try Self.build(seed: seed)
        let reader = try scenario.fixture.reader()
        var compared = 0
        for interval in Self.intervals {
            let parameters = ReportParameters(calendar: scenario.calendar, range: scenario.range, interval: interval)
            try reader.read {
                let queries = try ReportQueries(database: reader, parameters: parameters)
                var rows: [OccupancyRow] = []
                try queries.occupancy { rows.append($0) }
                let expected = try Self.referenceOccupancy(reader, queries, agents: Self.agents.sorted(by: IDOrder.less))
                #expect(rows == expected, "\(interval)")
                compared += expected.count
            }
        }
        #expect(compared > 500)
    }

    /// The unrounded seconds, with runs of a few periods (the run boundaries must not matter).
    @Test("occupancy seconds are the SQL's doubles, read in runs of 3 periods", arguments: [UInt64(4), 5])
    func occupancySeconds(seed: UInt64) throws {
        let scenario = try Self.build(seed: seed)
        let reader = try scenario.fixture.reader()
        let agents = Self.agents.sorted(by: IDOrder.less)
        var carriedIn = 0
        for interval in Self.intervals {
            let parameters = ReportParameters(calendar: scenario.calendar, range: scenario.range, interval: interval)
            try reader.read {
                let queries = try ReportQueries(database: reader, parameters: parameters)
                let statement = try reader.makeStatement(ReferenceQueries.occupancySQL)
                let scan = OccupancyScan(database: reader, sessions: try SessionSpans(database: reader), agents: agents, cellsPerRun: 3 * agents.count)
                var periods = 0
                try scan.run(periods: queries.periods) { period, totals in
                    #expect(period == queries.periods[periods])
                    periods += 1
                    var expected = [OccupancyScan.Totals](repeating: OccupancyScan.Totals(), count: agents.count)
                    try statement.forEachRow([period.start, period.end, JSONList.encode(agents)]) { row in
                        guard let index = agents.firstIndex(of: row.string(0) ?? "") else { return }
                        expected[index] = OccupancyScan.Totals(
                            loggedIn: row.double(1), available: row.double(2), acdCall: row.double(3),
                            wrapup: row.double(4), nonACDCall: row.double(5), paused: row.double(6), acdCalls: row.int(7)
                        )
                    }
                    for (index, got) in zip(expected.indices, totals) {
                        let want = expected[index]
                        #expect([got.loggedIn, got.available, got.acdCall, got.wrapup, got.nonACDCall, got.paused].map(\.bitPattern)
                                == [want.loggedIn, want.available, want.acdCall, want.wrapup, want.nonACDCall, want.paused].map(\.bitPattern),
                                "\(interval) \(period) agent \(agents[index])")
                        #expect(got.acdCalls == want.acdCalls, "\(interval) \(period) agent \(agents[index])")
                    }
                }
                #expect(periods == queries.periods.count)
                // How often an interval from before a period's start counted in it: the rule
                // the scan must get right is exercised.
                if interval == .minutes(15) {
                    try reader.makeStatement("""
                        SELECT count(*) FROM agent_state_interval i JOIN collection_session s ON s.session_id = i.session_id
                        WHERE s.started_at IS NOT NULL AND i.end_time > (CAST(i.start_time / 900 AS INTEGER) + 1) * 900
                        """).forEachRow { carriedIn = $0.int(0) }
                }
            }
        }
        #expect(carriedIn > 50)
    }

    @Test("queue statistic rows equal the SQL's doubles at every interval, also in runs of 2 periods or of 10,000 s", arguments: [UInt64(1), 2, 3])
    func queueStatistics(seed: UInt64) throws {
        let scenario = try Self.build(seed: seed)
        let reader = try scenario.fixture.reader()
        var compared = 0
        var emptiedCut = false
        for interval in Self.intervals {
            let parameters = ReportParameters(calendar: scenario.calendar, range: scenario.range, interval: interval)
            try reader.read {
                let queries = try ReportQueries(database: reader, parameters: parameters)
                var rows: [EWTRow] = []
                try queries.ewt { rows.append($0) }
                let expected = try Self.referenceEWT(reader, queries)
                #expect(rows == expected, "\(interval)")
                compared += expected.count
                // Queue 7 has only unknown values besides its waiting calls.
                #expect(rows.contains { $0.queueID == "7" && $0.ewtMax == nil && $0.waitingCallsMax != nil })
                emptiedCut = emptiedCut || rows.contains { $0.longestWaitMax == 0 }

                // Runs of 2 periods, and runs of at most 10,000 s (a period longer is a run of its own).
                for (cells, seconds) in [(2 * Self.queues.count, 7 * 86_400.0), (1 << 16, 10_000)] {
                    let scan = QueueStatisticScan(database: reader, sessions: try SessionSpans(database: reader), queues: Self.queues,
                                                  cellsPerRun: cells, secondsPerRun: seconds)
                    var inRuns: [EWTRow] = []
                    try scan.run(periods: queries.periods) { period, totals in
                        for (queue, figures) in zip(Self.queues, totals) where figures.known {
                            inRuns.append(EWTRow(
                                period: period, queueID: queue, queueName: queries.directory.queueName(queue),
                                ewt: figures.ewt, ewtMax: figures.ewtMax, waitingCalls: figures.waitingCalls,
                                waitingCallsMax: figures.waitingCallsMax, longestWaitMax: figures.longestWaitMax,
                                loggedAgents: figures.loggedAgents, availableAgents: figures.availableAgents,
                                talkingAgents: figures.talkingAgents, coveragePercent: queries.coverage.percent(period)
                            ))
                        }
                    }
                    #expect(inRuns == expected, "\(interval) in runs of \(cells) cells, \(seconds) s")
                }
            }
        }
        #expect(compared > 300)
        #expect(emptiedCut)
    }
}

extension SeededGenerator {
    mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
    mutating func int(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
    mutating func chance(_ p: Double) -> Bool { unit() < p }
}
