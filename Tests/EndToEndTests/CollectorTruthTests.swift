import CallStatsTestSupport
import Foundation
import Storage
import Testing

/// `callstats simulate` and `callstats collect` as separate processes over TCP: what the
/// collector recorded must equal the simulator's ground truth.
@Suite("A simulated day collected over TCP equals the simulator's truth", .serialized)
struct CollectorTruthTests {
    static let tolerance = 0.001

    struct Day {
        let folder: TemporaryFolder
        let database: String
        let truth: String
    }

    /// Runs a simulated day at full speed and a collector against it; both must exit 0.
    /// `simulatorArguments` are added to the simulator's (say, `--queue-log PATH`).
    static func collectDay(seed: Int, hours: Int = 8, agents: Int = 20, queues: Int = 3, simulatorArguments: [String] = []) throws -> Day {
        let setup = try CollectorSetup.make()
        let (binary, folder, database, truth) = (setup.binary, setup.folder, setup.database, setup.folder.path("truth.jsonl"))
        let (simulator, address) = try setup.simulator([
            "--listen", "127.0.0.1:0", "--speed", "max", "--exit-when-done", "--seed", String(seed),
            "--duration", "\(hours)h", "--agents", String(agents), "--queues", String(queues), "--truth", truth,
            "--user", "stats", "--password", "secret",
        ] + simulatorArguments)
        let collector = try binary.run([
            "collect", "--server", address, "--user", "stats", "--password-file", setup.passwordFile,
            "--db", database, "--once", "--tls", "off", "--log-level", "warning",
        ])
        let simulatorStatus = simulator.wait()
        guard collector.status == 0 else {
            throw Failure("collect exited \(collector.status): \(collector.stderr)")
        }
        guard simulatorStatus == 0 else {
            throw Failure("simulate exited \(simulatorStatus): \(simulator.standardError())")
        }
        return Day(folder: folder, database: database, truth: truth)
    }

    typealias Failure = TestFailure

    @Test("each queue visit names the call its caller was on (the truth's), which carries the caller its queue entry named")
    func visitsNameTheirCalls() throws {
        let day = try Self.collectDay(seed: 12, hours: 2)
        let truth = try SimulatedDayTruth(path: day.truth)
        let database = try Database.openReader(path: day.database)
        // One session that heard the whole day: a visit after a cut would have no call.
        let lastEvent = try database.fetchDouble("SELECT max(last_event_at) FROM collection_session")
        #expect(try database.fetchInt64("SELECT count(*) FROM collection_session") == 1)
        #expect((lastEvent ?? 0) >= (truth.visits.map(\.join).max() ?? .infinity), "the collection ended before the day's last visit")
        var channelsOfCall: [Int64: Set<String>] = [:]
        try database.makeStatement("SELECT call_id, channel FROM channel_event WHERE call_id IS NOT NULL")
            .forEachRow { row in channelsOfCall[row.int64(0), default: []].insert(row.string(1) ?? "") }
        var recorded: [String: (channels: Set<String>?, callerNumber: String?)] = [:]
        try database.makeStatement("""
            SELECT v.queue_id, v.uniqueid, v.call_id, c.caller_number FROM queue_visit v LEFT JOIN call c ON c.call_id = v.call_id
            """).forEachRow { row in
            let callID = row.optionalInt64(2)
            recorded["\(row.string(0) ?? "")|\(row.string(1) ?? "")"] = (callID.flatMap { channelsOfCall[$0] }, row.string(3))
        }
        var truthCalls: [Int: SimulatedDayTruth.Call] = [:]
        for call in truth.calls { if let id = call.callID { truthCalls[id] = call } }
        #expect(truth.visits.count > 50)
        for visit in truth.visits {
            let key = "\(visit.queueID)|\(visit.uniqueID)"
            let expected = visit.callID.flatMap { truthCalls[$0] }
            #expect(expected != nil, "visit \(key) has a call in the truth")
            #expect(recorded[key]?.channels == expected?.channels, "visit \(key): call \(recorded[key]?.channels ?? [])")
            #expect(recorded[key]?.callerNumber == visit.callerNumber, "visit \(key)")
        }
    }

