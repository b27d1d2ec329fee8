import CTIProtocol
import Foundation
import Simulator
import Testing

/// A client that logs in and, in the same write as login_capas, subscribes to everything, so
/// its stream is fixed by the seed: the commands are handled before the clock's first step.
func watchWholeDay(port: Int, queues: Int, version: String = "1.2") throws -> TestClient {
    let client = try TestClient(port: port)
    let v = CTIProtocolVersion(version)
    if version != "1.2" { _ = try client.readObject() }  // STARTTLS offer
    try client.send(.loginID(commandID: 1, userlogin: "stats", ident: "t", version: v))
    let id = try client.read(until: "login_id") { $0.klass == "login_id" }
    try client.send(.loginPass(commandID: 2, password: "secret", sessionID: id["sessionid"]?.string ?? "", version: v))
    _ = try client.read(until: "login_pass") { $0.klass == "login_pass" }
    var batch = ClientCommand.loginCapas(commandID: 3, capaID: 3).encode()
    batch += ClientCommand.subscribeToQueuesStats(commandID: 4).encode()
    for q in 1...queues {
        batch += ClientCommand.subscribeQueueEntryUpdate(commandID: 4 + q, queueID: String(q)).encode()
    }
    try client.send(raw: batch)
    return client
}

func temporaryPath(_ name: String) -> String {
    NSTemporaryDirectory() + "callstats-sim-\(name)-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).jsonl"
}

func truthRecords(_ path: String) throws -> [JSONObject] {
    let data = try Data(contentsOf: URL(fileURLWithPath: path))
    return try data.split(separator: 0x0A).map { line in
        guard case .object(let o) = try JSON.parse(Array(line)) else { throw TestClient.Closed() }
        return o
    }
}

@Suite("A whole simulated day", .shutsDownServers)
struct DayTests {
    @Test("the same seed gives the same bytes and the same truth; another seed does not")
    func determinism() async throws {
        func run(seed: UInt64) async throws -> (stream: [[UInt8]], truth: Data) {
            let path = temporaryPath("det")
            defer { try? FileManager.default.removeItem(atPath: path) }
            let server = try await startServer {
                $0.seed = seed
                $0.truthPath = path
                $0.duration = 40 * 60 * 1_000_000
                $0.exitWhenDone = true
            }
            let client = try watchWholeDay(port: server.port, queues: 3)
            try client.readToEnd()
            try await server.waitUntilFinished()
            return (client.received, try Data(contentsOf: URL(fileURLWithPath: path)))
        }
        let a = try await run(seed: 7)
        let b = try await run(seed: 7)
        let c = try await run(seed: 8)
        #expect(a.stream.count > 1000)
        #expect(a.stream == b.stream)
        #expect(a.truth == b.truth)
        #expect(a.stream != c.stream)
        #expect(a.truth != c.truth)
    }

