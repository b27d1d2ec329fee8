import Foundation
@testable import Reports
import Storage
import Testing

/// Every figure of the golden day, worked out by hand from GoldenScenario's rows.
@Suite("Golden day: Europe/Paris 2026-03-29 (23 hours, a gap, a live session)")
struct GoldenTests {
    let d0 = GoldenScenario.d0

    func run<Row>(_ interval: ReportInterval = .minutes(60), _ body: (ReportQueries, (Row) -> Void) throws -> Void) throws -> [Row] {
        let fixture = try GoldenScenario.build()
        let reader = try fixture.reader()
        var rows: [Row] = []
        try reader.read {
            let queries = try ReportQueries(database: reader, parameters: try GoldenScenario.parameters(interval: interval))
            try body(queries) { rows.append($0) }
        }
        return rows
    }

    func hour(_ index: Int) -> Period {
        Period(start: d0 + Double(index) * 3600, end: d0 + Double(index + 1) * 3600)
    }

    @Test("the day has 23 hourly periods, printed with the offset in force")
    func periods() throws {
        let parameters = try GoldenScenario.parameters()
        let periods = try parameters.periods()
        #expect(periods.count == 23)
        #expect(periods.first == hour(0))
        #expect(periods.last?.end == d0 + 82_800)
        let calendar = parameters.calendar
        #expect(calendar.iso8601(periods[1].start) == "2026-03-29T01:00:00+01:00")
        #expect(calendar.iso8601(periods[1].end) == "2026-03-29T03:00:00+02:00")
        #expect(calendar.iso8601(d0 + 8000.1234) == "2026-03-29T03:13:20.123+02:00")
    }

    @Test("occupancy per hour: a call across P0|P1, partial statuses, paused agents, the gap, the live session")
    func occupancyHourly() throws {
        let rows: [OccupancyRow] = try run { queries, emit in try queries.occupancy(emit) }
        func row(_ period: Int, _ agent: String, name: String?, number: String, _ values: [Int64], calls: Int, coverage: Double) -> OccupancyRow {
            OccupancyRow(period: hour(period), agentID: agent, agentNumber: number, agentName: name,
                         loggedIn: values[0] * 1000, available: values[1] * 1000, acdCall: values[2] * 1000, wrapup: values[3] * 1000,
                         nonACDCall: values[4] * 1000, paused: values[5] * 1000, acdCalls: calls, coveragePercent: coverage)
        }
        var agent12 = row(2, "12", name: GoldenScenario.scriptName, number: "1012", [0, 600, 0, 0, 0, 0], calls: 0, coverage: 50)
        // nonacd [d0+8000.1234, d0+8400) = 399.8766 s -> 399.877; the crash-open available
        // interval from d0+8400 stops at session 1's end d0+9000: 600 s, not through the gap.
        agent12.nonACDCall = 399_877
        agent12.loggedIn = 999_877     // 999.8766 s
        let expected: [OccupancyRow] = [
            // P0: agent 3 paused 600..1200: logged_in 600 = paused 600, so occupancy is 0/0 (empty),
            // utilization 0/600 = 0 %.
            row(0, "3", name: "Paul Pause", number: "1003", [600, 0, 0, 0, 0, 600], calls: 0, coverage: 100),
            // P0: available d0..1500 (the part of the day-before interval is not counted),
            // acd_call 1500..3600 = 2100 s, began in P0: 1 call.
            row(0, "7", name: "Alice Martin", number: "1007", [3600, 1500, 2100, 0, 0, 0], calls: 1, coverage: 100),
            // P1: acd continuation 600 (began = 0: no new call), wrapup 300, nonacd 900,
            // paused ("unknown" availability) 600, available 1200: 3600 in all.
            row(1, "7", name: "Alice Martin", number: "1007", [3600, 1200, 600, 300, 900, 600], calls: 0, coverage: 100),
            // P2: session 1 ends at d0+9000: 1800 of 3600 s covered (50 %).
            row(2, "7", name: "Alice Martin", number: "1007", [1800, 0, 800, 1000, 0, 0], calls: 1, coverage: 50),
            agent12,     // ids sort as numbers: 7 before 12
            // P3: the live session's open interval counts up to its last event d0+14400.
            row(3, "7", name: "Alice Martin", number: "1007", [3600, 3600, 0, 0, 0, 0], calls: 0, coverage: 100),
        ]
        #expect(rows == expected)
        // P0 agent 7: occupancy = 100 x 2100 / (3600 - 0) = 58.333 %, utilization the same.
        #expect(rows[1].occupancyPercent.map(NumberFormat.decimal) == "58.333")
        // P1 agent 7: busy = 600 + 300 + 900 = 1800; occupancy = 1800 / (3600 - 600) = 60 %;
        // utilization = 1800 / 3600 = 50 %.
        #expect(rows[2].occupancyPercent == 60)
        #expect(rows[2].utilizationPercent == 50)
        // Agent 3: denominators 0 -> empty occupancy cell; utilization 0.
        #expect(rows[0].occupancyPercent == nil)
        #expect(rows[0].utilizationPercent == 0)
        // Agent 12: 100 x 399.877 / 999.877 = 39.99262 -> 39.993.
        #expect(rows[4].occupancyPercent.map(NumberFormat.decimal) == "39.993")
    }

