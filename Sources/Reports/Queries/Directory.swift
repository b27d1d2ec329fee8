import Storage

/// Names of the PBX objects (the last known configuration of each), and the `--queue` and
/// `--agent` filters resolved to ids. Small: one entry per agent, queue and user.
struct Directory {
    struct Agent { var number: String?; var name: String? }
    struct Queue { var name: String?; var displayName: String? }
    struct User { var name: String?; var agentID: String? }

    var agents: [String: Agent] = [:]
    var queues: [String: Queue] = [:]
    var users: [String: User] = [:]

    init(database: Database) throws {
        // Oldest first: when an id exists on several servers, the latest configuration wins.
        try database.cachedStatement("SELECT agent_id, number, firstname, lastname FROM agent ORDER BY updated_at, ipbx")
            .forEachRow { row in
                agents[row.string(0) ?? ""] = Agent(number: Self.nonEmpty(row.string(1)), name: Self.join(row.string(2), row.string(3)))
            }
        try database.cachedStatement("SELECT queue_id, name, display_name FROM queue ORDER BY updated_at, ipbx")
            .forEachRow { row in
                queues[row.string(0) ?? ""] = Queue(name: Self.nonEmpty(row.string(1)), displayName: Self.nonEmpty(row.string(2)))
            }
        try database.cachedStatement("SELECT user_id, fullname, firstname, lastname, agent_id FROM pbx_user ORDER BY updated_at, ipbx")
            .forEachRow { row in
                users[row.string(0) ?? ""] = User(
                    name: Self.nonEmpty(row.string(1)) ?? Self.join(row.string(2), row.string(3)),
                    agentID: Self.nonEmpty(row.string(4))
                )
            }
    }

    func queueName(_ id: String) -> String? {
        guard let queue = queues[id] else { return nil }
        return queue.displayName ?? queue.name
    }

    func userName(_ id: String) -> String? { users[id]?.name }

    /// `--queue` values to queue ids: each value is an id, a name or a display name.
    func resolveQueues(_ values: [String]) throws(ReportError) -> [String] {
        var ids: Set<String> = []
        for value in values {
            let matches = queues.filter { $0.key == value || $0.value.name == value || $0.value.displayName == value }.map(\.key)
            guard !matches.isEmpty else {
                throw ReportError("no queue has the id or name '\(value)' in the database", isBadArgument: true)
            }
            ids.formUnion(matches)
        }
        return ids.sorted(by: IDOrder.less)
    }

    /// `--agent` values to agent ids: each value is an id or an agent number.
    func resolveAgents(_ values: [String]) throws(ReportError) -> [String] {
        var ids: Set<String> = []
        for value in values {
            let matches = agents.filter { $0.key == value || $0.value.number == value }.map(\.key)
            guard !matches.isEmpty else {
                throw ReportError("no agent has the id or number '\(value)' in the database", isBadArgument: true)
            }
            ids.formUnion(matches)
        }
        return ids.sorted(by: IDOrder.less)
    }

    /// The users who log in as one of these agents.
    func users(ofAgents agentIDs: [String]) -> [String] {
        let wanted = Set(agentIDs)
        return users.filter { $0.value.agentID.map(wanted.contains) ?? false }.map(\.key).sorted(by: IDOrder.less)
    }

    static func nonEmpty(_ text: String?) -> String? {
        guard let text, !text.isEmpty else { return nil }
        return text
    }

    static func join(_ first: String?, _ last: String?) -> String? {
        nonEmpty([first, last].compactMap(nonEmpty).joined(separator: " "))
    }
}

/// A JSON array of strings, bound as one parameter and read with `json_each` in SQL.
enum JSONList {
    static func encode(_ values: [String]) -> String {
        var text = "["
        for (index, value) in values.enumerated() {
            if index > 0 { text += "," }
            text += JSONText.quote(value)
        }
        return text + "]"
    }
}
