import CallStatsTestSupport
import Foundation
import Testing
@testable import Storage

@Suite("Migrations")
struct MigratorTests {
    /// Everything that defines the database's content: schema, rows of every table, version.
    static func dump(_ database: Database) throws -> [String] {
        var lines: [String] = []
        var tables: [String] = []
        try database.makeStatement("SELECT type, name, sql FROM sqlite_master ORDER BY type, name").forEachRow { row in
            lines.append("\(row.string(0) ?? "") \(row.string(1) ?? "") \(row.string(2) ?? "")")
            if row.string(0) == "table" { tables.append(row.string(1) ?? "") }
        }
        for table in tables where table != "schema_migration" {
            let quoted = "\"" + table.replacingOccurrences(of: "\"", with: "\"\"") + "\""
            try database.makeStatement("SELECT * FROM \(quoted) ORDER BY 1").forEachRow { row in
                lines.append(table + ": " + (0..<row.columnCount).map { "\(row.value($0))" }.joined(separator: "|"))
            }
        }
        lines.append("user_version \(try database.fetchInt64("PRAGMA user_version") ?? -1)")
        return lines
    }

    @Test("the embedded migrations are exactly the files in migrations/, numbered without gaps")
    func embeddedMatchesFolder() throws {
        let folder = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("migrations")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
            .filter { $0.hasSuffix(".sql") }.sorted()
        let migrator = try Migrator.embedded()
        #expect(migrator.migrations.map(\.fileName) == names)
        for migration in migrator.migrations {
            let onDisk = try String(contentsOf: folder.appendingPathComponent(migration.fileName), encoding: .utf8)
            #expect(migration.sql == onDisk)
        }
        #expect(migrator.latestVersion == names.count)
    }

    @Test("an empty file migrates to the latest version, and migrating again changes nothing")
    func migrateTwice() throws {
        let folder = try TemporaryFolder()
        let database = try Database(path: folder.path("twice.db"))
        let migrator = try Migrator.embedded()
        let first = try migrator.migrate(database)
        #expect(first.fromVersion == 0)
        #expect(first.toVersion == migrator.latestVersion)
        #expect(first.applied.count == migrator.migrations.count)
        let before = try Self.dump(database)
        let history = try database.fetchInt64("SELECT count(*) FROM schema_migration")
        let second = try migrator.migrate(database)
        #expect(second.applied.isEmpty)
        #expect(second.toVersion == migrator.latestVersion)
        #expect(try Self.dump(database) == before)
        #expect(try database.fetchInt64("SELECT count(*) FROM schema_migration") == history)
        #expect(try database.fetchString("PRAGMA integrity_check") == "ok")
        #expect(try database.fetchString("PRAGMA foreign_key_check") == nil)
    }

    @Test("an older database is upgraded in place, keeping its rows")
    func upgradeInPlace() throws {
        let folder = try TemporaryFolder()
        let path = folder.path("older.db")
        let one = Migration(version: 1, name: "first", sql: "CREATE TABLE agent (id TEXT PRIMARY KEY) STRICT;")
        let two = Migration(version: 2, name: "second", sql: "ALTER TABLE agent ADD COLUMN name TEXT;")
        do {
            let database = try Database(path: path)
            try Migrator(migrations: [one]).migrate(database)
            try database.execute("INSERT INTO agent (id) VALUES (?)", "7")
        }
        let database = try Database(path: path)
        let outcome = try Migrator(migrations: [one, two]).migrate(database)
        #expect(outcome == Migrator.Outcome(fromVersion: 1, toVersion: 2, applied: ["second"]))
        #expect(try database.fetchString("SELECT id FROM agent") == "7")
        #expect(try database.fetchInt64("SELECT count(*) FROM pragma_table_info('agent') WHERE name = 'name'") == 1)
        #expect(try database.fetchInt64("SELECT count(*) FROM schema_migration") == 2)
    }

    @Test("a database written by a newer callstats is refused, and left untouched")
    func newerRefused() throws {
        let folder = try TemporaryFolder()
        let database = try Database(path: folder.path("newer.db"))
        let migrator = try Migrator.embedded()
        try migrator.migrate(database)
        try database.execute(sql: "PRAGMA user_version = \(migrator.latestVersion + 1)")
        let before = try Self.dump(database)
        do {
            try migrator.migrate(database)
            Issue.record("a newer database was migrated")
        } catch let error as StorageError {
            #expect(error.message.contains("newer callstats"))
        }
        #expect(throws: StorageError.self) { try migrator.checkCurrent(database) }
        #expect(try Self.dump(database) == before)
    }

    @Test("a migration that fails leaves the database exactly as it was")
    func failedMigration() throws {
        let folder = try TemporaryFolder()
        let database = try Database(path: folder.path("failed.db"))
        let one = Migration(version: 1, name: "first", sql: "CREATE TABLE queue (id TEXT PRIMARY KEY) STRICT;")
        try Migrator(migrations: [one]).migrate(database)
        try database.execute("INSERT INTO queue (id) VALUES (?)", "3")
        let before = try Self.dump(database)
        // The first statements succeed, the last fails: none of it may remain.
        let broken = Migration(version: 2, name: "broken", sql: """
            CREATE TABLE visit (id INTEGER PRIMARY KEY) STRICT;
            INSERT INTO queue (id) VALUES ('4');
            CREATE INDEX broken ON no_such_table (x);
            """)
        do {
            try Migrator(migrations: [one, broken]).migrate(database)
            Issue.record("a broken migration succeeded")
        } catch let error as StorageError {
            #expect(error.message.contains("0002_broken.sql"))
        }
        #expect(try Self.dump(database) == before)
        #expect(try database.fetchInt64("SELECT count(*) FROM schema_migration") == 1)
    }

    @Test("a failing first migration leaves an empty file empty")
    func failedFirstMigration() throws {
        let folder = try TemporaryFolder()
        let database = try Database(path: folder.path("empty.db"))
        let broken = Migration(version: 1, name: "broken", sql: "CREATE TABLE a (x INTEGER); SELECT * FROM nothing;")
        #expect(throws: StorageError.self) { try Migrator(migrations: [broken]).migrate(database) }
        #expect(try database.fetchInt64("SELECT count(*) FROM sqlite_master") == 0)
        #expect(try database.fetchInt64("PRAGMA user_version") == 0)
    }

    @Test("migration files must be numbered 1, 2, 3 without gaps")
    func gapsRefused() throws {
        let one = Migration(version: 1, name: "a", sql: "")
        let three = Migration(version: 3, name: "c", sql: "")
        #expect(throws: StorageError.self) { _ = try Migrator(migrations: [one, three]) }
        #expect(throws: StorageError.self) { _ = try Migrator(migrations: [one, one]) }
        #expect(Migration(fileName: "0001_initial.sql", sql: "")?.version == 1)
        #expect(Migration(fileName: "1_initial.sql", sql: "") == nil)
        #expect(Migration(fileName: "0001_initial.txt", sql: "") == nil)
        #expect(Migration(fileName: "0000_zero.sql", sql: "") == nil)
    }

    @Test("readers refuse a database that needs migrating")
    func readerNeedsCurrent() throws {
        let folder = try TemporaryFolder()
        let path = folder.path("reader.db")
        _ = try Database(path: path)
        #expect(throws: StorageError.self) { _ = try Database.openReader(path: path) }
        _ = try Database.openWriter(path: path)
        let reader = try Database.openReader(path: path)
        #expect(try reader.fetchInt64("SELECT count(*) FROM journal_block") == 0)
    }
}