    @Test("occupancy for the whole day: sums of the hours, coverage 15.217 %")
    func occupancyTotal() throws {
        let rows: [OccupancyRow] = try run(.day) { queries, emit in try queries.occupancy(emit) }
        let alice = try #require(rows.first { $0.agentID == "7" })
        // logged_in = 3600 + 3600 + 1800 + 3600 = 12600; available = 1500 + 1200 + 3600 = 6300;
        // acd = 2100 + 600 + 800 = 3500; wrapup = 300 + 1000 = 1300; nonacd 900; paused 600; 2 calls.
        #expect([alice.loggedIn, alice.available, alice.acdCall, alice.wrapup, alice.nonACDCall, alice.paused] == [12_600_000, 6_300_000, 3_500_000, 1_300_000, 900_000, 600_000])
        #expect(alice.acdCalls == 2)
        // busy = 3500 + 1300 + 900 = 5700: occupancy 5700 / (12600 - 600) = 47.5 %; utilization 5700 / 12600 = 45.238 %.
        #expect(alice.occupancyPercent == 47.5)
        #expect(alice.utilizationPercent.map(NumberFormat.decimal) == "45.238")
        // coverage = (9000 + 3600) / 82800 = 15.217 %.
        #expect(NumberFormat.decimal(alice.coveragePercent) == "15.217")
        #expect(rows.map(\.agentID) == ["3", "7", "12"])
    }

    @Test("30-minute periods split the call at the period boundary it crosses")
    func splitAtBoundary() throws {
        let rows: [OccupancyRow] = try run(.minutes(30)) { queries, emit in try queries.occupancy(emit) }
        let alice = rows.filter { $0.agentID == "7" && $0.period.end <= d0 + 5400 }
        // acd_call [d0+1500, d0+3600) + [d0+3600, d0+4200): 300 s in [0, 1800), 1800 s in
        // [1800, 3600), 600 s in [3600, 5400); the call began once, in the first.
        #expect(alice.map(\.acdCall) == [300_000, 1_800_000, 600_000])
        #expect(alice.map(\.acdCalls) == [1, 0, 0])
    }

