import CallStatsTestSupport
import Foundation
@testable import Recording
@testable import Reports
import Storage
import Testing

/// The recorder stores a queue statistic only when it changes the step function
/// (Recorder+QueueStatistics.swift). Here a random stream full of repeats (the same value
/// again, "" again, an emptied queue between two equal longest waits, an emptied queue
/// again after a longest wait, times that go back, several sessions) is recorded, and every
/// value of it is also written as a sample by hand, repeats included: the EWT report at every
/// interval and the `queues` view at many instants print the same from both databases.
@Suite("Queue statistics stored without repeats give the reports' figures of every value stored")
struct StatisticRepeatsTests {
    static let t0 = 1_790_000_000.0
    static let keys = QueueStatisticScan.keys

    struct Message {
        var time: Double
        var queue: String
        var values: [(key: String, value: String)]
    }

    /// Sessions of the stream: (start, end), each with its messages.
    static func stream(seed: UInt64) -> [(start: Double, end: Double, messages: [Message])] {
        var random = SeededGenerator(state: seed)
        var sessions: [(start: Double, end: Double, messages: [Message])] = []
        var time = t0
        for _ in 0..<3 {
            let start = time
            var messages: [Message] = []
            for _ in 0..<400 {
                // Forward, sometimes at the same instant.
                time += random.chance(0.1) ? 0 : random.unit() * 120
                var values: [(String, String)] = []
                for key in keys where random.chance(0.4) {
                    let pick = random.int(key == "Xivo-WaitingCalls" ? 3 : 4)
                    values.append((key, pick == 3 ? "" : String(pick)))
                }
                if values.isEmpty { values.append(("Xivo-WaitingCalls", "0")) }
                messages.append(Message(time: time, queue: random.chance(0.5) ? "3" : "4", values: values.shuffled(using: &random)))
            }
            time += 200
            sessions.append((start, time, messages))
            time += 600  // a gap between sessions
        }
        return sessions
    }

    static func line(_ message: Message) -> String {
        let values = message.values.map { "\"\($0.key)\":\"\($0.value)\"" }.joined(separator: ",")
        return #"{"class":"getqueuesstats","stats":{"\#(message.queue)":{\#(values)}},"timenow":\#(message.time)}"#
    }

