import Reports
import Storage

/// The hand-written day behind the golden tests: Sunday 2026-03-29 in Europe/Paris, the day
/// clocks go forward (02:00 CET -> 03:00 CEST), so the day has 23 hours.
///
/// `d0` is the day's first instant, 00:00+01:00 = 2026-03-28T23:00:00Z. Hourly periods:
///   P0 [d0, d0+3600)        00:00+01:00 - 01:00+01:00
///   P1 [d0+3600, d0+7200)   01:00+01:00 - 03:00+02:00   (at its end 02:00 CET becomes 03:00 CEST)
///   P2 [d0+7200, d0+10800)  03:00+02:00 - 04:00+02:00
///   P3 [d0+10800, d0+14400) 04:00+02:00 - 05:00+02:00
///   ... 23 periods in all, the last one ends at d0 + 82800.
///
/// Coverage: session 1 from d0-1800 (the day before) to d0+9000 (03:30+02:00); a gap until
/// d0+10800; session 2 from d0+10800, still live, its last event at d0+14400. Nothing after.
/// Covered share of the day: (9000 + 3600) / 82800 = 15.217 %.
enum GoldenScenario {
    static let d0 = 1_774_738_800.0
    static let dayLength = 82_800.0
    static let zone = "Europe/Paris"
    static let day = ReportCalendar.Day(year: 2026, month: 3, day: 29)
    static let scriptName = "<script>alert(1)</script>"
    static let formulaQueue = "=HYPERLINK(\"http://x\")"
    static let oddUser = "Zoë \u{202E}evil\u{200B} 👩‍💻"

