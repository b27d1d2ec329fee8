import CTIProtocol

// What clients can ask for: lists, one object's config or status, first values of the queue
// statistics, the windowed statistics, and the presence changes their own logins cause.

extension CallCenterModel {
    /// `getlist listid`: ids as strings; nil for a list the server does not have (no reply).
    /// `channels` is not a configuration list in the real server, so it has no `listid` either:
    /// clients find channels through phone statuses.
    func listIds(_ listname: String) -> [String]? {
        switch listname {
        case "users": return directory.users.map { String($0.id) }
        case "phones": return directory.phones.map { String($0.id) }
        case "agents": return directory.agents.map { String($0.id) }
        case "queues": return directory.queues.map { String($0.id) }
        case "queuemembers":
            var ids: [String] = []
            for q in directory.queues {
                for a in queueMembers[q.id - 1] { ids.append(directory.memberId(agent: a, queue: q.id)) }
            }
            return ids
        case "voicemails", "groups", "meetmes", "incalls", "trunks", "contexts", "phonebooks":
            return []
        default:
            return nil
        }
    }

    /// Ids are dictionary keys in the real server: only the string form finds an object.
    private func index(_ tid: JSONValue, count: Int) -> Int? {
        guard case .string(let s) = tid, let i = Int(s), String(i) == s, i >= 1, i <= count else { return nil }
        return i
    }

    /// `Agent/<number>,<queue name>` back to (agent id, queue id), for current members only.
    private func member(_ tid: JSONValue) -> (agent: Int, queue: Int)? {
        guard case .string(let s) = tid, s.hasPrefix("Agent/"), let comma = s.firstIndex(of: ",") else { return nil }
        let number = s[s.index(s.startIndex, offsetBy: 6)..<comma]
        let queueName = s[s.index(after: comma)...]
        guard let agent = directory.agents.first(where: { $0.number == number }),
              let queue = directory.queues.first(where: { $0.name == queueName }),
              members[agent.id - 1][queue.id] != nil
        else { return nil }
        return (agent.id, queue.id)
    }

    /// `getlist updateconfig`: `{}` for an unknown id (lists that exist), nil for no reply.
    func config(_ listname: String, tid: JSONValue) -> JSONValue? {
        switch listname {
        case "users":
            return .object(index(tid, count: directory.users.count).map { Wire.userConfig(directory.user($0)) } ?? [:])
        case "phones":
            return .object(index(tid, count: directory.phones.count).map { Wire.phoneConfig(directory.phone($0)) } ?? [:])
        case "agents":
            return .object(index(tid, count: directory.agents.count).map { Wire.agentConfig(directory.agent($0)) } ?? [:])
        case "queues":
            return .object(index(tid, count: directory.queues.count).map { Wire.queueConfig(directory.queue($0)) } ?? [:])
        case "queuemembers":
            guard let (a, q) = member(tid), let m = members[a - 1][q] else { return [:] }
            return .object(Wire.memberConfig(queue: directory.queue(q), agent: directory.agent(a), m,
                                             utcOffsetSeconds: configuration.utcOffsetSeconds))
        case "voicemails", "groups", "meetmes", "incalls", "trunks", "contexts", "phonebooks":
            return [:]
        default:
            return nil
        }
    }

    /// `getlist updatestatus`: every status key (nulls included).
    func status(_ listname: String, tid: JSONValue) -> JSONValue? {
        switch listname {
        case "users":
            guard let i = index(tid, count: directory.users.count) else { return [:] }
            return ["connection": connections[i - 1] > 0 ? "yes" : .null, "availstate": .string(presence[i - 1])]
        case "phones":
            guard let i = index(tid, count: directory.phones.count) else { return [:] }
            return .object(Wire.phoneStatus(phones[i - 1]))
        case "agents":
            guard let i = index(tid, count: directory.agents.count) else { return [:] }
            return .object(Wire.agentStatus(agents[i - 1]))
        case "queues":
            guard index(tid, count: directory.queues.count) != nil else { return [:] }
            return ["agentmembers": [], "phonemembers": []]
        case "queuemembers":
            guard let (a, q) = member(tid), let m = members[a - 1][q] else { return .null }
            return .object(Wire.memberConfig(queue: directory.queue(q), agent: directory.agent(a), m,
                                             utcOffsetSeconds: configuration.utcOffsetSeconds))
        case "channels":
            guard emitsChannels, case .string(let name) = tid, let c = channels[name] else { return .null }
            return .object(Wire.channelProperties(c))
        case "voicemails", "groups", "meetmes", "incalls", "trunks", "contexts", "phonebooks":
            return [:]
        default:
            return nil
        }
    }

    func ctiUser(login: String) -> UserDefinition? {
        directory.users.first { $0.loginClient == login }
    }

    // MARK: Presence of CTI users (their own logins)