    @Test("agent state intervals, queue visits, calls and queue statistics equal the truth")
    func dayEqualsTruth() throws {
        let day = try Self.collectDay(seed: 11)
        let truth = try SimulatedDayTruth(path: day.truth)
        let database = try Database.openReader(path: day.database)

        // Agent state intervals: same count, same states, times within 1 ms. The last interval
        // of each agent is open in the truth (it ends with the day) and ends with the session
        // in the database.
        let recorded = try SimulatedDayTruth.recordedIntervals(database)
        #expect(Set(recorded.keys) == Set(truth.intervals.keys))
        var intervalCount = 0
        for (agent, expected) in truth.intervals {
            let actual = recorded[agent] ?? []
            #expect(actual.count == expected.count, "agent \(agent): \(actual.count) intervals, truth \(expected.count)")
            for (index, (a, e)) in zip(actual, expected).enumerated() {
                intervalCount += 1
                #expect(a.state == e.state, "agent \(agent) interval \(index): \(a.state) vs \(e.state)")
                #expect(abs(a.start - e.start) <= Self.tolerance, "agent \(agent) interval \(index) starts \(a.start) vs \(e.start)")
                if !e.open {
                    #expect(abs(a.end - e.end) <= Self.tolerance, "agent \(agent) interval \(index) ends \(a.end) vs \(e.end)")
                }
            }
        }
        #expect(intervalCount > 500)

        // Queue visits: every one, same join and leave, same outcome and answering agent.
        var visits: [String: (join: Double, leave: Double?, outcome: String?, agent: String?)] = [:]
        try database.makeStatement("SELECT queue_id, uniqueid, join_time, leave_time, outcome, agent_id FROM queue_visit")
            .forEachRow { row in
                visits["\(row.string(0) ?? "")|\(row.string(1) ?? "")"] = (row.double(2), row.optionalDouble(3), row.string(4), row.string(5))
            }
        #expect(visits.count == truth.visits.count)
        var outcomeMismatches = 0
        for visit in truth.visits {
            guard let actual = visits["\(visit.queueID)|\(visit.uniqueID)"] else {
                Issue.record("visit \(visit.uniqueID) in queue \(visit.queueID) was not recorded")
                continue
            }
            #expect(abs(actual.join - visit.join) <= Self.tolerance)
            if let leave = visit.leave {
                #expect(abs((actual.leave ?? .nan) - leave) <= Self.tolerance, "visit \(visit.uniqueID) leave")
            }
            if actual.outcome != visit.outcome || (visit.outcome == "answered" && actual.agent != visit.agentID) {
                outcomeMismatches += 1
            }
        }
        #expect(outcomeMismatches == 0, "\(outcomeMismatches) of \(truth.visits.count) visit outcomes differ")
        #expect(truth.visits.count > 100)

        // Calls: matched by their channels.
        var channelsOfCall: [Int64: Set<String>] = [:]
        try database.makeStatement("SELECT call_id, channel FROM channel_event WHERE call_id IS NOT NULL")
            .forEachRow { row in channelsOfCall[row.int64(0), default: []].insert(row.string(1) ?? "") }
        var rangUsers: [Int64: Set<String>] = [:]
        try database.makeStatement("SELECT call_id, user_id FROM call_ring").forEachRow { row in
            rangUsers[row.int64(0), default: []].insert(row.string(1) ?? "")
        }
        var calls: [Set<String>: (id: Int64, start: Double, ring: Double?, answer: Double?, end: Double?, direction: String)] = [:]
        try database.makeStatement("SELECT call_id, started_at, first_ring_at, answered_at, ended_at, direction FROM call")
            .forEachRow { row in
                let id = row.int64(0)
                calls[channelsOfCall[id] ?? []] = (id, row.double(1), row.optionalDouble(2), row.optionalDouble(3), row.optionalDouble(4), row.string(5) ?? "")
            }
        #expect(calls.count == truth.calls.count)
        for call in truth.calls {
            guard let actual = calls[call.channels] else {
                Issue.record("call of \(call.channels.sorted()) was not recorded as one call")
                continue
            }
            #expect(abs(actual.start - call.start) <= Self.tolerance)
            #expect(actual.direction == call.direction, "call \(call.channels.sorted()): \(actual.direction) vs \(call.direction)")
            #expect((actual.answer == nil) == (call.answer == nil))
            if let answer = call.answer { #expect(abs((actual.answer ?? .nan) - answer) <= Self.tolerance) }
            if let ring = call.ring { #expect(abs((actual.ring ?? .nan) - ring) <= Self.tolerance) }
            if let end = call.end { #expect(abs((actual.end ?? .nan) - end) <= Self.tolerance) }
            #expect((rangUsers[actual.id] ?? []) == call.rangUsers, "call \(call.channels.sorted()) rang")
        }

        // Queue statistics: every change of value, at its time (a value sent again unchanged
        // leaves the step function as it is, and the recorder stores only changes).
        var samples: [SimulatedDayTruth.StatValue: Int] = [:]
        try database.makeStatement("SELECT queue_id, key, event_time, value FROM queue_stat_sample").forEachRow { row in
            let key = SimulatedDayTruth.StatValue(queueID: row.string(0) ?? "", key: row.string(1) ?? "",
                                                  timeMilliseconds: Int64((row.double(2) * 1000).rounded()), value: row.optionalDouble(3))
            samples[key, default: 0] += 1
        }
        var expectedSamples: [SimulatedDayTruth.StatValue: Int] = [:]
        let changes = SimulatedDayTruth.changes(truth.stats)
        for stat in changes { expectedSamples[stat, default: 0] += 1 }
        #expect(changes.count < truth.stats.count, "the simulated day re-sends unchanged values")
        #expect(samples.values.reduce(0, +) == changes.count)
        #expect(samples == expectedSamples)

        // And the session covers the day: from the day's first instant to the server's last
        // message (plus the local time until the connection closed).
        let session = try #require(try database.makeStatement("SELECT started_at, ended_at, end_reason FROM collection_session").firstRow { row in
            (row.double(0), row.optionalDouble(1), row.string(2))
        })
        var latest: Double?
        try JournalReader(database: database).forEachLine { latest = max(latest ?? $0.eventTime, $0.eventTime) }
        let lastEvent = try #require(latest)
        #expect(abs(session.0 - truth.start) <= Self.tolerance)
        #expect((session.1 ?? 0) >= lastEvent)
        #expect((session.1 ?? .infinity) <= truth.end + 1)
    }
}
