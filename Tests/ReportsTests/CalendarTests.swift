import Foundation
@testable import Reports
import Storage
import Testing

@Suite("Periods, days and time zones")
struct CalendarTests {
    let paris = ReportCalendar(timeZoneIdentifier: "Europe/Paris")

    @Test("DST days are 23 and 25 hours long, with as many hourly periods")
    func dstDays() throws {
        let calendar = try #require(paris)
        let spring = try calendar.range(of: .init(year: 2026, month: 3, day: 29))
        let autumn = try calendar.range(of: .init(year: 2026, month: 10, day: 25))
        #expect(spring.length == 23 * 3600)
        #expect(autumn.length == 25 * 3600)
        #expect(try calendar.periods(of: spring, interval: .minutes(60)).count == 23)
        #expect(try calendar.periods(of: autumn, interval: .minutes(60)).count == 25)
        #expect(try calendar.periods(of: autumn, interval: .minutes(15)).count == 100)
        #expect(try calendar.periods(of: autumn, interval: .day) == [autumn])
        // The repeated hour: 02:00+02:00 then 02:00+01:00.
        let hours = try calendar.periods(of: autumn, interval: .minutes(60)).map { calendar.iso8601($0.start) }
        #expect(hours[2] == "2026-10-25T02:00:00+02:00")
        #expect(hours[3] == "2026-10-25T02:00:00+01:00")
        #expect(hours[4] == "2026-10-25T03:00:00+01:00")
    }

    @Test("--from/--to parsing; days cut to the range; impossible dates refused")
    func ranges() throws {
        let calendar = try #require(paris)
        let from = try calendar.parseInstant("2026-03-28T12:30")
        let to = try calendar.parseInstant("2026-03-30")
        let days = try calendar.periods(of: Period(start: from, end: to), interval: .day)
        let lengths: [Double] = days.map(\.length)
        #expect(lengths == [41_400, 82_800])   // 11.5 h, then the 23-hour day
        let utc = try calendar.parseInstant("2026-03-28T11:30:00Z")
        #expect(utc == from)
        #expect(try calendar.parseInstant("2026-03-28T12:30:00+01:00") == from)
        // 02:30 does not exist on 2026-03-29 in Paris: moved forward by the change, to 03:30+02:00.
        #expect(calendar.iso8601(try calendar.parseInstant("2026-03-29T02:30")) == "2026-03-29T03:30:00+02:00")
        #expect(throws: ReportTimeError.self) { try calendar.parseInstant("2026-02-30") }
        #expect(throws: ReportTimeError.self) { try calendar.parseInstant("yesterday-ish") }
        #expect(throws: ReportTimeError.self) { try calendar.parseDay("2026-13-01", now: 0) }
        #expect(throws: ReportTimeError.self) { try calendar.periods(of: Period(start: to, end: from), interval: .total) }
    }

    @Test("today and yesterday are days of the report's zone")
    func relativeDays() throws {
        let calendar = try #require(paris)
        // 2026-03-29T00:30:00+01:00 is still 2026-03-28 in UTC.
        let now = 1_774_740_600.0
        #expect(try calendar.parseDay("today", now: now) == .init(year: 2026, month: 3, day: 29))
        #expect(try calendar.parseDay("yesterday", now: now) == .init(year: 2026, month: 3, day: 28))
    }

    @Test("occupancy across the repeated hour of 2026-10-25: 1800, 3600, 3600, 1800 s")
    func autumnOccupancy() throws {
        let calendar = try #require(paris)
        let day = ReportCalendar.Day(year: 2026, month: 10, day: 25)
        let range = try calendar.range(of: day)
        // range.start = 2026-10-24T22:00:00Z. Available from 01:30+02:00 (start + 5400) to
        // 03:30+01:00 (start + 5400 + 3 h = start + 16200), cut at the UTC hours as the recorder does.
        let start = range.start
        let fixture = try Fixture()
        try fixture.database.write {
            try fixture.session(1, start: start, end: start + 86_400)
            try fixture.agent("1", number: "2001", first: "Night", last: "Owl")
            try fixture.interval("1", "available", start + 5400, start + 7200, session: 1)
            try fixture.interval("1", "available", start + 7200, start + 10800, began: false, session: 1)
            try fixture.interval("1", "available", start + 10800, start + 14400, began: false, session: 1)
            try fixture.interval("1", "available", start + 14400, start + 16200, began: false, session: 1)
        }
        let reader = try fixture.reader()
        var rows: [OccupancyRow] = []
        try reader.read {
            let parameters = ReportParameters(calendar: calendar, range: range, interval: .minutes(60))
            try ReportQueries(database: reader, parameters: parameters).occupancy { rows.append($0) }
        }
        // Hours 01:00+02:00, 02:00+02:00, 02:00+01:00 and 03:00+01:00.
        #expect(rows.map { calendar.iso8601($0.period.start) } == [
            "2026-10-25T01:00:00+02:00", "2026-10-25T02:00:00+02:00", "2026-10-25T02:00:00+01:00", "2026-10-25T03:00:00+01:00",
        ])
        #expect(rows.map(\.available) == [1_800_000, 3_600_000, 3_600_000, 1_800_000])
        // The session covers the whole 25-hour day: 24 h of 25 h would be 96 %: it is 100 %.
        #expect(rows.allSatisfy { $0.coveragePercent == 100 })
    }

    @Test("coverage: overlapping sessions are one span; gaps are what is left")
    func coverage() {
        let coverage = Coverage(range: Period(start: 0, end: 100), sessions: [
            Period(start: 10, end: 30), Period(start: 20, end: 40), Period(start: 60, end: 70),
        ])
        #expect(coverage.spans == [Period(start: 10, end: 40), Period(start: 60, end: 70)])
        #expect(coverage.covered(Period(start: 0, end: 100)) == 40)
        #expect(coverage.percent(Period(start: 30, end: 70)) == 50)
        #expect(coverage.gaps == [Period(start: 0, end: 10), Period(start: 40, end: 60), Period(start: 70, end: 100)])
    }

    @Test("ids sort as numbers when they are numbers")
    func idOrder() {
        #expect(["10", "9", "b", "a", "010", "2"].sorted(by: IDOrder.less) == ["2", "9", "010", "10", "a", "b"])   // equal numbers: by their text
    }
}