    @Test("EWT per hour: time-weighted, unknown values skipped, stale longest wait reset, no value through the gap")
    func ewtHourly() throws {
        struct Figures: Equatable {
            var period: Period, queue: String, name: String?, values: [Double?], coverage: Double
        }
        let rows: [Figures] = try run { (queries: ReportQueries, emit: (Figures) -> Void) in
            try queries.ewt { emit(Figures(period: $0.period, queue: $0.queueID, name: $0.queueName, values: $0.figures, coverage: $0.coveragePercent)) }
        }
        // values: ewt avg, ewt max, waiting avg, waiting max, longest wait max, logged avg, available avg, talking avg.
        func row(_ period: Int, _ queue: String, _ name: String, _ v: [Double?], coverage: Double) -> Figures {
            Figures(period: hour(period), queue: queue, name: name, values: v, coverage: coverage)
        }
        let q2 = GoldenScenario.formulaQueue
        let expected: [Figures] = [
            // P0 queue 1: EWT 30 (from before the period) for 1800 s, 60 for 900 s, then unknown:
            // (30 x 1800 + 60 x 900) / 2700 = 40, max 60. Waiting 0 for 2400 s, 3 for 1200 s:
            // 3600 / 3600 = 1, max 3. Longest wait: the 37 stopped at the emptying (d0-300), so 0
            // until 12 at d0+2400: max 12. Logged 2. Available 1 for 900 s then 2: 6300/3600 = 1.75.
            // Talking 1 from exactly the period start.
            row(0, "1", "Sales", [40, 60, 1, 3, 12, 2, 1.75, 1], coverage: 100),
            // P0 queue 2: only waiting calls 0 from d0+100: averages over the known 3500 s.
            row(0, "2", q2, [nil, nil, 0, 0, 0, nil, nil, nil], coverage: 100),
            // P1 queue 1: EWT unknown until 20 at d0+5400: avg 20 over the 1800 known s. Waiting 3
            // for 900 s then 1: (2700 + 2700) / 3600 = 1.5. Longest wait 12 then 50: max 50.
            row(1, "1", "Sales", [20, 20, 1.5, 3, 50, 2, 2, 1], coverage: 100),
            row(1, "2", q2, [nil, nil, 0, 0, 0, nil, nil, nil], coverage: 100),
            // P2 queue 1: session 1 ends at d0+9000. EWT 20 for 900 s and 40 for 900 s: 30
            // (35 if the 40 ran on through the gap to d0+10800).
            row(2, "1", "Sales", [30, 40, 1, 1, 50, 2, 2, 1], coverage: 50),
            row(2, "2", q2, [nil, nil, 0, 0, 0, nil, nil, nil], coverage: 50),
            // P3: session 2's bootstrap values from d0+10800 to its last event d0+14400.
            row(3, "1", "Sales", [5, 5, 0, 0, 0, 1, 1, 0], coverage: 100),
        ]
        #expect(rows == expected)
    }

    @Test("missed per hour: offered, answered, missed, short, waits, service level, called back")
    func missedHourly() throws {
        let rows: [MissedRow] = try run { queries, emit in try queries.missed(emit) }
        let expected: [MissedRow] = [
            // P0 queue 1: joined 200 (abandoned after 3 s), 300 (abandoned after 30 s), 1000
            // (answered after 25.5 s), 1490 (answered after 10 s): offered 4, answered 2, missed 2,
            // missed_short 1 (3 < 5). Avg wait answered (25.5 + 10) / 2 = 17.75; missed (3 + 30) / 2
            // = 16.5, max 30. Service level: 1 answered within 20 s / (4 - 1) = 33.333 %. Bob's
            // number is answered again at d0+5000, within 24 h: called back 1.
            MissedRow(period: hour(0), targetKind: .queue, targetID: "1", targetName: "Sales", offered: 4, answered: 2, missed: 2,
                      missedShort: 1, answeredInThreshold: 1, waitAnsweredTotal: 35.5, waitMissedTotal: 33, maxWaitMissed: 30,
                      calledBack: 1, coveragePercent: 100),
            // P0 queue 2: one visit abandoned after 2 s: missed 100 %, short 1, service level
            // 0 / (1 - 1): a zero denominator, empty.
            MissedRow(period: hour(0), targetKind: .queue, targetID: "2", targetName: GoldenScenario.formulaQueue, offered: 1, answered: 0,
                      missed: 1, missedShort: 1, answeredInThreshold: 0, waitAnsweredTotal: 0, waitMissedTotal: 2, maxWaitMissed: 2,
                      calledBack: 0, coveragePercent: 100),
            // P1 queue 1: Bob again, answered after 30 s: service level 0 / 1 = 0 %.
            MissedRow(period: hour(1), targetKind: .queue, targetID: "1", targetName: "Sales", offered: 1, answered: 1, missed: 0,
                      missedShort: 0, answeredInThreshold: 0, waitAnsweredTotal: 30, waitMissedTotal: 0, maxWaitMissed: nil,
                      calledBack: 0, coveragePercent: 100),
            // P1 user 42: call 1 rang at d0+6001, ended unanswered at d0+6016 (wait 15), called
            // back by user 42's call to 2001 answered at d0+6600; call 3 rang at d0+6102, answered
            // at d0+6110 (wait 8). Offered 2, answered 1, missed 1 (50 %), SL 1 / 2 = 50 %.
            MissedRow(period: hour(1), targetKind: .user, targetID: "42", targetName: GoldenScenario.oddUser, offered: 2, answered: 1,
                      missed: 1, missedShort: 0, answeredInThreshold: 1, waitAnsweredTotal: 8, waitMissedTotal: 15, maxWaitMissed: 15,
                      calledBack: 1, coveragePercent: 100),
            // P2 queue 1: a caller still waiting when session 1 ended: outcome unknown, offered
            // but neither answered nor missed.
            MissedRow(period: hour(2), targetKind: .queue, targetID: "1", targetName: "Sales", offered: 1, answered: 0, missed: 0,
                      missedShort: 0, answeredInThreshold: 0, waitAnsweredTotal: 0, waitMissedTotal: 0, maxWaitMissed: nil,
                      calledBack: 0, coveragePercent: 50),
        ]
        #expect(rows == expected)
        #expect(rows[0].serviceLevelPercent.map(NumberFormat.decimal) == "33.333")
        #expect(rows[1].serviceLevelPercent == nil)
        #expect(rows[2].serviceLevelPercent == 0)
        #expect(rows[4].missedPercent == 0)
        // Averages: (25.5 + 10) / 2 = 17.75 answered, (3 + 30) / 2 = 16.5 missed; none answered: empty.
        #expect(rows[0].averageWaitAnswered == 17.75 && rows[0].averageWaitMissed == 16.5)
        #expect(rows[1].averageWaitAnswered == nil)
    }

