import CallStatsTestSupport
import Foundation
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Headless Chromium, driven through the DevTools protocol by Tests/Tools/browser.py, one
/// command a line: `eval`, `wait` (a condition on the DOM, seen by a MutationObserver in the
/// page) and `screenshot`.
final class WallboardBrowser {
    static let driver = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Tools/browser.py").path

    private let process: RunningCallStats

    /// Opens `url` in a fresh headless Chromium and waits for its load event.
    init(url: String) async throws {
        let python = try RequiredTool.python3.require()
        let chromium = try RequiredTool.chromium.require()
        process = try RunningCallStats(binary: CallStatsBinary(url: URL(fileURLWithPath: python)),
                                       arguments: [Self.driver, chromium, url], input: true)
        let ready = try await ServeProcess.blocking(process) { $0.nextLine() }
        guard ready == "ready" else {
            throw TestFailure("Chromium did not load \(url): \(ready ?? "") \(process.standardError())")
        }
    }

    /// One command, its one-line answer.
    func command(_ line: String) async throws -> String {
        try process.send(line)
        guard let reply = try await ServeProcess.blocking(process, { $0.nextLine() }) else {
            throw TestFailure("the browser driver ended: \(process.standardError())")
        }
        return reply
    }

    /// Closes Chromium and the driver.
    func close() async throws {
        try process.closeInput()
        _ = try await ServeProcess.blocking(process) { $0.wait() }
    }

    /// A JavaScript string literal.
    static func literal(_ text: String) -> String {
        String(decoding: (try? JSONEncoder().encode(text)) ?? Data("\"\"".utf8), as: UTF8.self)
    }
}

/// The issue's end-to-end check of the wallboard: the simulator at a finite speed, the real
/// collector recording it, `callstats serve` on that database and the page in headless
/// Chromium. Each time the database (read through `/api/v1/agents`, the command line's path)
/// shows an agent in a new state, the page's DOM must show it within 2 s, pushed by Server-Sent
/// Events without a reload; and again after serve restarts, once the page has reconnected on
/// its own.
@Suite("The wallboard live in headless Chromium", RequiredTool.chromium.trait, RequiredTool.python3.trait, .timeLimit(.minutes(5)))
struct WallboardBrowserTests {
    struct Change {
        let agent: String
        let state: String
        let seen: ContinuousClock.Instant
    }

    /// Every agent's state now, as the API (the same figures as `agents --format json`) says.
    static func agentStates(_ base: String) async throws -> [String: String] {
        let (status, body) = try await ServeProcess.fetch(base + "/api/v1/agents")
        guard status == 200 else { throw TestFailure("/api/v1/agents answered \(status)") }
        let agents = ((try JSONSerialization.jsonObject(with: body) as? [String: Any])?["agents"] as? [[String: Any]]) ?? []
        var states: [String: String] = [:]
        for agent in agents {
            guard let id = agent["agent_id"] as? String else { continue }
            states[id] = agent["state"] as? String ?? "unknown"
        }
        return states
    }

