import CTIProtocol
import Storage

/// PBX objects: the last known configuration (merged, since updates can be partial) and
/// status of users, phones, agents, queues and queue members.
extension Recorder {
    func noteIPBX(_ ipbx: String, _ context: MessageContext) throws {
        try database.execute("""
            INSERT INTO ipbx (ipbx, first_seen, last_seen) VALUES (?, ?, ?)
            ON CONFLICT (ipbx) DO UPDATE SET last_seen = max(last_seen, excluded.last_seen)
            """, ipbx, context.time, context.time)
        derived.knownIPBX.insert(ipbx)
    }

    /// Merges a configuration (updates can be partial) and keeps what the recorder needs at
    /// once (phones by identity, users' names); the row is written when the batch commits,
    /// since some lists (queue members) are re-sent many times a minute.
    func applyConfig(list: String, ipbx: String, id: String, config: JSONObject, _ context: MessageContext) throws {
        if !derived.knownIPBX.contains(ipbx) {
            try noteIPBX(ipbx, context)
        }
        let key = ObjectKey(list: list, ipbx: ipbx, id: id)
        derived.configs[key, default: JSONObject()].merge(config)
        let merged = derived.configs[key] ?? config
        derived.configTimes[key] = context.time
        derived.dirtyConfigs.insert(key)
        switch list {
        case "users":
            derived.userNames[id] = UserConfig(from: merged).fullname
        case "phones":
            let phone = PhoneConfig(from: merged)
            if let identity = phone.identity {
                derived.phonesByIdentity[identity] = PhoneInfo(phoneID: id, userID: phone.userID, number: phone.number)
            }
        default:
            break
        }
    }

    private func writeConfig(_ key: ObjectKey) throws {
        guard let merged = derived.configs[key], let time = derived.configTimes[key] else { return }
        let json = Self.json(merged)
        let (ipbx, id) = (key.ipbx, key.id)
        switch key.list {
        case "users":
            let user = UserConfig(from: merged)
            try database.execute("""
                INSERT INTO pbx_user (ipbx, user_id, fullname, firstname, lastname, agent_id, config, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (ipbx, user_id) DO UPDATE SET fullname = excluded.fullname, firstname = excluded.firstname,
                  lastname = excluded.lastname, agent_id = excluded.agent_id, config = excluded.config,
                  updated_at = excluded.updated_at, deleted_at = NULL
                """, ipbx, id, user.fullname, user.firstname, user.lastname, user.agentID, json, time)
        case "phones":
            let phone = PhoneConfig(from: merged)
            try database.execute("""
                INSERT INTO phone (ipbx, phone_id, identity, number, user_id, context, protocol, config, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (ipbx, phone_id) DO UPDATE SET identity = excluded.identity, number = excluded.number,
                  user_id = excluded.user_id, context = excluded.context, protocol = excluded.protocol,
                  config = excluded.config, updated_at = excluded.updated_at, deleted_at = NULL
                """, ipbx, id, phone.identity, phone.number, phone.userID, phone.context, phone.protocolName, json, time)
        case "agents":
            let agent = AgentConfig(from: merged)
            try database.execute("""
                INSERT INTO agent (ipbx, agent_id, number, firstname, lastname, context, config, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (ipbx, agent_id) DO UPDATE SET number = excluded.number, firstname = excluded.firstname,
                  lastname = excluded.lastname, context = excluded.context, config = excluded.config,
                  updated_at = excluded.updated_at, deleted_at = NULL
                """, ipbx, id, agent.number, agent.firstname, agent.lastname, agent.context, json, time)
        case "queues":
            let queue = QueueConfig(from: merged)
            try database.execute("""
                INSERT INTO queue (ipbx, queue_id, name, number, display_name, context, config, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (ipbx, queue_id) DO UPDATE SET name = excluded.name, number = excluded.number,
                  display_name = excluded.display_name, context = excluded.context, config = excluded.config,
                  updated_at = excluded.updated_at, deleted_at = NULL
                """, ipbx, id, queue.name, queue.number, queue.displayname, queue.context, json, time)
        case "queuemembers":
            let member = QueueMemberConfig(from: merged)
            try database.execute("""
                INSERT INTO queue_member (ipbx, member_id, interface, queue_name, paused, penalty, membership, status, config, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (ipbx, member_id) DO UPDATE SET interface = excluded.interface, queue_name = excluded.queue_name,
                  paused = excluded.paused, penalty = excluded.penalty, membership = excluded.membership,
                  status = excluded.status, config = excluded.config, updated_at = excluded.updated_at, deleted_at = NULL
                """, ipbx, id, member.interface, member.queueName, member.paused, member.penalty, member.membership,
                member.status, json, time)
        default:
            // Voicemails and lists we do not model stay in the journal only.
            break
        }
    }

    /// Merges a partial status; written out when the batch commits (statuses change often,
    /// and only the last one of a batch matters for the table).
    func mergeStatus(list: String, ipbx: String, id: String, status: JSONObject) {
        guard list == "users" || list == "phones" || list == "agents" else { return }
        let key = ObjectKey(list: list, ipbx: ipbx, id: id)
        derived.statuses[key, default: JSONObject()].merge(status)
        derived.dirtyStatuses.insert(key)
    }

    func flushDirtyObjects() throws {
        if !derived.dirtyConfigs.isEmpty {
            let keys = derived.dirtyConfigs.sorted { ($0.list, $0.ipbx, $0.id) < ($1.list, $1.ipbx, $1.id) }
            derived.dirtyConfigs.removeAll()
            for key in keys { try writeConfig(key) }
        }
        guard !derived.dirtyStatuses.isEmpty else { return }
        // Sorted, so that the writes happen in the same order live and in replay.
        let keys = derived.dirtyStatuses.sorted { ($0.list, $0.ipbx, $0.id) < ($1.list, $1.ipbx, $1.id) }
        derived.dirtyStatuses.removeAll()
        for key in keys {
            guard let status = derived.statuses[key] else { continue }
            let json = Self.json(status)
            switch key.list {
            case "users":
                try database.execute("UPDATE pbx_user SET status = ? WHERE ipbx = ? AND user_id = ?", json, key.ipbx, key.id)
            case "phones":
                try database.execute("UPDATE phone SET status = ? WHERE ipbx = ? AND phone_id = ?", json, key.ipbx, key.id)
            case "agents":
                try database.execute("UPDATE agent SET status = ? WHERE ipbx = ? AND agent_id = ?", json, key.ipbx, key.id)
            default:
                break
            }
        }
    }

    func markDeleted(list: String, ipbx: String, id: String, at time: Double) throws {
        // The row may still be waiting in memory: write it first so the deletion sticks.
        try flushDirtyObjects()
        switch list {
        case "users": try database.execute("UPDATE pbx_user SET deleted_at = ? WHERE ipbx = ? AND user_id = ?", time, ipbx, id)
        case "phones": try database.execute("UPDATE phone SET deleted_at = ? WHERE ipbx = ? AND phone_id = ?", time, ipbx, id)
        case "agents": try database.execute("UPDATE agent SET deleted_at = ? WHERE ipbx = ? AND agent_id = ?", time, ipbx, id)
        case "queues": try database.execute("UPDATE queue SET deleted_at = ? WHERE ipbx = ? AND queue_id = ?", time, ipbx, id)
        case "queuemembers": try database.execute("UPDATE queue_member SET deleted_at = ? WHERE ipbx = ? AND member_id = ?", time, ipbx, id)
        default: break
        }
    }

    static func json(_ object: JSONObject) -> String {
        String(decoding: JSON.serialize(.object(object)), as: UTF8.self)
    }
}
