import CTIProtocol
import Storage

/// PBX objects: the last known configuration (merged, since updates can be partial) and
/// status of users, phones, agents, queues and queue members.
extension Recorder {
    func noteIPBX(_ ipbx: String, _ context: MessageContext) throws {
        try rows.write(IPBXSeen(ipbx: ipbx, firstSeen: context.time, lastSeen: context.time))
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
            try rows.write(UserConfigRow(
                ipbx: ipbx, userID: id, fullname: user.fullname, firstname: user.firstname, lastname: user.lastname,
                agentID: user.agentID, config: json, updatedAt: time))
        case "phones":
            let phone = PhoneConfig(from: merged)
            try rows.write(PhoneConfigRow(
                ipbx: ipbx, phoneID: id, identity: phone.identity, number: phone.number, userID: phone.userID,
                context: phone.context, protocol: phone.protocolName, config: json, updatedAt: time))
        case "agents":
            let agent = AgentConfig(from: merged)
            try rows.write(AgentConfigRow(
                ipbx: ipbx, agentID: id, number: agent.number, firstname: agent.firstname, lastname: agent.lastname,
                context: agent.context, config: json, updatedAt: time))
        case "queues":
            let queue = QueueConfig(from: merged)
            try rows.write(QueueConfigRow(
                ipbx: ipbx, queueID: id, name: queue.name, number: queue.number, displayName: queue.displayname,
                context: queue.context, config: json, updatedAt: time))
        case "queuemembers":
            let member = QueueMemberConfig(from: merged)
            try rows.write(QueueMemberConfigRow(
                ipbx: ipbx, memberID: id, interface: member.interface, queueName: member.queueName, paused: member.paused,
                penalty: member.penalty, membership: member.membership, status: member.status, config: json, updatedAt: time))
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
            case "users": try rows.write(UserStatusRow(status: UTF8Text(json), ipbx: key.ipbx, userID: key.id))
            case "phones": try rows.write(PhoneStatusRow(status: UTF8Text(json), ipbx: key.ipbx, phoneID: key.id))
            case "agents": try rows.write(AgentStatusRow(status: UTF8Text(json), ipbx: key.ipbx, agentID: key.id))
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
        case "users": try rows.write(UserDeleted(deletedAt: time, ipbx: ipbx, userID: id))
        case "phones": try rows.write(PhoneDeleted(deletedAt: time, ipbx: ipbx, phoneID: id))
        case "agents": try rows.write(AgentDeleted(deletedAt: time, ipbx: ipbx, agentID: id))
        case "queues": try rows.write(QueueDeleted(deletedAt: time, ipbx: ipbx, queueID: id))
        case "queuemembers": try rows.write(QueueMemberDeleted(deletedAt: time, ipbx: ipbx, memberID: id))
        default: break
        }
    }

}
