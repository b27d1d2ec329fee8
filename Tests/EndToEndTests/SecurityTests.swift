import CallStatsTestSupport
import Foundation
import Storage
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The password's paths through the real collector (files, environment, logs, the database,
/// error messages, the process table), the modes of the files it creates, and the read-only
/// promise of the report and supervisor commands.
@Suite("Security: the password, file modes, read-only readers", .serialized, .timeLimit(.minutes(8)))
struct SecurityTests {
    /// Distinctive enough that finding it anywhere can only mean it leaked.
    static let password = "Qz7-leak-canary-9f41c2d8"

    enum Source: String, CaseIterable, CustomTestStringConvertible {
        case passwordFile = "--password-file"
        case environment = "CALLSTATS_PASSWORD"
        var testDescription: String { rawValue }
    }

    /// Its password file holds our password.
    typealias Setup = CollectorSetup

    static func setup() throws -> Setup {
        try CollectorSetup.make(password: password)
    }

    /// A simulator that accepts `password` (read from a file: not on its command line either).
    static func simulator(_ setup: Setup, protocolVersion: String, speed: String, duration: String,
                          password: String = SecurityTests.password) throws -> (RunningCallStats, String) {
        let file = setup.folder.path("server-password-\(UUID().uuidString)")
        try Data("\(password)\n".utf8).write(to: URL(fileURLWithPath: file))
        return try setup.simulator([
            "--listen", "127.0.0.1:0", "--protocol", protocolVersion, "--password-file", file,
            "--speed", speed, "--duration", duration, "--exit-when-done", "--agents", "8", "--queues", "2", "--seed", "11",
        ])
    }

    /// The collector's arguments and environment for a password source; never the password
    /// itself on the command line.
    static func collectorLaunch(_ setup: Setup, server: String, database: String? = nil, source: Source, extra: [String] = [])
        -> (arguments: [String], environment: [String: String])
    {
        var arguments = ["collect", "--server", server, "--user", "stats", "--db", database ?? setup.database, "--tls", "off",
                         "--log-level", "trace"] + extra
        var environment = ProcessInfo.processInfo.environment
        environment.removeValue(forKey: Source.environment.rawValue)
        switch source {
        case .passwordFile: arguments += ["--password-file", setup.passwordFile]
        case .environment: environment[Source.environment.rawValue] = password
        }
        return (arguments, environment)
    }

    // MARK: Where to look

    /// Every value of every table, journal included, as bytes.
    static func databaseValues(_ path: String) throws -> [(table: String, bytes: [UInt8])] {
        let database = try Database(path: path, mode: .readOnly)
        var tables: [String] = []
        try database.makeStatement("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").forEachRow {
            tables.append($0.string(0) ?? "")
        }
        #expect(tables.contains("journal_block"))
        var values: [(String, [UInt8])] = []
        for table in tables {
            try database.makeStatement("SELECT * FROM \"\(table)\"").forEachRow { row in
                for column in 0..<row.columnCount {
                    switch row.value(column) {
                    case .text(let text): values.append((table, Array(text.utf8)))
                    case .blob(let bytes): values.append((table, bytes))
                    case .integer(let n): values.append((table, Array(String(n).utf8)))
                    case .real(let x): values.append((table, Array(String(x).utf8)))
                    case .null: break
                    }
                }
            }
        }
        return values
    }

    static func contains(_ haystack: [UInt8], _ needle: String) -> Bool {
        let needle = Array(needle.utf8)
        guard haystack.count >= needle.count else { return false }
        return (0...(haystack.count - needle.count)).contains { start in
            haystack[start] == needle[0] && Array(haystack[start..<(start + needle.count)]) == needle
        }
    }