    @Test("the truth file holds the event times the wire carries (metrics.md rules)")
    func truthMatchesWire() async throws {
        let path = temporaryPath("truth")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let server = try await startServer {
            $0.seed = 3
            $0.truthPath = path
            $0.duration = 60 * 60 * 1_000_000
            $0.exitWhenDone = true
        }
        let client = try watchWholeDay(port: server.port, queues: 3)
        let wire = try client.readToEnd()
        try await server.waitUntilFinished()
        let truth = try truthRecords(path)
        let meta = try #require(truth.first)
        #expect(meta["type"] == "meta")
        #expect(truth.last?["type"] == "end")
        let dayStart = try #require(meta["start"]?.double), dayEnd = try #require(meta["end"]?.double)

        // Agent states, rebuilt from merged statuses with metrics.md's event-time rule.
        struct Interval: Hashable { let agent: String, state: String, start: Double, end: Double }
        var merged: [String: JSONObject] = [:]
        var current: [String: (state: String, since: Double)] = [:]
        var rebuilt: [Interval] = []
        func state(_ s: JSONObject) -> String? {
            guard let availability = s["availability"]?.string else { return nil }
            if availability == "logged_out" { return "logged_out" }
            if s["on_call_acd"] == true { return "acd_call" }
            if s["on_wrapup"] == true { return "wrapup" }
            if availability.hasPrefix("on_call_nonacd") { return "nonacd_call" }
            if availability == "unavailable" { return "paused" }
            return "available"
        }
        for agent in meta["agents"]?.array ?? [] {
            current[agent["id"]?.string ?? ""] = ("logged_out", dayStart)
        }
        for m in wire where m["listname"] == "agents" && m["function"] == "updatestatus" {
            guard let id = m["tid"]?.idString, let status = m["status"]?.object, let timenow = m["timenow"]?.double else { continue }
            let before = merged[id] ?? [:]
            var after = before
            after.merge(status)
            merged[id] = after
            guard let new = state(after), let cur = current[id], new != cur.state else { continue }
            let changed = status["availability"] != nil && status["availability"] != before["availability"]
            let at = changed ? (status["availability_since"]?.double ?? timenow) : timenow
            if at > cur.since { rebuilt.append(Interval(agent: id, state: cur.state, start: cur.since, end: at)) }
            current[id] = (new, at)
        }
        for (id, cur) in current { rebuilt.append(Interval(agent: id, state: cur.state, start: cur.since, end: dayEnd)) }
        let truthIntervals = truth.filter { $0["type"] == "agent_state" }.map {
            Interval(agent: $0["agent_id"]?.string ?? "", state: $0["state"]?.string ?? "",
                     start: $0["start"]?.double ?? -1, end: $0["end"]?.double ?? -1)
        }
        #expect(truthIntervals.count > 100)
        #expect(Set(truthIntervals) == Set(rebuilt))
        #expect(truthIntervals.count == rebuilt.count)

        // Queue visits: join from the entry, leave at the first update without it.
        var present: [Int64: [String: Double]] = [:]
        var visits: [String: (join: Double, leave: Double)] = [:]
        for m in wire where m.klass == "queueentryupdate" {
            let state = try #require(m["state"]?.object)
            let q = try #require(state["queue_id"]?.int)
            let timenow = try #require(m["timenow"]?.double)
            var now: [String: Double] = [:]
            for e in state["entries"]?.array ?? [] {
                if let u = e["uniqueid"]?.string, let j = e["join_time"]?.double { now[u] = j }
            }
            for (u, j) in present[q] ?? [:] where now[u] == nil { visits[u] = (j, timenow) }
            present[q] = now
        }
        let truthVisits = truth.filter { $0["type"] == "queue_visit" && $0["leave"] != .null }
        #expect(truthVisits.count > 20)
        var answered = 0
        for v in truthVisits {
            let u = try #require(v["uniqueid"]?.string)
            let seen = try #require(visits[u], "visit \(u) on the wire")
            #expect(seen.join == v["join"]?.double)
            #expect(seen.leave == v["leave"]?.double)
            if v["outcome"] == "answered" {
                answered += 1
                // The agent's acd_call starts at the very instant the caller leaves.
                let agent = v["agent_id"]?.string
                #expect(truthIntervals.contains { $0.agent == agent && $0.state == "acd_call" && $0.start == seen.leave })
            }
        }
        #expect(answered > 10)

        // Calls: channels linked by talkingto, first event, first linked-*, last delconfig.
        var parent: [String: String] = [:]
        func root(_ x: String) -> String {
            var r = x
            while let p = parent[r], p != r { r = p }
            return r
        }
        func union(_ a: String, _ b: String) {
            if parent[a] == nil { parent[a] = a }
            if parent[b] == nil { parent[b] = b }
            parent[root(a)] = root(b)
        }
        var firstEvent: [String: Double] = [:], linked: [String: Double] = [:], deleted: [String: Double] = [:]
        for m in wire where m["listname"] == "channels" {
            if m["function"] == "updatestatus", let name = m["tid"]?.string, let s = m["status"]?.object {
                if parent[name] == nil { parent[name] = name }
                let t = try #require(s["timestamp"]?.double)
                if firstEvent[name] == nil { firstEvent[name] = t }
                if let peer = s["talkingto_id"]?.string { union(name, peer) }
                if s["commstatus"]?.string?.hasPrefix("linked") == true, linked[name] == nil { linked[name] = t }
            } else if m["function"] == "delconfig" {
                for n in m["list"]?.array ?? [] { if let n = n.string { deleted[n] = m["timenow"]?.double } }
            }
        }
        let truthCalls = truth.filter { $0["type"] == "call" && $0["end"] != .null }
        #expect(truthCalls.count > 20)
        for c in truthCalls {
            let channels = c["channels"]?.array?.compactMap(\.string) ?? []
            let group = Set(parent.keys.filter { root($0) == root(channels[0]) })
            #expect(group == Set(channels), "call \(c["call_id"] ?? .null)")
            #expect(group.compactMap { firstEvent[$0] }.min() == c["start"]?.double)
            #expect(group.compactMap { deleted[$0] }.max() == c["end"]?.double)
            #expect(group.compactMap { linked[$0] }.min() == c["answer"]?.double)
        }

        // Queue statistics: the wire's pushed values are the truth's, in the same order.
        var wireStats: [String] = []
        for m in wire where m.klass == "getqueuesstats" && m["replyid"] == nil {
            for (q, values) in m["stats"]?.object ?? [:] {
                for (k, v) in values.object ?? [:] { wireStats.append("\(q) \(k) \(m["timenow"] ?? .null) \(v)") }
            }
        }
        let truthStats = truth.filter { $0["type"] == "queue_stat" && $0["trigger"] != "request" }.map {
            "\($0["queue_id"]?.string ?? "") \($0["key"]?.string ?? "") \($0["time"] ?? .null) \($0["value"] ?? .null)"
        }
        #expect(wireStats.count > 100)
        #expect(wireStats == truthStats)
    }