    static func build() throws -> Fixture {
        let f = try Fixture()
        try f.database.write {
            try f.session(1, start: d0 - 1800, end: d0 + 9000)
            try f.session(2, start: d0 + 10800, end: nil, lastEvent: d0 + 14400)

            try f.agent("7", number: "1007", first: "Alice", last: "Martin")
            try f.agent("12", number: "1012", first: scriptName, last: nil)
            try f.agent("3", number: "1003", first: "Paul", last: "Pause")
            try f.queue("1", name: "sales", display: "Sales")
            try f.queue("2", name: formulaQueue, display: formulaQueue)
            try f.user("42", fullname: oddUser, agent: "7")

            // Agent 7 (Alice).
            try f.interval("7", "available", d0 - 1800, d0, session: 1)                  // the day before: never counted
            try f.interval("7", "available", d0, d0 + 1500, began: false, session: 1)    // cut at the UTC hour d0
            try f.interval("7", "acd_call", d0 + 1500, d0 + 3600, session: 1)            // the call crosses P0|P1 ...
            try f.interval("7", "acd_call", d0 + 3600, d0 + 4200, began: false, session: 1) // ... cut there, began = 0
            try f.interval("7", "wrapup", d0 + 4200, d0 + 4500, session: 1)
            try f.interval("7", "nonacd_call", d0 + 4500, d0 + 5400, session: 1)
            // An availability the server invented: the recorder logs it and records `paused`.
            try f.statusChange("7", at: d0 + 5400, availability: "on_vacation_in_space", state: "paused", session: 1)
            try f.interval("7", "paused", d0 + 5400, d0 + 6000, session: 1)
            try f.interval("7", "available", d0 + 6000, d0 + 7200, session: 1)
            try f.interval("7", "acd_call", d0 + 7200, d0 + 8000, session: 1)
            try f.interval("7", "wrapup", d0 + 8000, d0 + 9000, session: 1)              // closed at the session's end
            try f.interval("7", "available", d0 + 10800, nil, began: false, session: 2)  // open: the live session

            // Agent 12 (the script name): sub-millisecond times, and an interval a crash left open
            // in session 1, which must stop at that session's end, not run through the gap.
            try f.interval("12", "nonacd_call", d0 + 8000.1234, d0 + 8400, session: 1)
            try f.interval("12", "available", d0 + 8400, nil, session: 1)

            // Agent 3: paused whenever logged in (a zero denominator for occupancy).
            try f.interval("3", "logged_out", d0 - 1800, d0 + 600, session: 1)
            try f.interval("3", "paused", d0 + 600, d0 + 1200, session: 1)
            try f.interval("3", "logged_out", d0 + 1200, d0 + 9000, session: 1)

            // Queue 1 statistics.
            try f.sample("1", "Xivo-EWT", d0 - 600, 30, session: 1)
            try f.sample("1", "Xivo-EWT", d0 + 1800, 60, session: 1)
            try f.sample("1", "Xivo-EWT", d0 + 2700, nil, session: 1)                    // the server's "": unknown
            try f.sample("1", "Xivo-EWT", d0 + 5400, 20, session: 1)
            try f.sample("1", "Xivo-EWT", d0 + 8100, 40, session: 1)
            try f.sample("1", "Xivo-WaitingCalls", d0 - 600, 2, session: 1)
            try f.sample("1", "Xivo-LongestWaitTime", d0 - 600, 37, session: 1)
            try f.sample("1", "Xivo-WaitingCalls", d0 - 300, 0, session: 1)              // emptied: the 37 s no longer holds
            try f.sample("1", "Xivo-WaitingCalls", d0 + 2400, 3, session: 1)
            try f.sample("1", "Xivo-LongestWaitTime", d0 + 2400, 12, session: 1)
            try f.sample("1", "Xivo-WaitingCalls", d0 + 4500, 1, session: 1)
            try f.sample("1", "Xivo-LongestWaitTime", d0 + 4500, 50, session: 1)
            try f.sample("1", "Xivo-LoggedAgents", d0 - 600, 2, session: 1)
            try f.sample("1", "Xivo-AvailableAgents", d0 - 600, 1, session: 1)
            try f.sample("1", "Xivo-AvailableAgents", d0 + 900, 2, session: 1)
            try f.sample("1", "Xivo-TalkingAgents", d0, 1, session: 1)                    // exactly at the period start
            // Session 2's bootstrap.
            try f.sample("1", "Xivo-EWT", d0 + 10800, 5, session: 2)
            try f.sample("1", "Xivo-WaitingCalls", d0 + 10800, 0, session: 2)
            try f.sample("1", "Xivo-LoggedAgents", d0 + 10800, 1, session: 2)
            try f.sample("1", "Xivo-AvailableAgents", d0 + 10800, 1, session: 2)
            try f.sample("1", "Xivo-TalkingAgents", d0 + 10800, 0, session: 2)
            // Queue 2: only "nobody waits".
            try f.sample("2", "Xivo-WaitingCalls", d0 + 100, 0, session: 1)

            // Queue visits.
            try f.visit("1", number: "0611111111", name: "Ann", join: d0 + 1490, leave: d0 + 1500, outcome: "answered", agent: "7", answeredAt: d0 + 1500, session: 1)
            try f.visit("1", number: "+33 6 22 22 22 22", name: "Bob", join: d0 + 200, leave: d0 + 203, outcome: "abandoned", session: 1)
            try f.visit("1", number: "0633333333", name: nil, join: d0 + 300, leave: d0 + 330, outcome: "abandoned", session: 1)
            try f.visit("1", number: "0655555555", name: "Eve", join: d0 + 1000, leave: d0 + 1025.5, outcome: "answered", agent: "7", answeredAt: d0 + 1025.5, session: 1)
            try f.visit("1", number: "+33 6 22 22 22 22", name: "Bob", join: d0 + 4970, leave: d0 + 5000, outcome: "answered", agent: "7", answeredAt: d0 + 5000, session: 1)
            try f.visit("1", number: "0666666666", name: nil, join: d0 + 8900, leave: nil, outcome: "unknown", session: 1)
            try f.visit("2", number: "=cmd|' /C calc'!A0", name: "\u{1B}[31mred\u{0}", join: d0 + 500, leave: d0 + 502, outcome: "abandoned", session: 1)

            // Calls that rang user 42's phone.
            try f.call(1, direction: "internal", started: d0 + 6000, firstRing: d0 + 6001, answered: nil, ended: d0 + 6016, outcome: "missed",
                       callerNumber: "2001", callerName: "Front\u{7}desk", calleeNumber: "1042", session: 1)
            try f.ring(1, phone: "p42", user: "42", at: d0 + 6001)
            try f.call(2, direction: "internal", started: d0 + 6590, firstRing: d0 + 6591, answered: d0 + 6600, ended: d0 + 6700, outcome: "answered",
                       callerNumber: "1042", callerName: oddUser, calleeNumber: "2001", session: 1)
            try f.call(3, direction: "inbound", started: d0 + 6100, firstRing: d0 + 6102, answered: d0 + 6110, ended: d0 + 6200, outcome: "answered",
                       callerNumber: "0644444444", callerName: nil, calleeNumber: "1042", session: 1)
            try f.ring(3, phone: "p42", user: "42", at: d0 + 6102)
        }
        return f
    }

    static func parameters(interval: ReportInterval = .minutes(60)) throws -> ReportParameters {
        guard let calendar = ReportCalendar(timeZoneIdentifier: zone) else { throw ReportError("no \(zone)") }
        return ReportParameters(calendar: calendar, range: try calendar.range(of: day), interval: interval)
    }
}