    @Test("missed calls one by one, in time order, with call backs")
    func missedCalls() throws {
        let rows: [MissedCallRow] = try run { queries, emit in try queries.missedCalls(emit) }
        let expected: [MissedCallRow] = [
            MissedCallRow(time: d0 + 200, targetKind: .queue, targetID: "1", targetName: "Sales", callerNumber: "+33 6 22 22 22 22",
                          callerName: "Bob", wait: 3, calledBackAt: d0 + 5000),
            MissedCallRow(time: d0 + 300, targetKind: .queue, targetID: "1", targetName: "Sales", callerNumber: "0633333333",
                          callerName: nil, wait: 30, calledBackAt: nil),
            MissedCallRow(time: d0 + 500, targetKind: .queue, targetID: "2", targetName: GoldenScenario.formulaQueue,
                          callerNumber: "=cmd|' /C calc'!A0", callerName: "\u{1B}[31mred\u{0}", wait: 2, calledBackAt: nil),
            MissedCallRow(time: d0 + 6001, targetKind: .user, targetID: "42", targetName: GoldenScenario.oddUser, callerNumber: "2001",
                          callerName: "Front\u{7}desk", wait: 15, calledBackAt: d0 + 6600),
        ]
        #expect(rows == expected)
    }

    @Test("a callback window shorter than the call back leaves the miss not called back")
    func callbackWindow() throws {
        let fixture = try GoldenScenario.build()
        let reader = try fixture.reader()
        var parameters = try GoldenScenario.parameters()
        // Bob hung up at d0+203 and was answered at d0+5000: 4797 s later.
        parameters.callbackWindow = 4796
        var rows: [MissedCallRow] = []
        try reader.read {
            try ReportQueries(database: reader, parameters: parameters).missedCalls { rows.append($0) }
        }
        #expect(rows.first?.calledBackAt == nil)
        parameters.callbackWindow = 4797
        rows = []
        try reader.read {
            try ReportQueries(database: reader, parameters: parameters).missedCalls { rows.append($0) }
        }
        #expect(rows.first?.calledBackAt == d0 + 5000)
    }

    @Test("filters: --queue by name, --agent by number (and the agent's user)")
    func filters() throws {
        let fixture = try GoldenScenario.build()
        let reader = try fixture.reader()
        var parameters = try GoldenScenario.parameters(interval: .total)
        parameters.queues = ["sales"]
        var missed: [MissedRow] = []
        try reader.read { try ReportQueries(database: reader, parameters: parameters).missed { missed.append($0) } }
        #expect(missed.map(\.targetID) == ["1"])
        parameters.queues = []
        parameters.agents = ["1007"]
        missed = []
        var occupancy: [OccupancyRow] = []
        try reader.read {
            let queries = try ReportQueries(database: reader, parameters: parameters)
            try queries.missed { missed.append($0) }
            try queries.occupancy { occupancy.append($0) }
        }
        #expect(missed.map(\.targetID) == ["42"])
        #expect(occupancy.map(\.agentID) == ["7"])
        parameters.agents = ["nobody"]
        #expect(throws: ReportError.self) {
            try reader.read { _ = try ReportQueries(database: reader, parameters: parameters) }
        }
    }
}