    /// `login_capas` sets the user's presence: for "available" the presence's action turns DND
    /// off first (a users `updateconfig`), then the new `availstate`; both go to everyone.
    func userLoggedIn(_ user: Int, state: String) {
        connections[user - 1] += 1
        if state == "available" {
            emit(Wire.updateConfig("users", tid: .string(String(user)), config: ["enablednd": false]))
        }
        presence[user - 1] = state
        emit(Wire.updateStatus("users", tid: .string(String(user)), status: ["availstate": .string(state)]))
    }

    /// `availstate` from a client: the user's presence, sent to everyone.
    func setPresence(_ user: Int, state: String) {
        presence[user - 1] = state
        emit(Wire.updateStatus("users", tid: .string(String(user)), status: ["availstate": .string(state)]))
    }

    func userDisconnected(_ user: Int) {
        connections[user - 1] = max(0, connections[user - 1] - 1)
        guard connections[user - 1] == 0 else { return }
        presence[user - 1] = "disconnected"
        emit(Wire.updateStatus("users", tid: .string(String(user)), status: ["availstate": "disconnected"]))
    }

    // MARK: Queue statistics on request

    /// What `subscribetoqueuesstats` sends the subscriber: logged agents for every queue, then
    /// waiting calls for queues that have had callers (in truth under `conn`); the summaries
    /// that follow go to every subscriber (`summariesAfterSubscribe`).
    func firstStatistics(conn: Int) -> [JSONObject] {
        var out: [JSONObject] = []
        for q in directory.queues {
            let v = loggedAgentsValues(queue: q.id)
            recordStats(queue: q.id, v, trigger: .subscribe, conn: conn)
            out.append(Wire.queueStats(queueId: q.id, v))
        }
        for q in directory.queues where queues[q.id - 1].hadEntries {
            let v = waitingValues(queue: q.id)
            recordStats(queue: q.id, v, trigger: .subscribe, conn: conn)
            out.append(Wire.queueStats(queueId: q.id, v))
        }
        return out
    }

    /// The QueueSummary the server asks Asterisk for on each subscription; its answers are
    /// published to all subscribers like any other summary.
    func summariesAfterSubscribe(conn: Int) {
        for q in directory.queues {
            let v = summaryValues(queue: q.id)
            recordStats(queue: q.id, v, trigger: .subscribe, conn: conn)
            emit(Wire.queueStats(queueId: q.id, v), to: .queueStatsSubscribers)
        }
    }

    /// The last published waiting list of a queue (the notifier's cache), if any.
    func entriesSnapshot(queue: Int) -> JSONObject? {
        guard queue >= 1, queue <= directory.queues.count, queues[queue - 1].hadEntries else { return nil }
        let entries = queues[queue - 1].waiting.compactMap { visits[$0] }
        return Wire.queueEntryUpdate(queue: directory.queue(queue), entries: entries)
    }

    /// Windowed statistics (QueueStatisticsManager.get_statistics, QueueStatisticsEncoder):
    /// over the last `window` seconds, Join = callers who entered, Link = answered,
    /// Lost = abandoned, Rate = Link / (Link + Lost) %, Qos = answered within `xqos` s / Link %,
    /// hold times (whole seconds) over answered calls; every value a string, "" when undefined.
    func windowedStatistics(queue: Int, window: Int64, xqos: Int64, conn: Int) -> JSONObject {
        let from = now - window * SimTime.second
        var join = 0, link = 0, lost = 0, inQos = 0
        var holdSum: Int64 = 0, holdMax: Int64 = -1
        if queue >= 1, queue <= directory.queues.count {
            let q = queues[queue - 1]
            for h in q.history {
                if h.join >= from { join += 1 }
                guard h.end >= from else { continue }
                if h.answered {
                    link += 1
                    let wait = SimTime.wholeSeconds(h.end) - SimTime.wholeSeconds(h.join)
                    holdSum += wait
                    holdMax = max(holdMax, wait)
                    if wait <= xqos { inQos += 1 }
                } else {
                    lost += 1
                }
            }
            for v in q.waiting where (visits[v]?.join ?? .min) >= from { join += 1 }
        }
        func percent(_ n: Int, _ d: Int) -> String {
            String(Int((Double(n) / Double(d) * 100).rounded(.toNearestOrAwayFromZero)))
        }
        let values: [(String, JSONValue)] = [
            ("Xivo-Join", .string(String(join))),
            ("Xivo-Link", .string(String(link))),
            ("Xivo-Lost", .string(String(lost))),
            ("Xivo-Rate", .string(link > 0 && link + lost > 0 ? percent(link, link + lost) : "")),
            ("Xivo-Qos", .string(link > 0 ? percent(inQos, link) : "")),
            ("Xivo-Holdtime-avg", .string(link > 0 ? String(Int((Double(holdSum) / Double(link)).rounded(.toNearestOrAwayFromZero))) : "")),
            ("Xivo-Holdtime-max", .string(holdMax >= 0 ? String(holdMax) : "")),
        ]
        recordStats(queue: queue, values, trigger: .request, conn: conn)
        var o = JSONObject()
        for (k, v) in values { o[k] = v }
        return o
    }
}
