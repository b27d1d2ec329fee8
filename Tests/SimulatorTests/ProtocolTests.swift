import CTIProtocol
import Simulator
import Testing

@Suite("After login: requests, replies and broadcasts", .shutsDownServers)
struct ProtocolTests {
    @Test("bad input closes the connection without a reply",
          arguments: ["\n", "{not json\n", "[1,2]\n", "\"text\"\n", "{\"commandid\":1}\n", "\r\n"])
    func badInputCloses(_ line: String) async throws {
        let server = try await startServer()
        let client = try TestClient(port: server.port)
        try client.login()
        let before = client.received.count
        try client.send(line)
        #expect(try client.closedByServer())
        // Whatever arrived after the bad line was broadcast traffic, never an error reply.
        for raw in client.received[before...] {
            if case .object(let o) = try JSON.parse(raw) { #expect(o["error_string"] == nil) }
        }
        try await finish(server)
    }

    @Test("bad input before login closes too")
    func badInputBeforeLogin() async throws {
        let server = try await startServer()
        let client = try TestClient(port: server.port)
        try client.send("\n")
        #expect(try client.closedByServer())
        #expect(client.received.isEmpty)
        try await finish(server)
    }

    @Test("keepalive gets the server's unimplemented warning, unknown classes nothing")
    func keepalive() async throws {
        let server = try await startServer()
        let client = try TestClient(port: server.port)
        try client.login()
        try client.send(["class": "no_such_class", "commandid": 41])
        try client.send(.keepalive(commandID: 42))
        let reply = try client.read(until: "keepalive reply") {
            $0.klass == "keepalive" || $0["replyid"] == 41
        }
        #expect(reply.keys.sorted() == ["class", "replyid", "timenow", "warning_string"])
        #expect(reply["replyid"] == 42)
        #expect(reply["warning_string"] == "unimplemented")
        try client.send(.getIPBXList(commandID: 43))
        let list = try client.read(until: "getipbxlist reply") { $0.klass == "getipbxlist" }
        #expect(list["replyid"] == 43)
        #expect(list["ipbxlist"] == ["xivo"])
        try await finish(server)
    }

    @Test("bootstrap: lists, configurations and statuses as the reference client asks for them")
    func bootstrap() async throws {
        let server = try await startServer()
        let client = try TestClient(port: server.port)
        try client.login()
        func listid(_ name: String) throws -> [String] {
            try client.send(.listID(commandID: 10, listname: name))
            let reply = try client.read(until: "listid \(name)") {
                $0.klass == "getlist" && $0["function"] == "listid" && $0["listname"] == .string(name)
            }
            #expect(reply["replyid"] == nil)
            #expect(reply["tipbxid"] == "xivo")
            return reply["list"]?.array?.compactMap(\.string) ?? []
        }
        func config(_ list: String, _ id: String) throws -> JSONObject {
            try client.send(.updateConfig(commandID: 11, listname: list, id: id))
            let reply = try client.read(until: "updateconfig \(list) \(id)") {
                $0["function"] == "updateconfig" && $0["listname"] == .string(list) && $0["tid"] == .string(id)
            }
            return reply["config"]?.object ?? [:]
        }
        // Broadcasts for the same object can arrive first; the reply is the complete status
        // (partial pushes carry fewer keys).
        func status(_ list: String, _ id: String, keys: Set<String>) throws -> JSONObject? {
            try client.send(.updateStatus(commandID: 12, listname: list, id: id))
            let reply = try client.read(until: "updatestatus \(list) \(id)") {
                $0["function"] == "updatestatus" && $0["listname"] == .string(list) && $0["tid"] == .string(id)
                    && Set($0["status"]?.object?.keys ?? []) == keys
            }
            return reply["status"]?.object
        }

        let users = try listid("users")
        let phones = try listid("phones")
        let agents = try listid("agents")
        let queues = try listid("queues")
        let members = try listid("queuemembers")
        #expect(agents.count == 12)
        #expect(queues.count == 3)
        #expect(users.count > agents.count)
        #expect(try listid("voicemails").isEmpty)
        #expect(!members.isEmpty)
        for m in members {
            #expect(m.hasPrefix("Agent/") && m.contains(","), "queue member id \(m)")
        }

        let user = try config("users", "1")
        #expect(user["agentid"] == 1)
        #expect(user["linelist"] == ["1"])
        #expect(user["fullname"]?.string != nil)
        let phone = try config("phones", phones[0])
        #expect(phone["identity"]?.string?.hasPrefix("SIP/") == true)
        #expect(phone["number"]?.string != nil)
        #expect(phone["iduserfeatures"] == 1)
        let agent = try config("agents", agents[0])
        #expect(agent["number"] == "2001")
        let queue = try config("queues", queues[0])
        #expect(queue["name"] == "blue")
        #expect(queue["number"] == "3001")
        let member = try config("queuemembers", members[0])
        #expect(member.keys.sorted() == ["callstaken", "interface", "lastcall", "membership", "paused", "penalty",
                                         "queue_name", "status"])
        for (key, value) in member {
            #expect(value.string != nil, "queue member \(key) must be a string")
        }
        let agentStatus = try #require(try status("agents", agents[0], keys: [
            "availability", "availability_since", "channel", "groups", "nonacd_call_status", "on_call_acd", "on_wrapup",
            "phonenumber", "queues",
        ]))
        #expect(agentStatus["availability_since"]?.double != nil)
        let phoneStatus = try #require(try status("phones", phones[0], keys: ["hintstatus", "channels", "queues", "groups"]))
        #expect(phoneStatus["hintstatus"]?.string != nil)
        #expect(phoneStatus["channels"]?.array != nil)
        let userStatus = try #require(try status("users", users.last ?? "", keys: ["connection", "availstate"]))
        #expect(userStatus["availstate"] == "available")
        #expect(userStatus["connection"] == "yes")
        // Ids are looked up as the dictionary keys they are: an unknown id gives an empty config.
        #expect(try config("agents", "999").isEmpty)

        // channels is not a configuration list: no listid reply (the keepalive answers first).
        try client.send(.listID(commandID: 13, listname: "channels"))
        try client.send(.keepalive(commandID: 14))
        let next = try client.read(until: "a reply") {
            ($0.klass == "getlist" && $0["function"] == "listid") || $0.klass == "keepalive"
        }
        #expect(next.klass == "keepalive")
        try await finish(server)
    }

    @Test("agent statuses: full ones with an integer tid (re-sent unchanged), partial ones with a string tid")
    func agentStatusShapes() async throws {
        let server = try await startServer(shortDay)
        let client = try TestClient(port: server.port)
        try client.login()
        let all = try client.readToEnd()
        let full = Set(["availability", "availability_since", "channel", "groups", "nonacd_call_status", "on_call_acd",
                        "on_wrapup", "phonenumber", "queues"])
        var fullCount = 0, phonenumberPartials = 0, queuesPartials = 0, unchangedResends = 0
        var last: [String: JSONObject] = [:]
        for m in all where m["listname"] == "agents" && m["function"] == "updatestatus" {
            let status = try #require(m["status"]?.object)
            switch m["tid"] {
            case .int(let id)?:
                #expect(Set(status.keys) == full)
                fullCount += 1
                if last[String(id)] == status { unchangedResends += 1 }
                last[String(id)] = status
            case .string?:
                #expect(Set(status.keys).isSubset(of: ["phonenumber", "queues"]) && !status.isEmpty)
                if status["phonenumber"] != nil { phonenumberPartials += 1 }
                if status["queues"] != nil { queuesPartials += 1 }
            default:
                Issue.record("agent status tid must be an int or a string: \(m)")
            }
        }
        #expect(fullCount > 50)
        #expect(phonenumberPartials > 0)
        #expect(queuesPartials > 0)
        #expect(unchangedResends > 0)
        try await finish(server)
    }

    @Test("two clients get the same broadcasts, byte for byte")
    func twoClients() async throws {
        // A paces the model closely (small buffers), so B arrives while the day is running.
        let server = try await startServer {
            $0.exitWhenDone = true
            $0.writeBufferHighWaterMark = 32 * 1024
            $0.writeBufferLowWaterMark = 8 * 1024
        }
        let a = try TestClient(port: server.port, receiveBuffer: 16 * 1024)
        try a.login()
        // Let A see some of the day before B arrives.
        try a.read(until: "an agent login") { $0["listname"] == "agents" && $0["tid"]?.int != nil }
        let b = try TestClient(port: server.port)
        try b.login()
        try TestClient.readAllToEnd([a, b])
        let bStart = try #require(b.received.lastIndex { String(decoding: $0, as: UTF8.self).contains(#""class":"login_capas""#) })
        let bBroadcasts = Array(b.received[(bStart + 1)...])
        #expect(bBroadcasts.count > 100)
        // B's stream after its login is exactly the tail of A's.
        let first = try #require(bBroadcasts.first)
        let aStart = try #require(a.received.lastIndex(of: first))
        #expect(Array(a.received[aStart...]) == bBroadcasts)
        try await finish(server)
    }

    @Test("queue statistics: first values, typed pushes, an emptied queue, and a windowed reply")
    func queueStatistics() async throws {
        let server = try await startServer()
        let client = try watchWholeDay(port: server.port, queues: 3)
        _ = try client.read(until: "login_capas") { $0.klass == "login_capas" }
        // The first values come right after the subscription: logged agents for every queue
        // (no queue has had a caller yet, so no waiting calls), then the summaries.
        var first: [JSONObject] = []
        for _ in 0..<6 {
            first.append(try client.read(until: "first statistics") { $0.klass == "getqueuesstats" })
        }
        #expect(first[0..<3].map { $0["stats"]?.object?.keys ?? [] } == [["1"], ["2"], ["3"]])
        for m in first[0..<3] { #expect(m["stats"]?.object?.values.first?["Xivo-LoggedAgents"] == 0) }
        for m in first[3..<6] {
            #expect(Set(m["stats"]?.object?.values.first?.object?.keys ?? []) ==
                    ["Xivo-AvailableAgents", "Xivo-EWT", "Xivo-TalkingAgents"])
        }
        var sawEmptied = false
        var windowed: JSONObject?
        while windowed == nil {
            let m = try client.read(until: "statistics") { $0.klass == "getqueuesstats" }
            if m["replyid"] == 21 {
                windowed = m
                continue
            }
            let stats = try #require(m["stats"]?.object)
            #expect(stats.count == 1)
            for (_, values) in stats {
                let v = try #require(values.object)
                for (key, value) in v {
                    switch key {
                    case "Xivo-LoggedAgents", "Xivo-WaitingCalls", "Xivo-LongestWaitTime":
                        #expect(value.int != nil && value.string == nil, "\(key) is an int")
                    case "Xivo-AvailableAgents", "Xivo-EWT", "Xivo-TalkingAgents":
                        #expect(value.string.flatMap { Int($0) } != nil, "\(key) is a numeric string")
                    default:
                        Issue.record("unexpected key \(key)")
                    }
                }
                if v["Xivo-WaitingCalls"].flatMap(\.int).map({ $0 > 0 }) == true {
                    #expect(v["Xivo-LongestWaitTime"] != nil)
                }
                if v["Xivo-AvailableAgents"] != nil {
                    #expect(Set(v.keys) == ["Xivo-AvailableAgents", "Xivo-EWT", "Xivo-TalkingAgents"])
                }
                if !sawEmptied, v.count == 1, v["Xivo-WaitingCalls"] == 0 {
                    // An emptied queue sends only its waiting count: ask for the windowed figures.
                    sawEmptied = true
                    try client.send(.getQueuesStats(commandID: 21, windows: [
                        QueueStatsWindow(queueID: "1", window: 3600, xqos: 60),
                        QueueStatsWindow(queueID: "2", window: 3600, xqos: 60),
                    ]))
                }
            }
        }
        let reply = try #require(windowed)
        #expect(reply.keys.sorted() == ["class", "replyid", "stats", "timenow"])
        let stats = try #require(reply["stats"]?.object)
        #expect(Set(stats.keys) == ["1", "2"])
        for (_, values) in stats {
            let v = try #require(values.object)
            #expect(Set(v.keys) == ["Xivo-Join", "Xivo-Link", "Xivo-Lost", "Xivo-Rate", "Xivo-Qos",
                                    "Xivo-Holdtime-avg", "Xivo-Holdtime-max"])
            for (_, value) in v { #expect(value.string != nil) }
        }
        #expect(stats["1"]?["Xivo-Join"]?.string.flatMap { Int($0) }.map { $0 > 0 } == true)
        try await finish(server)
    }

    @Test("getqueuesstats without `on` gets the server's return_is_none warning")
    func getQueuesStatsWithoutOn() async throws {
        let server = try await startServer()
        let client = try TestClient(port: server.port)
        try client.login()
        try client.send(["class": "getqueuesstats", "commandid": 30])
        let reply = try client.read(until: "reply") { $0["replyid"] == 30 }
        #expect(reply["warning_string"] == "return_is_none")
        try await finish(server)
    }

    @Test("queueentryupdate: the current list on subscribing, then the whole list on each change")
    func queueEntries() async throws {
        // Small buffers: the model stays close to what the client has read, so the day is
        // still running when the subscription arrives.
        let server = try await startServer {
            $0.exitWhenDone = true
            $0.writeBufferHighWaterMark = 32 * 1024
            $0.writeBufferLowWaterMark = 8 * 1024
        }
        let client = try TestClient(port: server.port, receiveBuffer: 16 * 1024)
        try client.login()
        try client.send(.subscribeToQueuesStats(commandID: 1))
        // Wait until queue 1 has had a caller, so the server has a list to replay.
        try client.read(until: "a caller in queue 1") {
            $0.klass == "getqueuesstats" && $0["stats"]?["1"]?["Xivo-WaitingCalls"] != nil
        }
        try client.send(.subscribeQueueEntryUpdate(commandID: 2, queueID: "1"))
        let replay = try client.read(until: "the replay") { $0.klass == "queueentryupdate" }
        var updates = [replay]
        while let m = try client.readObject() {
            if m.klass == "queueentryupdate" { updates.append(m) }
        }
        #expect(updates.count > 5)
        var sawEntry = false
        for u in updates {
            let state = try #require(u["state"]?.object)
            #expect(state["queue_id"] == 1)
            #expect(state["queue_name"] == "blue")
            let entries = try #require(state["entries"]?.array)
            for (i, e) in entries.enumerated() {
                let entry = try #require(e.object)
                #expect(Set(entry.keys) == ["position", "name", "number", "join_time", "uniqueid"])
                #expect(entry["position"] == .int(Int64(i + 1)))
                #expect(entry["join_time"]?.double != nil)
                sawEntry = true
            }
        }
        #expect(sawEntry)
        try await finish(server)
    }
}
