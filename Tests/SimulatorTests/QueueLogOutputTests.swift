import CTIProtocol
import Testing

@testable import Simulator

/// The queue_log the model writes beside its CTI messages (`simulate --queue-log`).
@Suite("The simulator's queue_log")
struct QueueLogOutputTests {
    static func configuration() -> SimulatorConfiguration {
        var c = SimulatorConfiguration()
        c.seed = 7
        c.agents = 25
        c.queues = 3
        c.duration = 5 * 3600 * 1_000_000  // past 11:00, when pauses are for lunch
        return c
    }

    struct Run {
        var truth: [[UInt8]]
        var wire: [[UInt8]]
        var queueLog: [String]
    }

    static func run(withQueueLog: Bool) -> Run {
        let truth = LineMemory()
        let queueLog = LineMemory()
        let model = CallCenterModel(configuration: configuration(), truth: truth, queueLog: withQueueLog ? queueLog : LineDiscard())
        var wire: [[UInt8]] = []
        while !model.finished {
            _ = model.advance(until: model.end, maxEvents: 10_000)
            for message in model.outbox {
                var bytes = Array(String(message.time).utf8)
                JSON.serialize(.object(message.body), into: &bytes)
                wire.append(bytes)
            }
            model.outbox.removeAll()
        }
        return Run(truth: truth.lines, wire: wire, queueLog: queueLog.lines.map { String(decoding: $0, as: UTF8.self) })
    }

    @Test("writing it changes nothing on the wire nor in the truth")
    func sameWire() {
        let without = Self.run(withQueueLog: false)
        let with = Self.run(withQueueLog: true)
        #expect(with.wire.count > 1000)
        #expect(with.wire == without.wire)
        #expect(with.truth == without.truth)
        #expect(without.queueLog.isEmpty)
    }

    /// Asterisk's field layouts (app_queue.c, wazo-agentd, Wazo's WRAPUPSTART), whole-second
    /// times that never go back, and one line per fact of the truth.
    @Test("every line has its event's fields, times never go back, and each visit of the truth has its lines")
    func linesMatchTheTruth() throws {
        let run = Self.run(withQueueLog: true)
        let dataFields = [
            "QUEUESTART": 1, "ENTERQUEUE": 3, "CONNECT": 3, "COMPLETEAGENT": 3, "COMPLETECALLER": 3, "ABANDON": 3,
            "RINGNOANSWER": 1, "WRAPUPSTART": 1, "ADDMEMBER": 1, "REMOVEMEMBER": 1, "AGENTCALLBACKLOGIN": 1,
            "AGENTCALLBACKLOGOFF": 3, "PAUSE": 1, "UNPAUSE": 1, "PAUSEALL": 1, "UNPAUSEALL": 1,
        ]
        var previous: Int64 = 0
        var byCall: [String: [[Substring]]] = [:]
        var events: Set<String> = []
        var reasons: Set<String> = []
        for line in run.queueLog {
            let fields = line.split(separator: "|", omittingEmptySubsequences: false)
            #expect(fields.count >= 5, "\(line)")
            guard fields.count >= 5, let time = Int64(fields[0]) else { continue }
            #expect(time >= previous, "\(line)")
            previous = time
            let event = String(fields[4])
            events.insert(event)
            #expect(dataFields[event] == fields.count - 5, "\(line)")
            if event == "PAUSE" { reasons.insert(String(fields[5])) }
            byCall[String(fields[1]), default: []].append(fields)
        }
        #expect(events == Set(dataFields.keys))
        #expect(reasons.isSuperset(of: ["lunch", "break", ""]))
        var openCalls: Set<Int64> = []
        for line in run.truth {
            if case .object(let record) = try JSON.parse(line), record["type"] == "call", record["open"] == .bool(true),
               let id = record["call_id"]?.int { openCalls.insert(id) }
        }
        var visits = 0
        for line in run.truth {
            guard case .object(let record) = try JSON.parse(line), record["type"] == "queue_visit",
                  let uniqueID = record["uniqueid"]?.string, let join = record["join"]?.double
            else { continue }
            visits += 1
            let lines = byCall[uniqueID] ?? []
            #expect(lines.first?[4] == "ENTERQUEUE" && lines.first?[0] == Substring(String(Int64(join.rounded(.down)))), "\(uniqueID)")
            switch record["outcome"]?.string {
            case "answered":
                let connect = lines.first { $0[4] == "CONNECT" }
                let leave = record["leave"]?.double ?? 0
                #expect(connect?[5] == Substring(String(Int64(leave.rounded(.down)) - Int64(join.rounded(.down)))), "\(uniqueID)")
                let stillTalking = record["call_id"]?.int.map { openCalls.contains($0) } ?? false
                #expect(lines.contains { $0[4] == "COMPLETEAGENT" || $0[4] == "COMPLETECALLER" } != stillTalking, "\(uniqueID) ends")
            case "abandoned":
                #expect(lines.last?[4] == "ABANDON", "\(uniqueID)")
            default:
                #expect(lines.count == 1, "\(uniqueID) still waits: only its ENTERQUEUE")
            }
        }
        #expect(visits > 200)
    }
}