    @Test("Xivo-EWT follows Asterisk's estimate H <- (3H + h) / 4 over answered waits")
    func estimatedWaitTime() async throws {
        let path = temporaryPath("ewt")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let server = try await startServer {
            $0.seed = 11
            $0.truthPath = path
            $0.duration = 2 * 3600 * 1_000_000
            $0.exitWhenDone = true
        }
        let client = try watchWholeDay(port: server.port, queues: 3)
        try client.readToEnd()
        try await server.waitUntilFinished()
        let truth = try truthRecords(path)
        var answers: [String: [(leave: Double, wait: Int)]] = [:]
        for v in truth where v["type"] == "queue_visit" && v["outcome"] == "answered" {
            let join = try #require(v["join"]?.double), leave = try #require(v["leave"]?.double)
            answers[v["queue_id"]?.string ?? "", default: []].append((leave, Int(leave.rounded(.down)) - Int(join.rounded(.down))))
        }
        var checked = 0
        for s in truth where s["type"] == "queue_stat" && s["key"] == "Xivo-EWT" {
            let q = s["queue_id"]?.string ?? ""
            let t = try #require(s["time"]?.double)
            var h = 0, before = 0
            for a in answers[q] ?? [] where a.leave <= t {
                before = h
                h = (3 * h + a.wait) / 4
            }
            let value = try #require(s["value"]?.string.flatMap { Int($0) })
            let atAnswer = (answers[q] ?? []).contains { $0.leave == t }
            #expect(value == h || (atAnswer && value == before))
            checked += 1
        }
        #expect(checked > 50)
        #expect(answers.values.joined().count > 10)
    }

    @Test("protocol 2.3 has no channel statuses but the same agents and queues")
    func protocol23Day() async throws {
        let server = try await startServer {
            $0.protocolVersion = .v2_3
            shortDay(&$0)
        }
        let client = try watchWholeDay(port: server.port, queues: 3, version: "2.3")
        let all = try client.readToEnd()
        #expect(!all.contains { $0["listname"] == "channels" })
        #expect(all.contains { $0["listname"] == "agents" })
        #expect(all.contains { $0.klass == "queueentryupdate" })
        try await server.waitUntilFinished()
    }
}
