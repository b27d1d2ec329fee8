import ArgumentParser
import Foundation
import Reports
import Storage

/// `callstats demo`: the whole product on a simulated day, as a new user's first command.
///
/// It runs this very binary three times, as separate processes, exactly as an admin would:
/// `simulate` on a free loopback port, `collect --once` against it over TCP, then
/// `report nightly`. The database stays behind for the other commands to try.
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Simulate a call-center day, collect it over TCP, and write its nightly report.",
        discussion: """
            Starts the simulated CTI server on a free port of 127.0.0.1, runs the real collector \
            against it for a simulated day at full speed, writes the nightly report, and prints a \
            short summary and the path of index.html. The database (DIR/calls.db) is left for \
            trying the other commands.
            """
    )

    @Option(help: ArgumentHelp("Folder for the database and the reports.", valueName: "dir"))
    var out = "callstats-demo"

    @Option(help: "Length of the simulated day, in hours.")
    var hours = 8

    @Option(help: "Seed of the simulated day: the same seed gives the same day.")
    var seed = 1

    @Option(help: "Number of agents.")
    var agents = 20

    @Option(help: "Number of queues.")
    var queues = 3

    func validate() throws {
        guard (1...24).contains(hours) else { throw ValidationError("--hours must be from 1 to 24") }
        guard agents > 0, queues > 0 else { throw ValidationError("--agents and --queues must be positive") }
    }

    /// The simulator's first instant; its UTC date is the report's day.
    static let start = "2026-11-02T08:00:00Z"
    static let day = "2026-11-02"

    func run() throws {
        let folder = URL(fileURLWithPath: out)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let database = folder.appendingPathComponent("calls.db").path
        // A fresh day each time: the demo never mixes two runs in one database.
        for suffix in ["", "-wal", "-shm", ".lock"] {
            try? FileManager.default.removeItem(atPath: database + suffix)
        }
        let executable = try Self.executable()
        // The simulator's login, known only to the two processes: on the simulator's command
        // line (a throwaway test server) and in a 0600 file for the collector, never on its.
        let password = UUID().uuidString
        let passwordFile = folder.appendingPathComponent(".demo-password").path
        guard FileManager.default.createFile(atPath: passwordFile, contents: Data((password + "\n").utf8), attributes: [.posixPermissions: 0o600]) else {
            throw CLIError("cannot write \(passwordFile)")
        }
        defer { try? FileManager.default.removeItem(atPath: passwordFile) }

        print("Simulating \(hours) h of a call center (\(agents) agents, \(queues) queues, seed \(seed)) and collecting it over TCP...")
        let started = Date()
        let simulator = Process()
        simulator.executableURL = executable
        simulator.arguments = [
            "simulate", "--listen", "127.0.0.1:0", "--speed", "max", "--exit-when-done", "--seed", String(seed),
            "--start", Self.start, "--duration", "\(hours)h", "--agents", String(agents), "--queues", String(queues),
            "--user", "demo", "--password", password,
        ]
        let simulatorOutput = Pipe()
        simulator.standardOutput = simulatorOutput
        simulator.standardError = FileHandle.nullDevice
        try simulator.run()
        defer { if simulator.isRunning { simulator.terminate() } }
        guard let address = Self.firstLine(of: simulatorOutput.fileHandleForReading)?.split(separator: " ").last.map(String.init) else {
            throw CLIError("the simulator did not start")
        }

        let collector = try Self.run(executable, [
            "collect", "--server", address, "--user", "demo", "--password-file", passwordFile,
            "--db", database, "--once", "--tls", "off", "--log-level", "error",
        ])
        simulator.waitUntilExit()
        guard collector == 0 else { throw CLIError("the collector failed (exit status \(collector))") }

        let reports = folder.appendingPathComponent("reports").path
        let nightly = try Self.run(executable, ["report", "nightly", "--db", database, "--date", Self.day, "--tz", "UTC", "--out", reports], quiet: true)
        guard nightly == 0 else { throw CLIError("the nightly report failed (exit status \(nightly))") }
        let elapsed = Date().timeIntervalSince(started)

        let summary = try DemoSummary(database: database)
        print(String(format: "Done in %.1f s.", elapsed))
        print("  agents: \(summary.agents), queues: \(summary.queues)")
        print("  queue calls offered: \(summary.offered), answered: \(summary.answered), missed: \(summary.missed) (\(summary.missedPercent))")
        print("  calls: \(summary.calls)")
        print("  average agent occupancy: \(summary.averageOccupancy)")
        print("  lines recorded: \(summary.lines)")
        print("Report: \(URL(fileURLWithPath: reports).appendingPathComponent(Self.day).appendingPathComponent("index.html").path)")
        print("Database: \(database) — try: callstats report occupancy --db \(database) --date \(Self.day) --tz UTC --interval total")
    }

    /// This binary, to run its own subcommands as separate processes.
    static func executable() throws -> URL {
        if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            return URL(fileURLWithPath: path)
        }
        if let path = Bundle.main.executablePath {
            return URL(fileURLWithPath: path)
        }
        throw CLIError("cannot find the callstats executable to run the simulator")
    }

    static func run(_ executable: URL, _ arguments: [String], quiet: Bool = false) throws -> Int32 {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        if quiet { process.standardOutput = FileHandle.nullDevice }
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }

    static func firstLine(of handle: FileHandle) -> String? {
        var data = Data()
        while !data.contains(UInt8(ascii: "\n")) {
            let chunk = handle.availableData
            if chunk.isEmpty { break }
            data.append(chunk)
        }
        guard let newline = data.firstIndex(of: UInt8(ascii: "\n")) else { return nil }
        return String(decoding: data[..<newline], as: UTF8.self)
    }
}

/// The demo's closing figures, from the database it made (read-only, like every reader).
struct DemoSummary {
    let agents: Int64
    let queues: Int64
    let offered: Int64
    let answered: Int64
    let missed: Int64
    let calls: Int64
    let lines: Int64
    let occupancy: Double?

    init(database path: String) throws {
        let database = try Database.openReader(path: path)
        agents = try database.fetchInt64("SELECT count(*) FROM agent") ?? 0
        queues = try database.fetchInt64("SELECT count(*) FROM queue") ?? 0
        offered = try database.fetchInt64("SELECT count(*) FROM queue_visit") ?? 0
        answered = try database.fetchInt64("SELECT count(*) FROM queue_visit WHERE outcome = 'answered'") ?? 0
        missed = try database.fetchInt64("SELECT count(*) FROM queue_visit WHERE outcome = 'abandoned'") ?? 0
        calls = try database.fetchInt64("SELECT count(*) FROM call") ?? 0
        lines = try JournalReader(database: database).lineCount()
        // Occupancy as the reports define it (metrics.md), pooled over the agents of the day:
        // the nightly page's headline figure.
        let calendar = ReportCalendar(timeZone: TimeZone(identifier: "UTC") ?? .current)
        let day = try calendar.range(of: calendar.parseDay(DemoCommand.day, now: 0))
        let queries = try ReportQueries(database: database, parameters: ReportParameters(calendar: calendar, range: day, interval: .total))
        var busy: Int64 = 0
        var working: Int64 = 0
        try queries.occupancy { row in
            busy += row.busy
            working += row.loggedIn - row.paused
        }
        occupancy = working > 0 ? 100 * Double(busy) / Double(working) : nil
    }

    var missedPercent: String {
        offered == 0 ? "no calls" : String(format: "%.1f %%", 100 * Double(missed) / Double(offered))
    }

    var averageOccupancy: String {
        occupancy.map { String(format: "%.1f %%", $0) } ?? "no agent logged in"
    }
}
