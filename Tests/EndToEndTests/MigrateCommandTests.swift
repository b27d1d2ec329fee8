import CallStatsTestSupport
import Foundation
import Storage
import Testing

@Suite("callstats migrate, --version and --help, run as a process")
struct MigrateCommandTests {
    @Test("migrate creates the database, prints the schema version, and is idempotent")
    func migrateCreates() throws {
        let binary = try CallStatsBinary.built()
        let folder = try TemporaryFolder()
        let path = folder.path("calls.db")
        let latest = try Migrator.embedded().latestVersion
        let first = try binary.run(["migrate", "--db", path])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.hasPrefix("schema version \(latest) (upgraded from 0"))
        let second = try binary.run(["migrate", "--db", path])
        #expect(second.status == 0)
        #expect(second.stdout == "schema version \(latest) (up to date)\n")
        let database = try Database(path: path, mode: .readOnly)
        #expect(try database.fetchInt64("PRAGMA user_version") == Int64(latest))
    }

    @Test("the binary copied alone into another folder still migrates: the SQL is embedded")
    func selfContained() throws {
        let binary = try CallStatsBinary.built()
        let folder = try TemporaryFolder()
        let alone = try binary.copy(to: folder.url.appendingPathComponent("callstats"))
        let result = try alone.run(["migrate", "--db", "alone.db"], currentDirectory: folder.url)
        #expect(result.status == 0, "\(result.stderr)")
        let database = try Database(path: folder.path("alone.db"), mode: .readOnly)
        #expect(try database.fetchInt64("SELECT count(*) FROM sqlite_master WHERE name = 'journal_block'") == 1)
    }

    @Test("a garbage file as --db gets one clear line of error, a non-zero exit, and is left alone")
    func garbage() throws {
        let binary = try CallStatsBinary.built()
        let folder = try TemporaryFolder()
        let path = folder.path("garbage.db")
        let garbage = Data("this is not a database, it is a shopping list\n".utf8) + Data(repeating: 7, count: 4096)
        try garbage.write(to: URL(fileURLWithPath: path))
        let result = try binary.run(["migrate", "--db", path])
        #expect(result.status != 0)
        #expect(result.stderr == "Error: \(path): not a SQLite database (file is not a database)\n")
        #expect(result.stdout.isEmpty)
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == garbage)
    }

    @Test("a --db in a missing folder gets one clear line of error")
    func missingFolder() throws {
        let binary = try CallStatsBinary.built()
        let folder = try TemporaryFolder()
        let path = folder.path("nowhere/calls.db")
        let result = try binary.run(["migrate", "--db", path])
        #expect(result.status != 0)
        #expect(result.stderr == "Error: \(path): the folder \(folder.path("nowhere")) does not exist\n")
    }

    @Test("a folder where the --db file should be gets one clear line of error")
    func unreadable() throws {
        let binary = try CallStatsBinary.built()
        let folder = try TemporaryFolder()
        let path = folder.path("locked.db")
        // A directory where the file should be is unreadable as a database even for root.
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        let result = try binary.run(["migrate", "--db", path])
        #expect(result.status == 1)
        #expect(result.stderr == "Error: \(path) is a folder, not a database file (give the file's path, such as \(path)/calls.db)\n")
    }

    @Test("a database written by a newer callstats is refused with a message that says so")
    func newerRefused() throws {
        let binary = try CallStatsBinary.built()
        let folder = try TemporaryFolder()
        let path = folder.path("newer.db")
        #expect(try binary.run(["migrate", "--db", path]).status == 0)
        let latest = try Migrator.embedded().latestVersion
        do {
            let database = try Database(path: path)
            try database.execute(sql: "PRAGMA user_version = \(latest + 1)")
        }
        let result = try binary.run(["migrate", "--db", path])
        #expect(result.status != 0)
        #expect(result.stderr.contains("newer callstats"))
        #expect(result.stderr.split(separator: "\n").count == 1)
    }

    @Test("--version prints the version; --help works on the root and on every command")
    func versionAndHelp() throws {
        let binary = try CallStatsBinary.built()
        let version = try binary.run(["--version"])
        #expect(version.status == 0)
        #expect(version.stdout.range(of: #"^\d+\.\d+\.\d+\n$"#, options: .regularExpression) != nil)
        let help = try binary.run(["--help"])
        #expect(help.status == 0)
        // Every subcommand listed in the root help answers --help too.
        let lines = help.stdout.components(separatedBy: "\n")
        guard let start = lines.firstIndex(of: "SUBCOMMANDS:") else {
            Issue.record("no SUBCOMMANDS section in --help")
            return
        }
        let section = lines[(start + 1)...].prefix { !$0.isEmpty }
        let commands = section
            .compactMap { line -> String? in
                guard line.hasPrefix("  "), !line.hasPrefix("   ") else { return nil }
                return line.split(separator: " ").first.map(String.init)
            }
        #expect(commands.contains("migrate"))
        for command in commands where command != "help" {
            let result = try binary.run([command, "--help"])
            #expect(result.status == 0, "\(command) --help failed: \(result.stderr)")
            #expect(result.stdout.contains("USAGE: callstats \(command)"))
        }
    }
}
