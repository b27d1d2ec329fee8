import Foundation
import Reports
import Simulator
import Storage

/// A synthetic call center written straight into a CallStats database, for timing the
/// reports at scale (`callstats-bench report-data`, BENCHMARKS.md "Reports").
///
/// Rows look like what the recorder writes: one collection session per day (the collector
/// restarts at midnight: a one-minute gap), agent state intervals cut at every UTC hour and at
/// session ends, queue visits with the answering agent, `Xivo-*` statistic samples on every
/// join and leave plus every 5 minutes, and a few direct calls per agent. Deterministic for a
/// given seed. Not a model of a real center: a volume and a shape.
struct SyntheticCenter {
    var agents = 500
    var queues = 50
    var days = 365
    /// Queue visits over all days (answered and abandoned).
    var visits = 10_000_000
    var firstDay = ReportCalendar.Day(year: 2025, month: 1, day: 1)
    var calendar: ReportCalendar
    var seed: UInt64 = 42

    struct Counts { var sessions = 0, intervals = 0, visits = 0, samples = 0, calls = 0 }

    /// The simulator's SplitMix64: small, fast, and the same on every platform.
    struct Random {
        var generator: SplitMix64
        init(state: UInt64) { generator = SplitMix64(seed: state) }
        mutating func next() -> UInt64 { generator.next() }
        mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
        mutating func int(_ bound: Int) -> Int { Int(next() % UInt64(max(bound, 1))) }
        mutating func exponential(_ mean: Double) -> Double { -mean * log1p(-unit() * 0.999_999) }
        mutating func chance(_ p: Double) -> Bool { unit() < p }
    }

    static let firstNames = ["Alice", "Bruno", "Chloé", "David", "Emma", "Farid", "Gaëlle", "Hugo", "Inès", "Jules", "Karim", "Léa",
                             "Manon", "Nathan", "Océane", "Paul", "Quentin", "Rose", "Sami", "Théo", "Ursula", "Victor", "Wendy", "Yanis", "Zoé"]
    static let lastNames = ["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau",
                            "Simon", "Laurent", "Lefebvre", "Michel", "Garcia", "David", "Bertrand", "Roux", "Vincent", "Fournier"]
    static let queueNames = ["Sales", "Support", "Billing", "Claims", "Renewals", "Technical", "Orders", "Returns", "VIP", "Partners"]

    func queuesOf(agent: Int) -> [Int] {
        Array(Set([agent % queues, (agent * 7 + 3) % queues, (agent * 13 + 5) % queues])).sorted()
    }

    func generate(into database: Database, progress: (Int, Counts) -> Void = { _, _ in }) throws -> Counts {
        var counts = Counts()
        var random = Random(state: seed)
        try database.execute(sql: "PRAGMA synchronous = OFF")
        try database.execute(sql: "PRAGMA cache_size = -2000000")
        try database.write {
            for agent in 0..<agents {
                let first = Self.firstNames[agent % Self.firstNames.count]
                let last = Self.lastNames[(agent / Self.firstNames.count + agent) % Self.lastNames.count]
                try database.execute("INSERT INTO agent (ipbx, agent_id, number, firstname, lastname, updated_at) VALUES ('xivo', ?, ?, ?, ?, 0)",
                                     String(agent + 1), String(1000 + agent + 1), first, last)
                try database.execute("INSERT INTO pbx_user (ipbx, user_id, fullname, firstname, lastname, agent_id, updated_at) VALUES ('xivo', ?, ?, ?, ?, ?, 0)",
                                     String(agent + 1), first + " " + last, first, last, String(agent + 1))
                try database.execute("INSERT INTO phone (ipbx, phone_id, identity, number, user_id, updated_at) VALUES ('xivo', ?, ?, ?, ?, 0)",
                                     String(agent + 1), "SIP/agent\(agent + 1)", String(2000 + agent + 1), String(agent + 1))
            }
            for queue in 0..<queues {
                let base = Self.queueNames[queue % Self.queueNames.count]
                let name = queue < Self.queueNames.count ? base : base + " \(queue / Self.queueNames.count + 1)"
                try database.execute("INSERT INTO queue (ipbx, queue_id, name, number, display_name, updated_at) VALUES ('xivo', ?, ?, ?, ?, 0)",
                                     String(queue + 1), name.lowercased().replacingOccurrences(of: " ", with: "_"), String(3000 + queue + 1), name)
            }
        }
        let numberPool = max(1000, visits / 20)
        let visitsPerDay = Double(visits) / Double(max(days, 1))
        var dayRange = try calendar.range(of: firstDay)
        var nextCall: Int64 = 1
        for dayIndex in 0..<days {
            let session = Int64(dayIndex + 1)
            let sessionStart = dayRange.start + 60
            let sessionEnd = dayRange.end
            try database.write {
                try database.execute(
                    "INSERT INTO collection_session (session_id, server, tls, connected_at, logged_in_at, started_at, ended_at, end_reason, last_event_at) VALUES (?, 'xivo.example:5003', 1, ?, ?, ?, ?, 'restart', ?)",
                    session, sessionStart, sessionStart, sessionStart, sessionEnd, sessionEnd
                )
                counts.sessions += 1
                try generateDay(database, dayRange: dayRange, sessionStart: sessionStart, sessionEnd: sessionEnd, session: session,
                                visitsPerDay: visitsPerDay, numberPool: numberPool, random: &random, nextCall: &nextCall, counts: &counts)
            }
            progress(dayIndex + 1, counts)
            dayRange = try calendar.range(of: calendar.day(containing: dayRange.end))
        }
        return counts
    }

