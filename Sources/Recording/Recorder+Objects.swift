import CTIProtocol
import Storage

/// PBX objects: the last known configuration (merged, since updates can be partial) and
/// status of users, phones, agents, queues and queue members.
extension Recorder {
    func noteIPBX(_ ipbx: String, _ context: MessageContext) throws {
        try rows.run(.ipbx, ipbx, context.time, context.time)
        derived.knownIPBX.insert(ipbx)
    }

    /// Merges a configuration (updates can be partial) and keeps what the recorder needs at
    /// once (phones by identity, users' names); the row is written when the batch commits,
    /// since some lists (queue members) are re-sent many times a minute.
    func applyConfig(list: String, ipbx: String, id: String, config: JSONObject, _ context: MessageContext) throws {
        if !derived.knownIPBX.contains(ipbx) {
            try noteIPBX(ipbx, context)
        }
        let slot = derived.objects.slot(for: ObjectKey(list: list, ipbx: ipbx, id: id))
        let merged = derived.objects.mergeConfig(config, into: slot, at: context.time)
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

    private func writeConfig(_ slot: Int) throws {
        guard let merged = derived.objects.configs[slot] else { return }
        let key = derived.objects.keys[slot]
        let time = derived.objects.configTimes[slot]
        let json = UTF8Text(JSON.serialize(.object(merged)))
        let (ipbx, id) = (key.ipbx, key.id)
        switch key.list {
        case "users":
            let user = UserConfig(from: merged)
            try rows.run(.userConfig, ipbx, id, user.fullname, user.firstname, user.lastname, user.agentID, json, time)
        case "phones":
            let phone = PhoneConfig(from: merged)
            try rows.run(.phoneConfig, ipbx, id, phone.identity, phone.number, phone.userID, phone.context, phone.protocolName, json, time)
        case "agents":
            let agent = AgentConfig(from: merged)
            try rows.run(.agentConfig, ipbx, id, agent.number, agent.firstname, agent.lastname, agent.context, json, time)
        case "queues":
            let queue = QueueConfig(from: merged)
            try rows.run(.queueConfig, ipbx, id, queue.name, queue.number, queue.displayname, queue.context, json, time)
        case "queuemembers":
            let member = QueueMemberConfig(from: merged)
            try rows.run(.queueMemberConfig, ipbx, id, member.interface, member.queueName, member.paused, member.penalty,
                         member.membership, member.status, json, time)
        default:
            // Voicemails and lists we do not model stay in the journal only.
            return
        }
        derived.objects.hasRow[slot] = true
    }

    /// Merges a partial status; written out when the batch commits (statuses change often,
    /// and only the last one of a batch matters for the table).
    func mergeStatus(list: String, ipbx: String, id: String, status: JSONObject) {
        guard list == "users" || list == "phones" || list == "agents" else { return }
        derived.objects.mergeStatus(status, into: derived.objects.slot(for: ObjectKey(list: list, ipbx: ipbx, id: id)))
    }

    func flushDirtyObjects() throws {
        if !derived.objects.dirtyConfigSlots.isEmpty {
            for slot in derived.objects.takeDirtyConfigs() { try writeConfig(slot) }
        }
        guard !derived.objects.dirtyStatusSlots.isEmpty else { return }
        for slot in derived.objects.takeDirtyStatuses() {
            guard let status = derived.objects.statuses[slot] else { continue }
            let json = JSON.serialize(.object(status))
            // A status that came back to what the row holds (a phone rang and stopped within
            // the batch) leaves the row alone.
            if derived.objects.writtenStatuses[slot] == json { continue }
            let key = derived.objects.keys[slot]
            switch key.list {
            case "users": try rows.run(.userStatus, UTF8Text(json), key.ipbx, key.id)
            case "phones": try rows.run(.phoneStatus, UTF8Text(json), key.ipbx, key.id)
            case "agents": try rows.run(.agentStatus, UTF8Text(json), key.ipbx, key.id)
            default: continue
            }
            // Only what a row holds: a status of an object with no row yet (no configuration
            // so far) changed nothing, and is written again at its next change.
            if !derived.objects.hasRow[slot] && preexisting.objects.contains(key) {
                derived.objects.hasRow[slot] = true
            }
            derived.objects.writtenStatuses[slot] = derived.objects.hasRow[slot] ? json : nil
        }
    }

    func markDeleted(list: String, ipbx: String, id: String, at time: Double) throws {
        // The row may still be waiting in memory: write it first so the deletion sticks.
        try flushDirtyObjects()
        switch list {
        case "users": try rows.run(.userDeleted, time, ipbx, id)
        case "phones": try rows.run(.phoneDeleted, time, ipbx, id)
        case "agents": try rows.run(.agentDeleted, time, ipbx, id)
        case "queues": try rows.run(.queueDeleted, time, ipbx, id)
        case "queuemembers": try rows.run(.queueMemberDeleted, time, ipbx, id)
        default: break
        }
    }

}
