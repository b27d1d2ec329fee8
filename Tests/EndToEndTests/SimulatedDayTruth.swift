import Foundation
import Storage

/// The simulator's ground truth (`--truth`, format in Sources/Simulator/Output/LineSink.swift)
/// compared with what the collector recorded.
struct SimulatedDayTruth {
    struct Interval: Equatable {
        let state: String
        let start: Double
        let end: Double
        let open: Bool
    }

    struct Visit {
        let queueID: String
        let uniqueID: String
        /// The truth's `call_id`: the call the caller was on.
        let callID: Int?
        let callerNumber: String
        let join: Double
        let leave: Double?
        let outcome: String
        let agentID: String?
    }

    struct Call {
        let callID: Int?
        let channels: Set<String>
        let start: Double
        let ring: Double?
        let answer: Double?
        let end: Double?
        let direction: String
        let rangUsers: Set<String>
    }

    struct StatValue: Hashable {
        let queueID: String
        let key: String
        let timeMilliseconds: Int64
        let value: Double?
    }

    /// The values that change their queue's and key's step function, in the order sent (the
    /// simulator's times go forward): a value equal to its series' previous one is no step,
    /// except that an emptied queue (`Xivo-WaitingCalls` 0) ends the longest wait in effect
    /// (metrics.md), so a longest wait after one is a step, and so is an emptied queue after
    /// a longest wait.
    static func changes(_ stats: [StatValue]) -> [StatValue] {
        var inEffect: [String: Double?] = [:]
        return stats.filter { stat in
            let series = stat.queueID + "\u{0}" + stat.key
            let waiting = stat.queueID + "\u{0}Xivo-WaitingCalls"
            let longest = stat.queueID + "\u{0}Xivo-LongestWaitTime"
            let repeated = inEffect[series].map { $0 == stat.value } ?? false
            inEffect[series] = .some(stat.value)
            if stat.key == "Xivo-WaitingCalls", stat.value == 0 { inEffect[longest] = nil }
            if repeated { return false }
            if stat.key == "Xivo-LongestWaitTime", inEffect[waiting] == .some(.some(0)) { inEffect[waiting] = nil }
            return true
        }
    }

    var intervals: [String: [Interval]] = [:]
    var visits: [Visit] = []
    var calls: [Call] = []
    var stats: [StatValue] = []
    var start = 0.0
    var end = 0.0

    init(path: String) throws {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        for line in text.split(separator: "\n") {
            guard let record = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let type = record["type"] as? String else { continue }
            switch type {
            case "meta":
                start = record["start"] as? Double ?? 0
                end = record["end"] as? Double ?? 0
            case "agent_state":
                let agent = record["agent_id"] as? String ?? ""
                intervals[agent, default: []].append(Interval(
                    state: record["state"] as? String ?? "", start: record["start"] as? Double ?? 0,
                    end: record["end"] as? Double ?? 0, open: record["open"] as? Bool ?? false))
            case "queue_visit":
                visits.append(Visit(
                    queueID: record["queue_id"] as? String ?? "", uniqueID: record["uniqueid"] as? String ?? "",
                    callID: record["call_id"] as? Int, callerNumber: record["caller_number"] as? String ?? "",
                    join: record["join"] as? Double ?? 0, leave: record["leave"] as? Double,
                    outcome: record["outcome"] as? String ?? "", agentID: record["agent_id"] as? String))
            case "call":
                calls.append(Call(
                    callID: record["call_id"] as? Int, channels: Set(record["channels"] as? [String] ?? []), start: record["start"] as? Double ?? 0,
                    ring: record["ring"] as? Double, answer: record["answer"] as? Double, end: record["end"] as? Double,
                    direction: record["direction"] as? String ?? "", rangUsers: Set(record["rang_users"] as? [String] ?? [])))
            case "queue_stat":
                let value: Double?
                if let number = record["value"] as? NSNumber {
                    value = number.doubleValue
                } else if let text = record["value"] as? String {
                    value = Double(text)
                } else {
                    value = nil
                }
                stats.append(StatValue(
                    queueID: record["queue_id"] as? String ?? "", key: record["key"] as? String ?? "",
                    timeMilliseconds: Int64(((record["time"] as? Double ?? 0) * 1000).rounded()), value: value))
            default:
                break
            }
        }
    }

    /// The database's intervals, with the pieces cut at hours and sessions joined again.
    static func recordedIntervals(_ database: Database) throws -> [String: [Interval]] {
        var result: [String: [Interval]] = [:]
        try database.makeStatement("""
            SELECT agent_id, state, start_time, end_time, began FROM agent_state_interval ORDER BY agent_id, start_time, id
            """).forEachRow { row in
            let agent = row.string(0) ?? ""
            let piece = Interval(state: row.string(1) ?? "", start: row.double(2), end: row.optionalDouble(3) ?? .infinity, open: false)
            var list = result[agent] ?? []
            if let last = list.last, last.state == piece.state, row.int(4) == 0, abs(last.end - piece.start) < 1e-6 {
                list[list.count - 1] = Interval(state: last.state, start: last.start, end: piece.end, open: false)
            } else {
                list.append(piece)
            }
            result[agent] = list
        }
        return result
    }
}
