import CTIProtocol
import Testing

@testable import Simulator

/// `--load-factor` and `--hold-peak`: how much traffic the model makes, counted in its truth.
@Suite("Traffic load")
struct TrafficLoadTests {
    struct Counts {
        var queueVisits = 0
        var calls: [String: Int] = [:]
    }

    /// A headless day of 30 agents and 4 queues over 4 h, with the given load.
    static func day(seed: UInt64 = 17, loadFactor: Double = 1, holdPeak: Bool = false) throws -> Counts {
        var c = SimulatorConfiguration()
        c.seed = seed
        c.agents = 30
        c.queues = 4
        c.duration = 4 * 3600 * 1_000_000
        c.loadFactor = loadFactor
        c.holdPeak = holdPeak
        let truth = LineMemory()
        let model = CallCenterModel(configuration: c, truth: truth)
        model.advance(until: model.end)
        #expect(model.finished)
        var counts = Counts()
        for line in truth.lines {
            guard case .object(let record) = try JSON.parse(line) else { continue }
            switch record["type"]?.string {
            case "queue_visit": counts.queueVisits += 1
            case "call": counts.calls[record["kind"]?.string ?? "?", default: 0] += 1
            default: break
            }
        }
        return counts
    }

    @Test("held at the peak, queue calls arrive at the peak rate all day: about 1.45 times the profiled day")
    func holdPeak() throws {
        let profiled = try Self.day()
        let held = try Self.day(holdPeak: true)
        let ratio = Double(held.queueVisits) / Double(profiled.queueVisits)
        // The profile averages to about 1 (its peak is 1.45); a few hundred calls each.
        #expect(profiled.queueVisits > 300)
        #expect(ratio > 1.25 && ratio < 1.7, "held \(held.queueVisits), profiled \(profiled.queueVisits)")
    }

    @Test("a load factor multiplies every kind of call")
    func loadFactor() throws {
        let normal = try Self.day(holdPeak: true)
        let tripled = try Self.day(loadFactor: 3, holdPeak: true)
        // Queue calls: three times the arrivals, and more again as the callers who give up call back.
        #expect(Double(tripled.queueVisits) / Double(normal.queueVisits) > 2.6,
                "tripled \(tripled.queueVisits), normal \(normal.queueVisits)")
        // Direct and outgoing calls: three times the attempts, of which a phone already busy
        // (more often, with more calls) turns some away, so between twice and three times.
        for kind in ["inbound", "outbound"] {
            let ratio = Double(tripled.calls[kind, default: 0]) / Double(max(1, normal.calls[kind, default: 0]))
            #expect(normal.calls[kind, default: 0] > 50)
            #expect(ratio > 1.8 && ratio < 3.5, "\(kind) calls: \(tripled.calls) against \(normal.calls)")
        }
    }
}
