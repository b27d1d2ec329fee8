import CallStatsTestSupport
import Foundation
import Storage

/// A database built row by row through the Storage API, as the recorder would leave it:
/// the reports' inputs written by hand, never by report code.
final class Fixture {
    let folder: TemporaryFolder
    let path: String
    let database: Database

    init() throws {
        folder = try TemporaryFolder()
        path = folder.path("calls.db")
        database = try Database(path: path, mode: .readWrite)
        try Migrator.embedded().migrate(database)
    }

    /// The same file, opened the way `callstats report` opens it.
    func reader() throws -> Database {
        try Database.openReader(path: path)
    }

    func session(_ id: Int64, start: Double, end: Double?, lastEvent: Double? = nil) throws {
        try database.execute(
            "INSERT INTO collection_session (session_id, server, connected_at, logged_in_at, started_at, ended_at, end_reason, last_event_at) VALUES (?, 'pbx:5003', ?, ?, ?, ?, ?, ?)",
            id, start, start, start, end, end == nil ? nil : "shutdown", lastEvent ?? end
        )
    }

    func agent(_ id: String, number: String?, first: String?, last: String?) throws {
        try database.execute(
            "INSERT INTO agent (ipbx, agent_id, number, firstname, lastname, updated_at) VALUES ('xivo', ?, ?, ?, ?, 0)",
            id, number, first, last
        )
    }

    func queue(_ id: String, name: String, display: String?) throws {
        try database.execute(
            "INSERT INTO queue (ipbx, queue_id, name, number, display_name, updated_at) VALUES ('xivo', ?, ?, ?, ?, 0)",
            id, name, "3" + id, display
        )
    }

    func user(_ id: String, fullname: String, agent: String?) throws {
        try database.execute(
            "INSERT INTO pbx_user (ipbx, user_id, fullname, agent_id, updated_at) VALUES ('xivo', ?, ?, ?, 0)",
            id, fullname, agent
        )
    }

    func interval(_ agent: String, _ state: String, _ start: Double, _ end: Double?, began: Bool = true, session: Int64) throws {
        try database.execute(
            "INSERT INTO agent_state_interval (ipbx, agent_id, state, start_time, end_time, began, session_id) VALUES ('xivo', ?, ?, ?, ?, ?, ?)",
            agent, state, start, end, began, session
        )
    }

    func statusChange(_ agent: String, at time: Double, availability: String, state: String, session: Int64) throws {
        try database.execute(
            "INSERT INTO agent_status_change (ipbx, agent_id, event_time, availability, on_call_acd, on_wrapup, state, partial, session_id) VALUES ('xivo', ?, ?, ?, 0, 0, ?, 1, ?)",
            agent, time, availability, state, session
        )
    }

    func sample(_ queue: String, _ key: String, _ time: Double, _ value: Double?, session: Int64) throws {
        try database.execute(
            "INSERT INTO queue_stat_sample (ipbx, queue_id, key, event_time, value, session_id) VALUES ('xivo', ?, ?, ?, ?, ?)",
            queue, key, time, value, session
        )
    }

    func visit(_ queue: String, number: String?, name: String?, join: Double, leave: Double?, outcome: String?, agent: String? = nil, answeredAt: Double? = nil, session: Int64) throws {
        try database.execute(
            "INSERT INTO queue_visit (ipbx, queue_id, caller_number, caller_name, join_time, leave_time, outcome, agent_id, answered_at, session_id) VALUES ('xivo', ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            queue, number, name, join, leave, outcome, agent, answeredAt, session
        )
    }

    // swiftlint:disable:next function_parameter_count
    func call(_ id: Int64, direction: String, started: Double, firstRing: Double?, answered: Double?, ended: Double?, outcome: String,
              callerNumber: String?, callerName: String?, calleeNumber: String?, session: Int64) throws {
        try database.execute(
            "INSERT INTO call (call_id, ipbx, started_at, first_ring_at, answered_at, ended_at, direction, outcome, caller_number, caller_name, callee_number, session_id) VALUES (?, 'xivo', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            id, started, firstRing, answered, ended, direction, outcome, callerNumber, callerName, calleeNumber, session
        )
    }

    func ring(_ call: Int64, phone: String, user: String?, at time: Double) throws {
        try database.execute(
            "INSERT INTO call_ring (call_id, phone_id, user_id, channel, rang_at) VALUES (?, ?, ?, ?, ?)",
            call, phone, user, "SIP/" + phone + "-00000001", time
        )
    }
}

/// Committed expected outputs under Snapshots/. `RECORD_SNAPSHOTS=1 swift test ...` rewrites
/// them from the current code (then review the diff); otherwise a difference fails the test.
enum Snapshot {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Snapshots")

    static var recording: Bool { ProcessInfo.processInfo.environment["RECORD_SNAPSHOTS"] == "1" }

    /// nil when it matches; else a description of the first difference.
    static func compare(_ actual: String, named name: String) throws -> String? {
        let url = folder.appendingPathComponent(name)
        if recording {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try Data(actual.utf8).write(to: url)
            return nil
        }
        guard let expected = try? Data(contentsOf: url) else {
            return "Snapshots/\(name) is missing: run with RECORD_SNAPSHOTS=1 to create it"
        }
        let actualBytes = Data(actual.utf8)
        if expected == actualBytes { return nil }
        let expectedLines = String(decoding: expected, as: UTF8.self).components(separatedBy: "\n")
        let actualLines = actual.components(separatedBy: "\n")
        for index in 0..<max(expectedLines.count, actualLines.count) {
            let left = index < expectedLines.count ? expectedLines[index] : "<end>"
            let right = index < actualLines.count ? actualLines[index] : "<end>"
            if left != right {
                return "Snapshots/\(name) differs at line \(index + 1):\n  expected: \(left.prefix(300))\n  actual:   \(right.prefix(300))"
            }
        }
        return "Snapshots/\(name) differs in its bytes"
    }
}