    /// The database's own bytes too (free pages, the WAL when one is left), not only its rows.
    static func expectNotInDatabase(_ setup: Setup) throws {
        for (table, bytes) in try databaseValues(setup.database) {
            #expect(!contains(bytes, password), "the password is in table \(table)")
        }
        for suffix in ["", "-wal", "-shm"] {
            guard let data = FileManager.default.contents(atPath: setup.database + suffix) else { continue }
            #expect(!contains(Array(data), password), "the password is in the file calls.db\(suffix)")
        }
        // We journal what we receive, never what we send: no login_pass of ours, hashed or not.
        let database = try Database(path: setup.database, mode: .readWrite)
        try database.snapshotJournal()
        #expect(try database.fetchInt64(
            "SELECT count(*) FROM journal WHERE instr(line, 'hashedpassword') > 0 OR instr(line, '\"password\"') > 0") == 0)
    }

    /// What `ps -eo args` shows, read where `ps` reads it: every process's command line.
    static func processTable() -> [(pid: String, arguments: [UInt8])] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.filter { $0.allSatisfy(\.isNumber) }.compactMap { pid in
            FileManager.default.contents(atPath: "/proc/\(pid)/cmdline").map { (pid, Array($0)) }
        }
    }

    static func fileMode(_ path: String) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        return (attributes[.posixPermissions] as? NSNumber)?.intValue ?? -1
    }

    // MARK: Tests

    @Test("a running collector: the password is in no log, no table, no file of the database, no command line; the database files are 0600",
          arguments: ["1.2", "2.3"], Source.allCases)
    func passwordNeverShown(protocolVersion: String, source: Source) async throws {
        let setup = try Self.setup()
        // A finite speed: the collector is still running while the process table is read.
        let (simulator, address) = try Self.simulator(setup, protocolVersion: protocolVersion, speed: "120", duration: "8h")
        let launch = Self.collectorLaunch(setup, server: address, source: source, extra: ["--protocol", protocolVersion])
        let collector = try EnvironmentProcess(binary: setup.binary, arguments: launch.arguments, environment: launch.environment)
        try await CollectorFaultTests.waitFor(CollectorSetup(
            binary: setup.binary, folder: setup.folder, database: setup.database, passwordFile: setup.passwordFile)) { database in
            try database.fetchInt64("SELECT count(*) FROM collection_session WHERE logged_in_at IS NOT NULL") == 1
                && CollectorFaultTests.journalCount(database) > 500
        }

        // While it runs.
        let table = Self.processTable()
        #expect(table.contains { $0.pid == String(collector.process.processIdentifier) }, "the collector is not in /proc")
        for (pid, arguments) in table {
            #expect(!Self.contains(arguments, Self.password), "the password is on the command line of process \(pid)")
        }
        #expect(try Self.fileMode(setup.database) == 0o600)
        for suffix in ["-wal", "-shm"] where FileManager.default.fileExists(atPath: setup.database + suffix) {
            #expect(try Self.fileMode(setup.database + suffix) == 0o600, "calls.db\(suffix)")
        }

        collector.signal(SIGTERM)
        #expect(collector.wait() == 0)
        simulator.signal(SIGTERM)
        _ = simulator.wait()
        let output = collector.output()
        #expect(output.stderr.contains("logged in to"), "\(output.stderr)")
        #expect(output.stderr.contains("trace"), "the trace level was not on")
        #expect(!output.stderr.contains(Self.password), "the password is in the collector's log")
        #expect(!output.stdout.contains(Self.password), "the password is on the collector's stdout")
        try Self.expectNotInDatabase(setup)
    }

    @Test("a refused login and failures: the error messages do not carry the password", arguments: Source.allCases)
    func errorsDoNotCarryThePassword(source: Source) throws {
        let setup = try Self.setup()
        // The server knows another password: the login is refused.
        let (simulator, address) = try Self.simulator(setup, protocolVersion: "2.3", speed: "max", duration: "10m",
                                                      password: "the-server-wants-this")
        let refusal = Self.collectorLaunch(setup, server: address, source: source, extra: ["--protocol", "2.3", "--once"])
        let refused = try EnvironmentProcess(binary: setup.binary, arguments: refusal.arguments, environment: refusal.environment)
        #expect(refused.wait() != 0)
        simulator.signal(SIGTERM)
        _ = simulator.wait()
        let refusedOutput = refused.output()
        #expect(refusedOutput.stderr.contains("refused the login of user 'stats': login_password"), "\(refusedOutput.stderr)")
        #expect(!refusedOutput.stderr.contains(Self.password))
        #expect(!refusedOutput.stdout.contains(Self.password))
        try Self.expectNotInDatabase(setup)

        // Nothing listening; a database in a folder that does not exist.
        let failures: [(name: String, database: String)] = [
            ("connection refused", setup.database),
            ("missing folder", setup.folder.path("missing/calls.db")),
        ]
        for (name, database) in failures {
            let launch = Self.collectorLaunch(setup, server: "127.0.0.1:1", database: database, source: source, extra: ["--once"])
            let failing = try EnvironmentProcess(binary: setup.binary, arguments: launch.arguments,
                                                 environment: launch.environment)
            #expect(failing.wait() != 0, "\(name)")
            let output = failing.output()
            #expect(output.stderr.contains("Error:"), "\(name): \(output.stderr)")
            #expect(!output.stderr.contains(Self.password), "\(name): \(output.stderr)")
            #expect(!output.stdout.contains(Self.password), "\(name)")
        }
    }

    @Test("--password-file readable by its group or by others is warned about; mode 0600 is not")
    func passwordFileModeWarning() throws {
        let setup = try Self.setup()
        let warning = "can be read by its group or by others; chmod 600"
        for (mode, warned) in [(0o640, true), (0o604, true), (0o644, true), (0o600, false), (0o400, false)] {
            try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: setup.passwordFile)
            // Nothing listens on port 1: the run fails after reading the password, fast.
            let result = try setup.binary.run([
                "collect", "--server", "127.0.0.1:1", "--user", "stats", "--password-file", setup.passwordFile,
                "--db", setup.database, "--once", "--tls", "off",
            ])
            #expect(result.status != 0)
            #expect(result.stderr.contains("cannot connect to 127.0.0.1:1"), "\(result.stderr)")
            #expect(result.stderr.contains(warning) == warned, "mode \(String(mode, radix: 8)): \(result.stderr)")
            #expect(!result.stderr.contains(Self.password))
        }
    }

    @Test("report, status and nightly commands never write: the database's bytes and time stay as they were")
    func readersDoNotWrite() throws {
        let setup = try Self.setup()
        let (simulator, address) = try Self.simulator(setup, protocolVersion: "1.2", speed: "max", duration: "2h")
        let collect = try setup.binary.run([
            "collect", "--server", address, "--user", "stats", "--password-file", setup.passwordFile,
            "--db", setup.database, "--once", "--tls", "off", "--log-level", "warning",
        ])
        _ = simulator.wait()
        #expect(collect.status == 0, "\(collect.stderr)")
        #expect(try Self.fileMode(setup.database) == 0o600)

        struct FileState: Equatable {
            let bytes: Data
            let modified: Date
        }
        func state(_ path: String) throws -> FileState? {
            guard FileManager.default.fileExists(atPath: path) else { return nil }
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            return FileState(bytes: try Data(contentsOf: URL(fileURLWithPath: path)),
                             modified: attributes[.modificationDate] as? Date ?? .distantPast)
        }
        func folder() throws -> Set<String> {
            Set(try FileManager.default.contentsOfDirectory(atPath: setup.folder.url.path))
        }
        let reportFolder = try TemporaryFolder()
        let commands: [[String]] = [
            ["status", "--db", setup.database],
            ["status", "--db", setup.database, "--format", "json"],
            ["report", "occupancy", "--db", setup.database, "--date", "2026-11-02", "--tz", "UTC", "--interval", "1h"],
            ["report", "ewt", "--db", setup.database, "--date", "2026-11-02", "--tz", "UTC", "--interval", "15m", "--format", "json"],
            ["report", "missed", "--db", setup.database, "--date", "2026-11-02", "--tz", "UTC", "--interval", "total", "--format", "html"],
            ["report", "calls-missed", "--db", setup.database, "--date", "2026-11-02", "--tz", "UTC", "--format", "csv"],
            ["report", "nightly", "--db", setup.database, "--date", "2026-11-02", "--tz", "UTC", "--out", reportFolder.url.path],
        ]
        func runAll(_ situation: String) throws {
            let database = try state(setup.database)
            let wal = try state(setup.database + "-wal")
            let files = try folder()
            for command in commands {
                let name = "\(command.prefix(2).joined(separator: " ")) (\(situation))"
                let result = try setup.binary.run(command)
                // status exits 1 when no collector runs: an answer, not a failure.
                #expect(result.status == 0 || (command[0] == "status" && result.status == 1), "\(name): \(result.stderr)")
                #expect(!result.stdout.isEmpty || command[1] == "nightly", "\(name) printed nothing")
                #expect(try state(setup.database) == database, "\(name) wrote to the database file")
                let walAfter = try state(setup.database + "-wal")
                if let wal {
                    #expect(walAfter == wal, "\(name) wrote to the WAL")
                } else {
                    // A WAL-mode reader needs SQLite's WAL index: with no writer around, SQLite
                    // makes an empty -wal and the -shm beside the file, with the file's mode.
                    #expect(walAfter.map(\.bytes.isEmpty) ?? true, "\(name) wrote to a new WAL")
                }
                for file in try folder().subtracting(files) {
                    #expect(file == "calls.db-wal" || file == "calls.db-shm", "\(name) left \(file) beside the database")
                    #expect(try Self.fileMode(setup.folder.path(file)) == 0o600, "\(file)")
                }
            }
        }
        // As the collector left it (its WAL beside it), then with the WAL checkpointed away.
        try runAll("WAL present")
        do {
            let writer = try Database(path: setup.database, mode: .readWrite)
            try writer.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)")
        }
        // Writers keep the -wal file (empty once checkpointed) for readers who cannot create it.
        #expect(try state(setup.database + "-wal").map(\.bytes.isEmpty) ?? true, "the checkpoint left frames in the WAL")
        try runAll("WAL checkpointed")
        for suffix in ["-wal", "-shm"] {
            try FileManager.default.removeItem(atPath: setup.database + suffix)
        }
        try runAll("no WAL")
        #expect(FileManager.default.fileExists(atPath: reportFolder.path("2026-11-02/index.html")))
    }
}

/// A `callstats` process with an environment of its own (`RunningCallStats` inherits ours),
/// its stdout and stderr collected as it runs.
final class EnvironmentProcess {
    let process = Process()
    private let outputSink = ErrorSink()
    private let errorSink = ErrorSink()

    init(binary: CallStatsBinary, arguments: [String], environment: [String: String]) throws {
        process.executableURL = binary.url
        process.arguments = arguments
        process.environment = environment
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        try process.run()
        outputSink.drain(output.fileHandleForReading)
        errorSink.drain(errors.fileHandleForReading)
    }

    func signal(_ number: Int32) {
        kill(process.processIdentifier, number)
    }

    func wait() -> Int32 {
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// Everything it printed, once it has exited.
    func output() -> (stdout: String, stderr: String) {
        (outputSink.text(), errorSink.text())
    }

    deinit {
        if process.isRunning { process.terminate() }
    }
}