    /// Awaits `wanted` changes of an agent's state in the database and checks that the page
    /// shows each within 2 s of the moment it was read there. Returns the slowest, in ms.
    static func pageFollows(_ wanted: Int, base: String, browser: WallboardBrowser) async throws -> Int {
        var known = try await agentStates(base)
        var shown = 0
        var slowest = 0
        var skipped = 0
        while shown < wanted {
            let change = try await eventually("an agent's state to change", timeout: 120, every: .milliseconds(50)) { () async throws -> Change? in
                let now = try await agentStates(base)
                defer { known = now }
                guard let (agent, state) = now.first(where: { known[$0.key] != nil && known[$0.key] != $0.value }) else { return nil }
                return Change(agent: agent, state: state, seen: .now)
            }
            let text = change.state.replacingOccurrences(of: "_", with: " ")
            let condition = "Array.prototype.some.call(document.querySelectorAll('#board tr[data-agent-id]'), function (row) {"
                + " var cell = row.querySelector('td.state'); return row.getAttribute('data-agent-id') === \(WallboardBrowser.literal(change.agent))"
                + " && cell !== null && cell.textContent === \(WallboardBrowser.literal(text)); })"
            let already = Int((ContinuousClock.now - change.seen) / .milliseconds(1))
            let reply = try await browser.command("wait \(max(0, 2000 - already)) \(condition)")
            if reply.hasPrefix("ok "), let waited = Int(reply.dropFirst(3)) {
                shown += 1
                slowest = max(slowest, already + waited)
                continue
            }
            #expect(reply == "timeout", "the browser driver: \(reply)")
            // Only excused when the agent has moved on already: a state shorter than one push
            // may never be on the page. Still in it, the page is late: a failure.
            let now = try await agentStates(base)[change.agent]
            guard now != change.state else {
                throw TestFailure("agent \(change.agent) is \(change.state) in the database but the page did not show it within 2 s")
            }
            skipped += 1
            #expect(skipped < 10, "too many states too short to check")
            known = try await agentStates(base)
        }
        return slowest
    }

    @Test("an agent's new state is in the page's DOM within 2 s, without a reload, and again after serve restarts")
    func liveAgentStates() async throws {
        let setup = try CollectorSetup.make()
        // A one-hour day at 4 × real time: its agents log in within its first minutes and
        // change state every few real seconds, each state lasting longer than a push.
        let (simulator, address) = try setup.simulator([
            "--listen", "127.0.0.1:0", "--speed", "4", "--seed", "8", "--duration", "1h", "--agents", "8", "--queues", "2",
        ])
        let collector = try RunningCallStats(binary: setup.binary, arguments: [
            "collect", "--server", address, "--user", "stats", "--password-file", setup.passwordFile,
            "--db", setup.database, "--tls", "off",
        ])
        defer {
            collector.signal(SIGTERM)
            simulator.signal(SIGTERM)
        }
        try await eventually("the collector's first agents", timeout: 120, every: .milliseconds(250)) {
            guard FileManager.default.fileExists(atPath: setup.database) else { return false }
            let agents = try setup.binary.run(["agents", "--db", setup.database, "--format", "json"])
            return agents.status == 0 && agents.stdout.contains("\"agent_id\"")
        }

        let (server, base) = try await ServeProcess.start(setup.binary, ["--db", setup.database, "--listen", "127.0.0.1:0", "--tz", "UTC"])
        let browser = try await WallboardBrowser(url: base + "/")
        // Gone if the page were ever reloaded.
        #expect(try await browser.command("eval window.loadedOnce = true") == "true")
        let slowest = try await Self.pageFollows(3, base: base, browser: browser)
        print("wallboard: slowest push of 3 agent states \(slowest) ms")

        // serve restarts on the same port; the page reconnects by itself (EventSource, the
        // server's `retry: 2000`) and is pushed a whole new board, which drops this mark.
        let port = try ServeProcess.port(base)
        #expect(try await ServeProcess.stop(server) == 0)
        #expect(try await browser.command("eval document.querySelector('#board header').setAttribute('data-before-restart', '1') === undefined") == "true")
        let (restarted, _) = try await ServeProcess.start(setup.binary, ["--db", setup.database, "--listen", "127.0.0.1:\(port)", "--tz", "UTC"])
        let reconnected = try await browser.command("wait 20000 document.querySelector('#board header') !== null && document.querySelector('#board header[data-before-restart]') === null")
        #expect(reconnected.hasPrefix("ok"), "the page did not reconnect after the restart: \(reconnected)")
        _ = try await Self.pageFollows(2, base: base, browser: browser)
        #expect(try await browser.command("eval window.loadedOnce === true") == "true", "the page was reloaded")

        try await browser.close()
        #expect(try await ServeProcess.stop(restarted) == 0)
    }
}
