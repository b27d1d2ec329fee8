import CallStatsTestSupport
import Foundation
import Testing

/// XiVO's 26 statcenter scenarios (Tests/CallStatsTestSupport/XiVOScenarios): their queue_log
/// rows imported from a file by the real binary, and every cell XiVO's pages show for them
/// equal to what `callstats report xivo-queues` / `xivo-agents` print.
@Suite("XiVO statcenter scenarios, from a queue_log file")
struct XiVOScenarioTests {
    static let queueScenarios = 10
    static let agentScenarios = 16

    @Test("all 26 scenarios are there")
    func count() throws {
        #expect(try XiVOScenario.load("queue_scenarios.json").count == Self.queueScenarios)
        #expect(try XiVOScenario.load("agent_scenarios.json").count == Self.agentScenarios)
    }

    @Test("queue scenario", arguments: 0..<queueScenarios)
    func queue(_ index: Int) throws {
        try check(XiVOScenario.load("queue_scenarios.json")[index])
    }

    @Test("agent scenario", arguments: 0..<agentScenarios)
    func agent(_ index: Int) throws {
        try check(XiVOScenario.load("agent_scenarios.json")[index])
    }

    func check(_ scenario: XiVOScenario) throws {
        let runner = XiVOScenarioRunner(binary: try CallStatsBinary.built(), source: XiVOScenarioRunner.file)
        let outcome = try runner.run(scenario)
        #expect(outcome.cellsCompared > 0, "\(scenario.name): nothing compared")
        #expect(outcome.mismatches.isEmpty, "\(outcome.mismatches.joined(separator: "\n"))")
    }
}
