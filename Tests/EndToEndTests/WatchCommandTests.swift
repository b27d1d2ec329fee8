import CallStatsTestSupport
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A real terminal: a tmux server of its own (a private socket), one 200 x 50 window running
/// a plain bash, typed into with `send-keys` and read with `capture-pane`.
final class TmuxTerminal {
    /// Missing, the suite is skipped with the reason, or fails in CI (`RequiredTool`).
    static var executable: String {
        get throws { try RequiredTool.tmux.require() }
    }

    let socket = "callstats-test-\(UUID().uuidString)"

    init() throws {
        try Self.startServer(["-L", socket, "new-session", "-d", "-s", "test", "-x", "200", "-y", "50", "bash --norc --noprofile"])
    }

    /// Starts the server as a person's shell would: with no signal blocked or ignored (this
    /// test process's threads block most, and a child inherits that, so Ctrl-C would reach
    /// nothing), and with its output away from any pipe of ours (the server outlives the call).
    static func startServer(_ arguments: [String]) throws {
        let executable = try Self.executable
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)
        var all = sigset_t()
        sigfillset(&all)
        sigdelset(&all, SIGKILL)
        sigdelset(&all, SIGSTOP)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for descriptor: Int32 in [0, 1, 2] {
            posix_spawn_file_actions_addopen(&actions, descriptor, "/dev/null", O_RDWR, 0)
        }
        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid = pid_t()
        let spawned = posix_spawn(&pid, executable, &actions, &attributes, argv, environ)
        guard spawned == 0 else { throw CollectorTruthTests.Failure("cannot start tmux: \(String(cString: strerror(spawned)))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        guard status == 0 else { throw CollectorTruthTests.Failure("tmux \(arguments.joined(separator: " ")) failed (wait status \(status))") }
    }

    deinit {
        // The server does not always remove its socket file on the way out.
        let socketPath = (try? tmux(["display-message", "-p", "#{socket_path}"]))?.trimmingCharacters(in: .whitespacesAndNewlines)
        _ = try? tmux(["kill-server"])
        if let socketPath, !socketPath.isEmpty { try? FileManager.default.removeItem(atPath: socketPath) }
    }

    @discardableResult
    func tmux(_ arguments: [String]) throws -> String {
        let executable = try Self.executable
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["-L", socket] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        guard process.terminationStatus == 0 else {
            throw CollectorTruthTests.Failure("tmux \(arguments.joined(separator: " ")) failed: \(text)")
        }
        return text
    }

    /// Types a command line and presses Enter.
    func type(_ line: String) throws {
        try tmux(["send-keys", "-t", "test", "-l", line])
        try tmux(["send-keys", "-t", "test", "Enter"])
    }

    func press(_ key: String) throws {
        try tmux(["send-keys", "-t", "test", key])
    }

    /// The visible screen; with `escapes`, with the SGR sequences of its colours and attributes.
    func screen(escapes: Bool = false) throws -> String {
        try tmux(["capture-pane", "-p", "-t", "test"] + (escapes ? ["-e"] : []))
    }

    /// A pane variable: `alternate_on`, `cursor_flag`, ...
    func variable(_ name: String) throws -> String {
        try tmux(["display-message", "-p", "-t", "test", "#{\(name)}"]).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Polls the screen until `condition` holds; the deadline only guards against a hang.
    @discardableResult
    func waitFor(_ what: String, timeout: Double = 60, escapes: Bool = false, _ condition: (String) -> Bool) async throws -> String {
        var last = ""
        do {
            return try await eventually(what, timeout: timeout, every: .milliseconds(50)) { () throws -> String? in
                last = try screen(escapes: escapes)
                return condition(last) ? last : nil
            }
        } catch let failure as TestFailure {
            throw TestFailure("\(failure.description); the screen:\n\(last)")
        }
    }

    static func quote(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}

@Suite("callstats watch and colours, in a real terminal (tmux)", RequiredTool.tmux.trait)
struct WatchCommandTests {
    static func refresh(_ screen: String) -> Int? {
        screen.firstMatch(of: /callstats watch: refresh (\d+),/).flatMap { Int($0.1) }
    }

    @Test("watch redraws in place, then Ctrl-C restores the screen and the cursor and exits 0")
    func redrawsAndQuits() async throws {
        let binary = try CallStatsBinary.built()
        let database = try SupervisorDemo.database()
        let terminal = try TmuxTerminal()
        try terminal.type("\(TmuxTerminal.quote(binary.url.path)) watch --db \(TmuxTerminal.quote(database)) --every 300ms --tz UTC; echo EXIT=$?")

        let first = try await terminal.waitFor("the first frame") { Self.refresh($0) != nil && $0.contains("Agents") }
        #expect(first.contains("as of 2026-11-02T0"), "\(first)")
        #expect(first.contains("(latest recorded event; no live collection)"))
        #expect(first.contains("Queues"))
        #expect(first.contains("logged in today"))
        #expect(first.contains("Blue"))
        let firstRefresh = try #require(Self.refresh(first))
        // Drawn on the alternate screen, with the cursor hidden.
        #expect(try terminal.variable("alternate_on") == "1")
        #expect(try terminal.variable("cursor_flag") == "0")

        // Redrawn in place: a later frame at the same place, the screen never scrolled.
        let later = try await terminal.waitFor("a later frame") { (Self.refresh($0) ?? 0) > firstRefresh }
        #expect(later.components(separatedBy: "\n").first?.hasPrefix("callstats watch: refresh ") == true, "\(later)")
        #expect(later.components(separatedBy: "callstats watch:").count == 2, "one frame on the screen")

        try terminal.press("C-c")
        let after = try await terminal.waitFor("the exit status") { $0.contains("EXIT=0") }
        #expect(!after.contains("callstats watch: refresh"), "the alternate screen is gone: \(after)")
        #expect(try terminal.variable("alternate_on") == "0")
        #expect(try terminal.variable("cursor_flag") == "1")
    }

    @Test("tables are coloured on a terminal, and never with NO_COLOR set")
    func colours() async throws {
        let binary = try CallStatsBinary.built()
        let database = try SupervisorDemo.database()
        for noColor in [false, true] {
            let terminal = try TmuxTerminal()
            let environment = noColor ? "env NO_COLOR=1" : "env -u NO_COLOR"
            try terminal.type("\(environment) \(TmuxTerminal.quote(binary.url.path)) agents --db \(TmuxTerminal.quote(database)) --tz UTC; echo DONE-$?")
            let screen = try await terminal.waitFor("the agents table", escapes: true) { $0.contains("DONE-0") }
            #expect(screen.contains("latest recorded event"))
            #expect(screen.contains("occupancy"))
            if noColor {
                #expect(!screen.contains("\u{1B}["), "no escape code with NO_COLOR: \(screen.debugDescription.prefix(400))")
            } else {
                // The state colours of metrics.md's states (tmux reports them as SGR 3x).
                #expect(screen.contains(/\x{1B}\[[0-9;]*3[1-7]m/), "\(screen.debugDescription.prefix(400))")
            }
        }
    }
}
