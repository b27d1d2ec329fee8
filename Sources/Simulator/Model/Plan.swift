// The shape of the simulated day, expressed as fractions of its duration so that a 1-hour
// test run and an 8-hour demo both contain a full day: morning logins, a morning and an
// afternoon peak, breaks, a lunch gap, and logouts before the end.

enum DayProfile {
    /// Arrival-rate multiplier over the day (x = elapsed / duration), piecewise linear:
    /// a morning peak around 30 %, a lunch dip, an afternoon peak around 75 %.
    static let points: [(x: Double, m: Double)] = [
        (0.00, 0.55), (0.08, 1.00), (0.30, 1.45), (0.45, 0.95), (0.55, 0.70),
        (0.75, 1.35), (0.90, 0.90), (1.00, 0.50),
    ]
    static let peak = 1.45

    static func multiplier(at x: Double) -> Double {
        if x <= 0 { return points[0].m }
        for i in 1..<points.count where x <= points[i].x {
            let a = points[i - 1], b = points[i]
            return a.m + (b.m - a.m) * (x - a.x) / (b.x - a.x)
        }
        return points[points.count - 1].m
    }
}

enum ShiftPlanner {
    /// One agent's plan: timed login/logout/pause/unpause actions within the day. Actions that
    /// fall while the agent is busy are applied as soon as it is free, as a real agent would.
    static func plan(rng: inout Xoshiro256, start: Micros, duration: Micros) -> [(Micros, PlanAction)] {
        let d = Double(duration) / 1_000_000
        func at(_ fraction: Double) -> Micros { start + SimTime.fromSeconds(fraction * d) }

        // Most agents start with the day, some come in later (part-timers, late shift).
        let begin = rng.chance(0.7) ? rng.uniform(0.0, 0.05) : rng.uniform(0.1, 0.45)
        let length = rng.uniform(0.5, 1.05)
        let finish = begin + length
        var actions: [(Double, PlanAction)] = [(begin, .login)]

        // Lunch: half the long shifts log out and back in (two login sessions), the others pause.
        var busy: [(Double, Double)] = []
        if length > 0.55 {
            let lunchStart = begin + length * rng.uniform(0.4, 0.55)
            let lunchEnd = lunchStart + rng.uniform(0.06, 0.10)
            if lunchEnd < min(finish, 1.0) - 0.02 {
                if rng.chance(0.5) {
                    actions.append((lunchStart, .logout))
                    actions.append((lunchEnd, .login))
                } else {
                    actions.append((lunchStart, .pause))
                    actions.append((lunchEnd, .unpause))
                }
                busy.append((lunchStart - 0.01, lunchEnd + 0.01))
            }
        }
        // Short breaks (coffee, paperwork), never overlapping lunch.
        let breaks = length > 0.4 ? 2 : 1
        for _ in 0..<breaks {
            let s = begin + length * rng.uniform(0.1, 0.9)
            let e = s + rng.uniform(0.01, 0.03)
            guard e < min(finish, 1.0), !busy.contains(where: { s < $0.1 && e > $0.0 }) else { continue }
            actions.append((s, .pause))
            actions.append((e, .unpause))
            busy.append((s - 0.005, e + 0.005))
        }
        if finish < 1.0 { actions.append((finish, .logout)) }
        return actions.sorted { $0.0 < $1.0 }.map { (at($0.0), $0.1) }
    }
}
