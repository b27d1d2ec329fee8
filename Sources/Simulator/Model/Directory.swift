// The static configuration of the simulated XiVO: queues, agents, users, phones and initial
// queue memberships, drawn once from the seed. It plays the role of the server's database
// (what the web interface configured), so it never changes during a run.

struct QueueDefinition {
    let id: Int
    let name: String
    let displayName: String
    let number: String
    let context = "default"
    /// Asterisk `wrapuptime`: seconds an agent stays in wrap-up after each call (0 = none).
    let wrapupSeconds: Int
    /// Share of the call-center's traffic this queue receives.
    let loadWeight: Double
}

struct AgentDefinition {
    let id: Int
    let number: String
    let firstname: String
    let lastname: String
    let userId: Int
    let phoneId: Int
    let initialQueues: [Int]

    /// Queue member interface, as Asterisk and the CTI server name it.
    var interface: String { "Agent/" + number }
}

struct UserDefinition {
    let id: Int
    let firstname: String
    let lastname: String
    var fullname: String { firstname + " " + lastname }
    let agentId: Int?
    let phoneId: Int?
    /// CTI login and clear password (only the account the collector uses has one).
    let loginClient: String?
    let passwordClient: String?
    let ctiProfileId: Int?
}

struct PhoneDefinition {
    let id: Int
    /// Peer name: channels are `SIP/<name>-0000002a`.
    let name: String
    let number: String
    let userId: Int
    let context = "default"
    var identity: String { "SIP/" + name }
}

struct Directory {
    let queues: [QueueDefinition]  // index = id - 1
    let agents: [AgentDefinition]  // index = id - 1
    let users: [UserDefinition]  // index = id - 1
    let phones: [PhoneDefinition]  // index = id - 1
    let ctiUserId: Int
    /// Users with a phone but no agent: back-office staff who receive direct calls.
    let backOfficeUserIds: [Int]

    /// The CTI profiles the server knows (`login_capas` checks `capaid` against these).
    static let profiles: [Int: String] = [1: "Client", 2: "Agent", 3: "Supervisor"]
    static let supervisorProfile = 3

    func queue(_ id: Int) -> QueueDefinition { queues[id - 1] }
    func agent(_ id: Int) -> AgentDefinition { agents[id - 1] }
    func user(_ id: Int) -> UserDefinition { users[id - 1] }
    func phone(_ id: Int) -> PhoneDefinition { phones[id - 1] }

    func memberId(agent: Int, queue: Int) -> String {
        self.agent(agent).interface + "," + self.queue(queue).name
    }

    static func generate(configuration c: SimulatorConfiguration, rng: inout Xoshiro256) -> Directory {
        let queueCount = max(1, c.queues)
        let agentCount = max(0, c.agents)
        let wrapups = [20, 15, 0, 30]
        var queues: [QueueDefinition] = []
        for i in 0..<queueCount {
            let name = Names.queueName(i)
            queues.append(QueueDefinition(
                id: i + 1, name: name, displayName: Names.capitalized(name), number: String(3001 + i),
                wrapupSeconds: wrapups[i % wrapups.count], loadWeight: rng.uniform(0.6, 1.4)))
        }

        var usedNames = Set<String>()
        func peerName() -> String {
            while true {
                var s = ""
                for _ in 0..<6 { s.unicodeScalars.append(Unicode.Scalar(UInt8(97 + rng.below(26)))) }
                if s != "trunk", usedNames.insert(s).inserted { return s }
            }
        }

        let backOfficeCount = max(2, agentCount / 5)
        var users: [UserDefinition] = []
        var phones: [PhoneDefinition] = []
        var agents: [AgentDefinition] = []
        for i in 0..<(agentCount + backOfficeCount) {
            let id = i + 1
            let isAgent = i < agentCount
            let first = rng.pick(Names.first), last = rng.pick(Names.last)
            users.append(UserDefinition(
                id: id, firstname: first, lastname: last, agentId: isAgent ? id : nil, phoneId: id,
                loginClient: nil, passwordClient: nil, ctiProfileId: 1))
            phones.append(PhoneDefinition(id: id, name: peerName(), number: String(1000 + id), userId: id))
            if isAgent {
                // Every queue gets members round-robin; half the agents also serve a second one.
                var memberOf = [i % queueCount + 1]
                if queueCount > 1, rng.chance(0.5) {
                    var other = rng.below(queueCount) + 1
                    if other == memberOf[0] { other = other % queueCount + 1 }
                    memberOf.append(other)
                }
                agents.append(AgentDefinition(
                    id: id, number: String(2000 + id), firstname: first, lastname: last,
                    userId: id, phoneId: id, initialQueues: memberOf.sorted()))
            }
        }
        let ctiUserId = users.count + 1
        users.append(UserDefinition(
            id: ctiUserId, firstname: "Call", lastname: "Stats", agentId: nil, phoneId: nil,
            loginClient: c.user, passwordClient: c.password, ctiProfileId: supervisorProfile))
        return Directory(
            queues: queues, agents: agents, users: users, phones: phones, ctiUserId: ctiUserId,
            backOfficeUserIds: Array((agentCount + 1)...(agentCount + backOfficeCount)))
    }
}
