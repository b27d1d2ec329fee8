import CallStatsTestSupport
import Foundation
import Storage
import Testing

/// What every command promises at the command line, run as the real binary: a folder given as
/// the database is said so, a file's extension and its format agree, and the exit status says
/// whether the arguments were wrong (64) or the work could not be done (1).
@Suite("The command line's contract: --db, --output, exit statuses")
struct CommandLineContractTests {
    /// A folder holding an empty, migrated database (`calls.db`), for commands that need one.
    struct Setup {
        let binary: CallStatsBinary
        let folder: TemporaryFolder
        var database: String { folder.path("calls.db") }

        init() throws {
            binary = try CallStatsBinary.built()
            folder = try TemporaryFolder()
            _ = try Database.openWriter(path: folder.path("calls.db"))
        }
    }

    // MARK: A folder as --db

    @Test("a folder given as --db is one line saying so, exit status 1, and nothing is created", arguments: [
        ["status"], ["agents"], ["queues"], ["calls"], ["journal"], ["migrate"], ["replay"], ["watch"],
        ["prune", "--journal-older-than", "30d"], ["prune", "--journal-older-than", "30d", "--dry-run"],
        ["report", "occupancy", "--date", "2026-11-02"], ["report", "nightly", "--date", "2026-11-02", "--out", "OUT"],
        ["collect", "--server", "127.0.0.1:1", "--user", "stats", "--once", "--tls", "off"],
    ])
    func folderAsDatabase(command: [String]) throws {
        let binary = try CallStatsBinary.built()
        let folder = try TemporaryFolder()
        let given = folder.path("data")
        try FileManager.default.createDirectory(atPath: given, withIntermediateDirectories: false)
        let arguments = command.map { $0 == "OUT" ? folder.path("reports") : $0 } + ["--db", given]
        // The collector asks for its password before it opens the database.
        let result = try binary.run(arguments, environment: ["CALLSTATS_PASSWORD": "secret", "PATH": "/usr/bin:/bin"])
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stderr == "Error: \(given) is a folder, not a database file (give the file's path, such as \(given)/calls.db)\n")
        #expect(result.stdout.isEmpty)
        // Not a lock file beside it, not a database inside it, not a report.
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.url.path) == ["data"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: given).isEmpty)
    }

    // MARK: --output and --format

    @Test("--output whose extension callstats does not write is refused, naming the formats; no file is made", arguments: [
        ["--output", "m.ods"], ["--output", "m.xls", "--format", "csv"], ["--output", "m.pdf", "--format", "html"],
    ])
    func unknownExtension(options: [String]) throws {
        let setup = try Setup()
        let output = setup.folder.path(options[1])
        let result = try setup.binary.run(["report", "occupancy", "--db", setup.database, "--date", "2026-11-02"]
            + ["--output", output] + options.dropFirst(2))
        #expect(result.status == 64, "\(result.stderr)")
        let pathExtension = (output as NSString).pathExtension
        #expect(result.stderr.hasPrefix("Error: --output \(output): callstats writes no .\(pathExtension) files: name it .csv, .xlsx (spreadsheets), .html, .json or .txt (a table)\n"),
                "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: output))
        #expect(try FileManager.default.contentsOfDirectory(atPath: setup.folder.url.path).filter { !$0.hasPrefix("calls.db") }.isEmpty)
    }

    @Test("--output whose extension disagrees with --format is refused in one line; no file is made", arguments: [
        ("m.html", "csv"), ("m.csv", "json"), ("m.json", "html"), ("m.txt", "csv"), ("M.CSV", "table"), ("m.xlsx", "csv"), ("m.csv", "xlsx"),
    ])
    func disagreeingExtension(name: String, format: String) throws {
        let setup = try Setup()
        let output = setup.folder.path(name)
        let result = try setup.binary.run(["report", "missed", "--db", setup.database, "--date", "2026-11-02", "--output", output, "--format", format])
        #expect(result.status == 64, "\(result.stderr)")
        let pathExtension = (name as NSString).pathExtension.lowercased()
        #expect(result.stderr.hasPrefix("Error: --output \(output) names a .\(pathExtension) file but --format is \(format): make them agree (or leave out --format)\n"),
                "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: output))
    }

    @Test("without --format the extension chooses the format; a name without one gets --format, else CSV", arguments: [
        ("m.csv", nil, "csv"), ("m.html", nil, "html"), ("m.HTM", nil, "html"), ("m.json", nil, "json"), ("m.txt", nil, "table"),
        ("m.csv", "csv", "csv"), ("m.txt", "table", "table"), ("plain", nil, "csv"), ("plain", "json", "json"), ("p", nil, "csv"),
    ] as [(String, String?, String)])
    func extensionChoosesFormat(name: String, format: String?, expected: String) throws {
        let setup = try Setup()
        let output = setup.folder.path(name)
        let result = try setup.binary.run(["report", "occupancy", "--db", setup.database, "--date", "2026-11-02", "--output", output]
            + (format.map { ["--format", $0] } ?? []))
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try Self.format(of: String(contentsOfFile: output, encoding: .utf8)) == expected)
    }

    /// Which renderer wrote `text` (the table's header is whatever its columns are called).
    static func format(of text: String) -> String {
        if text.hasPrefix("<!DOCTYPE html>") { return "html" }
        if text.hasPrefix("[") { return "json" }
        if text.hasPrefix("period_start,period_end,") && text.contains("\r\n") { return "csv" }
        return text.isEmpty ? "empty" : "table"
    }

    @Test("a relative one-letter name is a file like any other (Foundation's path methods crash on it)")
    func oneLetterNames() throws {
        let setup = try Setup()
        let migrate = try setup.binary.run(["migrate", "--db", "d"], currentDirectory: setup.folder.url)
        #expect(migrate.status == 0, "\(migrate.stderr)")
        let report = try setup.binary.run(["report", "occupancy", "--db", "d", "--date", "2026-11-02", "--output", "o"], currentDirectory: setup.folder.url)
        #expect(report.status == 0, "\(report.stderr)")
        #expect(FileManager.default.fileExists(atPath: setup.folder.path("o")))
    }

    // MARK: Exit statuses

    /// Bad arguments: 64, before anything is opened. The database named here does not exist,
    /// so a check made only once the command ran would say so and exit 1 instead.
    static let usageErrors: [[String]] = [
        ["nosuchcommand"],
        ["migrate"],
        ["migrate", "--db", "DB", "--no-such-option"],
        ["replay", "--db", ""],
        ["status", "--db", "DB", "--stale", "0"],
        ["status", "--db", "DB", "--format", "xml"],
        ["agents", "--db", "DB", "--tz", "Mars/Olympus"],
        ["agents", "--db", "DB", "--format", "xml"],
        ["queues", "--db", "DB", "--sl-threshold", "soon"],
        ["calls", "--db", "DB", "--since", "25:99"],
        ["calls", "--db", "DB", "--limit", "-1"],
        ["calls", "--db", "DB", "--tz", "Mars/Olympus"],
        ["journal", "--db", "DB", "--from", "yesterday-ish"],
        ["journal", "--db", "DB", "--tz", "Mars/Olympus"],
        ["journal", "--db", "DB", "--from", "2026-11-02T10:00", "--to", "2026-11-02T09:00"],
        ["journal", "--db", "DB", "--session", "0"],
        ["prune", "--db", "DB", "--journal-older-than", "30x"],
        ["watch", "--db", "DB", "--every", "10ms"],
        ["watch", "--db", "DB", "--tz", "Mars/Olympus"],
        ["report", "occupancy", "--db", "DB", "--date", "2026-13-45"],
        ["report", "occupancy", "--db", "DB", "--date", "2026-11-02", "--interval", "7m"],
        ["report", "occupancy", "--db", "DB", "--date", "2026-11-02", "--tz", "Mars/Olympus"],
        ["report", "ewt", "--db", "DB", "--from", "2026-11-02T10:00", "--to", "2026-11-02T09:00"],
        ["report", "ewt", "--db", "DB", "--from", "2026-11-02T10:00"],
        ["report", "missed", "--db", "DB"],
        ["report", "missed", "--db", "DB", "--date", "2026-11-02", "--sl-threshold", "soon"],
        ["report", "calls-missed", "--db", "DB", "--date", "2026-11-02", "--output", "OUT/m.ods"],
        ["agents", "--db", "DB", "--output", "OUT/a.html"],
        ["queues", "--db", "DB", "--output", "OUT/q.xlsx", "--format", "json"],
        ["report", "nightly", "--db", "DB", "--date", "someday", "--out", "OUT"],
        ["report", "nightly", "--db", "DB", "--date", "2026-11-02", "--tz", "Mars/Olympus", "--out", "OUT"],
        ["collect", "--server", "host:99999", "--user", "stats", "--db", "DB"],
        ["collect", "--server", "127.0.0.1", "--user", "stats", "--db", "DB", "--protocol", "9.9"],
        ["demo", "--hours", "0", "--out", "OUT/demo"],
        ["simulate", "--speed", "fast"],
    ]

    @Test("every bad argument of every command exits 64 with the reason, before opening anything", arguments: usageErrors)
    func usageError(arguments: [String]) throws {
        let binary = try CallStatsBinary.built()
        let folder = try TemporaryFolder()
        let database = folder.path("missing.db")
        let result = try binary.run(arguments.map {
            $0 == "DB" ? database : $0.hasPrefix("OUT") ? folder.path("out") + $0.dropFirst(3) : $0
        })
        #expect(result.status == 64, "\(arguments): \(result.stderr)")
        #expect(result.stderr.hasPrefix("Error: "), "\(result.stderr)")
        #expect(!result.stderr.contains("no such database file"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.url.path).isEmpty, "nothing is created")
    }

    /// The arguments are right; the work cannot be done: 1.
    static let runtimeErrors: [[String]] = [
        ["agents", "--db", "MISSING"],
        ["journal", "--db", "MISSING"],
        ["replay", "--db", "MISSING"],
        ["prune", "--db", "MISSING", "--journal-older-than", "30d"],
        ["migrate", "--db", "NOFOLDER"],
        ["report", "occupancy", "--db", "NOTADB", "--date", "2026-11-02"],
        ["status", "--db", "NOTADB"],
        ["queues", "--db", "DB"],  // nothing recorded yet
        ["report", "nightly", "--db", "DB", "--date", "2026-11-02", "--out", "NOTADB"],
        ["collect", "--server", "127.0.0.1:1", "--user", "stats", "--db", "DB", "--once", "--tls", "off"],
        ["watch", "--db", "DB"],  // standard output is not a terminal
    ]

    @Test("a command that cannot do its work (database, file, network) exits 1 with the reason", arguments: runtimeErrors)
    func runtimeError(arguments: [String]) throws {
        let setup = try Setup()
        let notADatabase = setup.folder.path("notes.txt")
        try Data("not a database\n".utf8).write(to: URL(fileURLWithPath: notADatabase))
        let replaced: [String: String] = [
            "DB": setup.database, "MISSING": setup.folder.path("missing.db"), "NOTADB": notADatabase,
            "NOFOLDER": setup.folder.path("no/such/folder/calls.db"),
        ]
        let result = try setup.binary.run(arguments.map { replaced[$0] ?? $0 }, environment: ["CALLSTATS_PASSWORD": "secret", "PATH": "/usr/bin:/bin"])
        #expect(result.status == 1, "\(arguments): \(result.stderr)")
        #expect(result.stderr.contains("Error: "), "\(result.stderr)")
        #expect(!result.stderr.contains("Usage:"))
    }

    @Test("a --queue the database does not know is a usage error too (64), found once the database is open")
    func unknownQueue() throws {
        let setup = try Setup()
        for arguments in [["report", "missed", "--date", "2026-11-02", "--queue", "purple"], ["report", "occupancy", "--date", "2026-11-02", "--agent", "9999"]] {
            let result = try setup.binary.run(arguments + ["--db", setup.database])
            #expect(result.status == 64, "\(arguments): \(result.stderr)")
            #expect(result.stderr.hasPrefix("Error: no "), "\(result.stderr)")
            #expect(result.stdout.isEmpty)
        }
    }

    @Test("the root command's help states the exit statuses")
    func helpStatesExitStatuses() throws {
        let result = try CallStatsBinary.built().run(["--help"])
        #expect(result.status == 0)
        let help = result.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(help.contains("Exit status, for every command: 0 when it did what was asked; 64 for a usage error"), "\(help)")
        #expect(help.contains("1 when it could not do its work"))
        #expect(help.contains("`callstats status` also exits 1 when no collection session is live and 2 when the data is stale"))
    }
}
