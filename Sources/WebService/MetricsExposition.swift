import Prometheus
import Reports

/// `/metrics`: one board (one snapshot) as Prometheus' text exposition.
///
/// A new registry per scrape: every value is the database's at that snapshot, so nothing is
/// kept between scrapes and a counter is the database's own total (it only restarts lower
/// when `callstats prune` removes old visits, which Prometheus reads as a counter reset).
enum MetricsExposition {
    /// Every state of the occupancy report (docs/METRICS.md), one 0/1 series each per agent,
    /// plus `unknown` for an agent whose state is not known at "now".
    static let agentStates = ["logged_out", "available", "acd_call", "nonacd_call", "wrapup", "paused", "unknown"]

    static func render(_ board: Board) -> String {
        let registry = PrometheusCollectorRegistry()
        let queueNames = Dictionary(board.queues.map { ($0.queueID, $0.queueName ?? $0.queueID) }, uniquingKeysWith: { first, _ in first })
        // Descriptors, not the deprecated name-and-help calls: the name is whole already.
        func gauge(_ name: String, _ labels: [(String, String)] = [], help: String) -> Gauge {
            registry.makeGauge(descriptor: MetricNameDescriptor(metricName: name, unitName: "", helpText: help), labels: labels)
        }
        func counter(_ name: String, _ labels: [(String, String)] = [], help: String) -> Counter {
            registry.makeCounter(descriptor: MetricNameDescriptor(metricName: name, unitName: "", helpText: help), labels: labels)
        }
        func queueLabels(_ id: String) -> [(String, String)] { [("queue_id", id), ("queue", queueNames[id] ?? id)] }

        for queue in board.queues {
            let labels = queueLabels(queue.queueID)
            gauge("callstats_queue_waiting_calls", labels,
                               help: "Callers in the queue's waiting list now.").set(to: Double(queue.waitingCalls))
            gauge("callstats_queue_longest_wait_seconds", labels,
                               help: "How long the longest-waiting caller has waited so far.").set(to: queue.longestWait)
            if let ewt = queue.ewt {
                gauge("callstats_queue_ewt_seconds", labels,
                                   help: "The CTI server's latest estimated waiting time for the queue.").set(to: ewt)
            }
            let states = board.agentStates(ofQueue: queue.queueID)
            for state in agentStates {
                gauge("callstats_queue_agents", labels + [("state", state)],
                                   help: "Agents of the queue (its members) in each state now.").set(to: Double(states[state] ?? 0))
            }
        }
        for total in board.visitTotals {
            counter("callstats_queue_calls_total", queueLabels(total.queueID) + [("outcome", total.outcome)],
                                 help: "Queue visits that ended, by outcome, since the database began.").increment(by: total.count)
        }
        for agent in board.agents {
            let labels = [("agent_id", agent.agentID), ("agent", agent.agentName ?? agent.agentNumber ?? agent.agentID)]
            let current = agentStates.contains(agent.state ?? "") ? agent.state ?? "unknown" : "unknown"
            for state in agentStates {
                gauge("callstats_agent_state", labels + [("state", state)],
                                   help: "1 for the agent's state now, 0 for the others.").set(to: state == current ? 1.0 : 0.0)
            }
        }
        gauge("callstats_collector_up",
                           help: "1 while a collector records a live session, else 0.").set(to: board.collecting ? 1.0 : 0.0)
        if let age = board.secondsSinceLastMessage {
            gauge("callstats_last_message_age_seconds",
                               help: "Seconds since the collector received its latest line from the CTI server.").set(to: age)
        }
        counter("callstats_journal_lines_total",
                             help: "Lines of the CTI server recorded in the journal.").increment(by: board.journalLines)
        return registry.emitToString()
    }
}
