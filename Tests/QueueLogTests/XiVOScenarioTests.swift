import CallStatsTestSupport
import Foundation
import Testing

/// XiVO's 26 statcenter scenarios (Tests/CallStatsTestSupport/XiVOScenarios): their queue_log
/// rows imported by the real binary, from a file and from a real PostgreSQL server's queue_log
/// table, and every cell XiVO's pages show for them equal to what `callstats report
/// xivo-queues` / `xivo-agents` print. One suite per source; `XiVOScenarioRunner` compares.
enum XiVOScenarioSet: String, Sendable {
    case queue = "queue_scenarios.json"
    case agent = "agent_scenarios.json"

    static let queueScenarios = 10
    static let agentScenarios = 16

    /// Runs scenario `index` of the set through `source` and expects every cell to match.
    func check(_ index: Int, source: @escaping XiVOScenarioRunner.Source) async throws {
        let scenario = try XiVOScenario.load(rawValue)[index]
        let runner = XiVOScenarioRunner(binary: try CallStatsBinary.built(), source: source)
        let outcome = try await runner.run(scenario)
        #expect(outcome.cellsCompared > 0, "\(scenario.name): nothing compared")
        #expect(outcome.mismatches.isEmpty, "\(outcome.mismatches.joined(separator: "\n"))")
    }
}

@Suite("XiVO statcenter scenarios, from a queue_log file")
struct XiVOScenarioFileTests {
    @Test("all 26 scenarios are there")
    func count() throws {
        #expect(try XiVOScenario.load(XiVOScenarioSet.queue.rawValue).count == XiVOScenarioSet.queueScenarios)
        #expect(try XiVOScenario.load(XiVOScenarioSet.agent.rawValue).count == XiVOScenarioSet.agentScenarios)
    }

    @Test("queue scenario", arguments: 0..<XiVOScenarioSet.queueScenarios)
    func queue(_ index: Int) async throws {
        try await XiVOScenarioSet.queue.check(index, source: XiVOScenarioRunner.file)
    }

    @Test("agent scenario", arguments: 0..<XiVOScenarioSet.agentScenarios)
    func agent(_ index: Int) async throws {
        try await XiVOScenarioSet.agent.check(index, source: XiVOScenarioRunner.file)
    }
}

/// The same rows in XiVO's text `time` column (naive PBX-local times, read with `--pbx-tz`) and
/// in Wazo's timestamptz one: both give XiVO's figures, so both give the same.
@Suite("XiVO statcenter scenarios, from PostgreSQL's queue_log table", PostgresTestServer.tool.trait)
struct XiVOScenarioPostgresTests {
    static let timeColumns: [PostgresTestDatabase.TimeColumn] = [.text, .timestamptz]

    @Test("queue scenario", arguments: timeColumns, 0..<XiVOScenarioSet.queueScenarios)
    func queue(_ time: PostgresTestDatabase.TimeColumn, _ index: Int) async throws {
        try await XiVOScenarioSet.queue.check(index, source: XiVOScenarioRunner.postgres(time))
    }

    @Test("agent scenario", arguments: timeColumns, 0..<XiVOScenarioSet.agentScenarios)
    func agent(_ time: PostgresTestDatabase.TimeColumn, _ index: Int) async throws {
        try await XiVOScenarioSet.agent.check(index, source: XiVOScenarioRunner.postgres(time))
    }
}
