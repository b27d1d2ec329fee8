import CTIProtocol
import Storage

/// A call still missing its other half: its ENTERQUEUE was read and not yet the line that
/// ends it (no row yet), or (rows out of time order, as XiVO's SQL tolerates) the end first,
/// written to `queue_log_call` (`rowID`), and not yet its ENTERQUEUE.
struct QueueLogPendingCall: Equatable {
    var rowID: Int64?
    var enteredAt: Double?
    var status: String?
    var statusAt: Double?
    var wait: Double?
    var talk: Double?
    var agentID: String?
}

/// A span of `queue_log_agent_span` still open: its row and start.
struct QueueLogOpenSpan: Equatable {
    var rowID: Int64
    var start: Double
}

/// An agent's open spans, by kind (`login`, `pause_all`, `pause`).
struct QueueLogAgentSpans: Equatable {
    var login: QueueLogOpenSpan?
    var pauseAll: QueueLogOpenSpan?
    var pause: QueueLogOpenSpan?

    var isEmpty: Bool { login == nil && pauseAll == nil && pause == nil }
}

extension QueueLogState {
    static func callKey(queueID: String, callID: String) -> String {
        queueID + "\u{0}" + callID
    }

    /// The XiVO part of the carried state (`carried`), as JSON members.
    func carriedXiVO() -> (calls: JSONValue, spans: JSONValue) {
        var calls: [JSONValue] = []
        for key in pendingCalls.keys.sorted() {
            guard let call = pendingCalls[key] else { continue }
            // Only what is known: a caller still waiting is its key and join time.
            var object = JSONObject()
            object["key"] = .string(key)
            if let rowID = call.rowID { object["row_id"] = .int(rowID) }
            if let enteredAt = call.enteredAt { object["entered_at"] = .double(enteredAt) }
            if let status = call.status { object["status"] = .string(status) }
            if let statusAt = call.statusAt { object["status_at"] = .double(statusAt) }
            if let wait = call.wait { object["wait"] = .double(wait) }
            if let talk = call.talk { object["talk"] = .double(talk) }
            if let agentID = call.agentID { object["agent_id"] = .string(agentID) }
            calls.append(.object(object))
        }
        var spans = JSONObject()
        for agentID in agentSpans.keys.sorted() {
            guard let open = agentSpans[agentID], !open.isEmpty else { continue }
            func value(_ span: QueueLogOpenSpan?) -> JSONValue {
                span.map { .array([.int($0.rowID), .double($0.start)]) } ?? .null
            }
            spans[agentID] = .object(["login": value(open.login), "pause_all": value(open.pauseAll), "pause": value(open.pause)])
        }
        return (.array(calls), .object(spans))
    }

    func restoreXiVO(_ root: JSONObject) {
        for value in root["xivo_calls"]?.array ?? [] {
            guard let fields = value.object, let key = fields["key"]?.string else { continue }
            pendingCalls[key] = QueueLogPendingCall(
                rowID: fields["row_id"]?.int, enteredAt: fields["entered_at"]?.double, status: fields["status"]?.string,
                statusAt: fields["status_at"]?.double, wait: fields["wait"]?.double, talk: fields["talk"]?.double,
                agentID: fields["agent_id"]?.string)
        }
        for (agentID, value) in root["xivo_spans"]?.object ?? [:] {
            guard let fields = value.object else { continue }
            func span(_ name: String) -> QueueLogOpenSpan? {
                guard let pair = fields[name]?.array, pair.count == 2, let id = pair[0].int, let start = pair[1].double else { return nil }
                return QueueLogOpenSpan(rowID: id, start: start)
            }
            agentSpans[agentID] = QueueLogAgentSpans(login: span("login"), pauseAll: span("pause_all"), pause: span("pause"))
        }
    }
}