    /// The stream through the recorder.
    static func recorded(_ stream: [(start: Double, end: Double, messages: [Message])], in folder: TemporaryFolder) throws -> String {
        let path = folder.path("recorded.db")
        let (database, _) = try Database.openWriter(path: path)
        let recorder = try Recorder(database: database, options: RecorderOptions())
        for (start, end, messages) in stream {
            _ = try recorder.beginSession(server: "pbx", connectedAt: start - t0)
            try recorder.record(line: Array(#"{"class":"login_id","sessionid":"abc","timenow":\#(start)}"#.utf8), receivedAt: start - t0)
            for message in messages {
                try recorder.record(line: Array(line(message).utf8), receivedAt: message.time - t0)
            }
            try recorder.endSession(reason: "shutdown", at: end - t0)
        }
        try recorder.commit()
        return path
    }

    /// Every value of the stream as a sample, in the order received, with the recorded sessions.
    static func everyValue(_ stream: [(start: Double, end: Double, messages: [Message])], sessionsFrom recorded: String,
                           in folder: TemporaryFolder) throws -> String {
        let path = folder.path("every.db")
        let database = try Database(path: path, mode: .readWrite)
        try Migrator.embedded().migrate(database)
        let source = try Database.openReader(path: recorded)
        try database.write {
            try source.makeStatement("SELECT session_id, server, connected_at, started_at, ended_at, end_reason, last_event_at FROM collection_session")
                .forEachRow { row in
                    try database.execute(
                        "INSERT INTO collection_session (session_id, server, connected_at, started_at, ended_at, end_reason, last_event_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                        row.int64(0), row.string(1) ?? "", row.double(2), row.optionalDouble(3), row.optionalDouble(4), row.string(5), row.optionalDouble(6))
                }
            for (index, session) in stream.enumerated() {
                for message in session.messages {
                    for (key, value) in message.values {
                        try database.execute(
                            "INSERT INTO queue_stat_sample (ipbx, queue_id, key, event_time, value, session_id) VALUES ('xivo', ?, ?, ?, ?, ?)",
                            message.queue, key, message.time, Double(value), Int64(index + 1))
                    }
                }
            }
        }
        return path
    }

    static func ewtCells(_ path: String, interval: ReportInterval, range: Period, calendar: ReportCalendar) throws -> [[Cell]] {
        let reader = try Database.openReader(path: path)
        let parameters = ReportParameters(calendar: calendar, range: range, interval: interval)
        return try reader.read {
            var rows: [[Cell]] = []
            try ReportQueries(database: reader, parameters: parameters).run(.ewt) { rows.append($0) }
            return rows
        }
    }

    static func queuesView(_ path: String, at time: Double, calendar: ReportCalendar) throws -> [QueueNow] {
        let reader = try Database.openReader(path: path)
        return try reader.read {
            try NowQueries(database: reader, asOf: AsOf(time: time, source: .latestEvent), calendar: calendar).queues()
        }
    }

    @Test("the EWT report and the queues view print the same from the stored changes as from every value", arguments: [UInt64(1), 2, 3])
    func sameFigures(seed: UInt64) throws {
        guard let calendar = ReportCalendar(timeZoneIdentifier: "UTC") else { throw ReportError("no UTC") }
        let folder = try TemporaryFolder()
        let stream = Self.stream(seed: seed)
        let recorded = try Self.recorded(stream, in: folder)
        let every = try Self.everyValue(stream, sessionsFrom: recorded, in: folder)

        let stored = try Database.openReader(path: recorded).fetchInt64("SELECT count(*) FROM queue_stat_sample") ?? 0
        let all = try Database.openReader(path: every).fetchInt64("SELECT count(*) FROM queue_stat_sample") ?? 0
        #expect(stored > 0 && stored * 10 < all * 8, "repeats were dropped: \(stored) of \(all)")

        let range = Period(start: Self.t0 - 3600, end: (stream.last?.end ?? Self.t0) + 3600)
        var compared = 0
        for interval in [ReportInterval.minutes(15), .minutes(60), .total] {
            let expected = try Self.ewtCells(every, interval: interval, range: range, calendar: calendar)
            let got = try Self.ewtCells(recorded, interval: interval, range: range, calendar: calendar)
            let first = got.indices.first { $0 >= expected.count || got[$0] != expected[$0] }
            #expect(got == expected, "\(interval): \(got.count) rows, \(expected.count) expected; first difference: \(first.map { "\(got[$0]) | \($0 < expected.count ? "\(expected[$0])" : "-")" } ?? "none")")
            compared += expected.count
        }
        #expect(compared > 100)

        var instant = range.start
        while instant < range.end {
            #expect(try Self.queuesView(recorded, at: instant, calendar: calendar) == Self.queuesView(every, at: instant, calendar: calendar),
                    "queues at \(instant - Self.t0)")
            instant += 397
        }
    }

    @Test("replay stores the same samples as live recording")
    func replayAgrees() throws {
        let folder = try TemporaryFolder()
        let path = try Self.recorded(Self.stream(seed: 9), in: folder)
        let (database, _) = try Database.openWriter(path: path)
        func samples() throws -> [[DatabaseValue]] {
            var rows: [[DatabaseValue]] = []
            try database.makeStatement("SELECT queue_id, key, event_time, value, window_s, session_id, journal_seq FROM queue_stat_sample ORDER BY id")
                .forEachRow { row in rows.append((0..<row.columnCount).map { row.value($0) }) }
            return rows
        }
        let live = try samples()
        _ = try Recorder(database: database, options: RecorderOptions()).replay()
        #expect(try samples() == live)
        #expect(live.count > 100)
    }
}