    // swiftlint:disable:next function_body_length function_parameter_count
    private func generateDay(_ database: Database, dayRange: Period, sessionStart: Double, sessionEnd: Double, session: Int64,
                             visitsPerDay: Double, numberPool: Int, random: inout Random, nextCall: inout Int64, counts: inout Counts) throws {
        let insertInterval = try database.cachedStatement(
            "INSERT INTO agent_state_interval (ipbx, agent_id, state, start_time, end_time, began, session_id) VALUES ('xivo', ?, ?, ?, ?, ?, ?)")
        let insertVisit = try database.cachedStatement(
            "INSERT INTO queue_visit (ipbx, queue_id, uniqueid, caller_number, caller_name, join_time, leave_time, outcome, agent_id, answered_at, session_id) VALUES ('xivo', ?, NULL, ?, NULL, ?, ?, ?, ?, ?, ?)")
        let insertSample = try database.cachedStatement(
            "INSERT INTO queue_stat_sample (ipbx, queue_id, key, event_time, value, session_id) VALUES ('xivo', ?, ?, ?, ?, ?)")
        let insertCall = try database.cachedStatement(
            "INSERT INTO call (call_id, ipbx, started_at, first_ring_at, answered_at, ended_at, direction, outcome, caller_channel, caller_number, caller_name, callee_channel, callee_number, session_id) VALUES (?, 'xivo', ?, ?, ?, ?, 'inbound', ?, 'SIP/trunk', ?, NULL, ?, ?, ?)")
        let insertRing = try database.cachedStatement(
            "INSERT INTO call_ring (call_id, phone_id, user_id, channel, rang_at) VALUES (?, ?, ?, ?, ?)")

        /// Writes [start, end) cut at UTC hours and at the session's end; the first piece `began`.
        func interval(_ agent: String, _ state: String, _ start: Double, _ end: Double, began: Bool) throws {
            var from = start
            var first = began
            let stop = min(end, sessionEnd)
            while from < stop {
                let hour = ((from / 3600).rounded(.down) + 1) * 3600
                let to = min(stop, hour)
                try insertInterval.execute(agent, state, from, to, first, session)
                counts.intervals += 1
                first = false
                from = to
            }
        }

        let present = max(1, Int(Double(agents) * 0.9))
        let answeredTarget = visitsPerDay * 0.88 * 1.06   // measured: the cycle model answers ~6 % fewer than planned
        let callsPerAgent = answeredTarget / Double(present)
        let shift = 8.0 * 3600
        let idleMean = max(5, shift / max(callsPerAgent, 0.1) - 270 - 30 - 42)
        // Queue events for the statistics: (time, queue, +1 join / -1 leave, join time).
        var events: [(time: Double, queue: Int, delta: Int, join: Double)] = []
        events.reserveCapacity(Int(visitsPerDay * 2.2))

        for agent in 0..<agents {
            let id = String(agent + 1)
            let memberOf = queuesOf(agent: agent)
            let shiftStart = dayRange.start + 8 * 3600 + Double(agent % 3) * 7200 + random.exponential(300)
            let shiftEnd = shiftStart + shift
            guard random.chance(Double(present) / Double(agents)) else {
                try interval(id, "logged_out", sessionStart, sessionEnd, began: false)
                continue
            }
            try interval(id, "logged_out", sessionStart, shiftStart, began: false)
            var now = shiftStart
            while now < shiftEnd {
                let idle = random.exponential(idleMean)
                try interval(id, "available", now, min(now + idle, shiftEnd), began: true)
                now += idle
                guard now < shiftEnd else { break }
                let roll = random.unit()
                if roll < 0.06 {
                    let pause = random.exponential(600)
                    try interval(id, "paused", now, now + pause, began: true)
                    now += pause
                } else if roll < 0.11 {
                    let call = 20 + random.exponential(100)
                    try interval(id, "nonacd_call", now, now + call, began: true)
                    now += call
                } else {
                    let talk = 30 + random.exponential(240)
                    let wrap = 10 + random.unit() * 50
                    let queue = memberOf[random.int(memberOf.count)]
                    let wait = 1 + random.exponential(12)
                    try insertVisit.execute(String(queue + 1), "06" + String(10_000_000 + random.int(numberPool)), now - wait, now, "answered", id, now, session)
                    counts.visits += 1
                    events.append((now - wait, queue, 1, now - wait))
                    events.append((now, queue, -1, now - wait))
                    try interval(id, "acd_call", now, now + talk, began: true)
                    try interval(id, "wrapup", now + talk, now + talk + wrap, began: true)
                    now += talk + wrap
                }
            }
            try interval(id, "logged_out", max(now, shiftEnd), sessionEnd, began: true)
            // Direct calls: two a day, 15 % missed.
            for _ in 0..<2 {
                let ring = shiftStart + random.unit() * shift
                let missed = random.chance(0.15)
                let answered: Double? = missed ? nil : ring + 3 + random.unit() * 12
                let end = missed ? ring + 10 + random.unit() * 20 : (answered ?? ring) + random.exponential(180)
                try insertCall.execute(nextCall, ring - 1, ring, answered, end, missed ? "missed" : "answered",
                                       "06" + String(10_000_000 + random.int(numberPool)), "SIP/agent\(id)-1", String(2000 + agent + 1), session)
                try insertRing.execute(nextCall, id, id, "SIP/agent\(id)-1", ring)
                nextCall += 1
                counts.calls += 1
            }
        }
        // Abandoned visits, spread over 08:00-20:00.
        let abandoned = Int(visitsPerDay * 0.12)
        for _ in 0..<abandoned {
            let queue = random.int(queues)
            let join = dayRange.start + 8 * 3600 + random.unit() * 12 * 3600
            let wait = 1 + random.exponential(45)
            try insertVisit.execute(String(queue + 1), "06" + String(10_000_000 + random.int(numberPool)), join, join + wait, "abandoned", nil as String?, nil as Double?, session)
            counts.visits += 1
            events.append((join, queue, 1, join))
            events.append((join + wait, queue, -1, join))
        }
        // Statistics: waiting calls and longest wait on every join and leave; EWT and agent
        // counts every 5 minutes from 07:00 to 21:00.
        for minute in stride(from: 7 * 60, to: 21 * 60, by: 5) {
            for queue in 0..<queues {
                events.append((dayRange.start + Double(minute) * 60, queue, 0, 0))
            }
        }
        events.sort { ($0.time, $0.queue, $0.delta) < ($1.time, $1.queue, $1.delta) }
        var waiting = Array(repeating: [Double](), count: queues)
        let members = (0..<queues).map { queue in (0..<agents).filter { queuesOf(agent: $0).contains(queue) }.count }
        for event in events where event.time >= sessionStart && event.time < sessionEnd {
            let queue = String(event.queue + 1)
            switch event.delta {
            case 1:
                waiting[event.queue].append(event.join)
            case -1:
                if let index = waiting[event.queue].firstIndex(of: event.join) { waiting[event.queue].remove(at: index) }
            default:
                let hour = (event.time - dayRange.start) / 3600
                let staffed = hour >= 8 && hour < 22 ? 0.9 : 0.0
                let logged = (Double(members[event.queue]) * staffed * (hour < 10 || hour >= 18 ? 0.34 : 0.67)).rounded()
                let talking = min(logged, (logged * (0.55 + random.unit() * 0.3)).rounded())
                let ewt = Double(waiting[event.queue].count) * 14 + random.unit() * 10
                for (key, value) in [("Xivo-EWT", ewt.rounded()), ("Xivo-LoggedAgents", logged), ("Xivo-AvailableAgents", max(0, logged - talking)), ("Xivo-TalkingAgents", talking)] {
                    try insertSample.execute(queue, key, event.time, value, session)
                    counts.samples += 1
                }
                continue
            }
            let count = waiting[event.queue].count
            try insertSample.execute(queue, "Xivo-WaitingCalls", event.time, Double(count), session)
            counts.samples += 1
            if let oldest = waiting[event.queue].min() {
                try insertSample.execute(queue, "Xivo-LongestWaitTime", event.time, (event.time - oldest).rounded(.down), session)
                counts.samples += 1
            }
        }
    }
}
