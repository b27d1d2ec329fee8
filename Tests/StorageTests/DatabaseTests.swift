import CallStatsTestSupport
import Foundation
import Testing
@testable import Storage

@Suite("Connections and transactions")
struct DatabaseTests {
    @Test("a writer connection is in WAL mode with synchronous NORMAL and foreign keys on")
    func writerSettings() throws {
        let folder = try TemporaryFolder()
        let database = try Database(path: folder.path("settings.db"))
        #expect(try database.fetchString("PRAGMA journal_mode") == "wal")
        #expect(try database.fetchInt64("PRAGMA synchronous") == 1)
        #expect(try database.fetchInt64("PRAGMA foreign_keys") == 1)
        #expect(try database.fetchInt64("PRAGMA busy_timeout") == 5_000)
    }

    @Test("a new database gets 8 KiB pages; an existing one keeps its page size")
    func pageSize() throws {
        let folder = try TemporaryFolder()
        let new = try Database(path: folder.path("new.db"))
        try new.execute(sql: "CREATE TABLE t (x)")
        #expect(try new.fetchInt64("PRAGMA page_size") == 8192)
        // A database made elsewhere with 4 KiB pages, opened as the writer.
        let old = try Database(path: folder.path("old.db"), mode: .readWrite)
        try old.execute(sql: "PRAGMA journal_mode = DELETE")
        try old.execute(sql: "PRAGMA page_size = 4096")
        try old.execute(sql: "VACUUM")
        try old.execute(sql: "CREATE TABLE u (x)")
        #expect(try old.fetchInt64("PRAGMA page_size") == 4096)
        let reopened = try Database(path: folder.path("old.db"))
        #expect(try reopened.fetchInt64("PRAGMA page_size") == 4096)
        #expect(try reopened.fetchString("PRAGMA journal_mode") == "wal")
    }

    @Test("a new database file is readable by its owner only")
    func fileMode() throws {
        let folder = try TemporaryFolder()
        let path = folder.path("private.db")
        _ = try Database(path: path)
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        let permissions = try #require(attributes[.posixPermissions] as? NSNumber)
        #expect(permissions.intValue & 0o777 == 0o600)
    }

    @Test("a failing statement inside a transaction rolls all of it back")
    func rollback() throws {
        let folder = try TemporaryFolder()
        let database = try Database(path: folder.path("rollback.db"))
        try database.execute(sql: "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL) STRICT")
        try database.execute("INSERT INTO t (v) VALUES (?)", "kept")
        #expect(throws: StorageError.self) {
            try database.write {
                try database.execute("INSERT INTO t (v) VALUES (?)", "first")
                try database.execute("UPDATE t SET v = ? WHERE v = ?", "changed", "kept")
                let missing: String? = nil
                try database.execute("INSERT INTO t (v) VALUES (?)", missing) // NOT NULL fails
            }
        }
        #expect(!database.isInTransaction)
        #expect(try database.fetchInt64("SELECT count(*) FROM t") == 1)
        #expect(try database.fetchString("SELECT v FROM t") == "kept")
    }

    @Test("an error thrown by Swift code inside a transaction rolls it back too")
    func rollbackOnSwiftError() throws {
        struct Refused: Error {}
        let folder = try TemporaryFolder()
        let database = try Database(path: folder.path("swift-error.db"))
        try database.execute(sql: "CREATE TABLE t (v INTEGER) STRICT")
        #expect(throws: Refused.self) {
            try database.write {
                try database.execute("INSERT INTO t VALUES (?)", 1)
                throw Refused()
            }
        }
        #expect(try database.fetchInt64("SELECT count(*) FROM t") == 0)
        // And the connection is usable afterwards.
        try database.write { try database.execute("INSERT INTO t VALUES (?)", 2) }
        #expect(try database.fetchInt64("SELECT sum(v) FROM t") == 2)
    }

    @Test("write transactions begin IMMEDIATE: a second writer waits, then fails busy")
    func immediateWriteLock() throws {
        let folder = try TemporaryFolder()
        let path = folder.path("lock.db")
        let first = try Database(path: path)
        try first.execute(sql: "CREATE TABLE t (v INTEGER) STRICT")
        let second = try Database(path: path, busyTimeout: 50)
        try first.write {
            do {
                // BEGIN IMMEDIATE itself must fail: the lock is taken up front, not at the first write.
                try second.write {}
                Issue.record("a second write transaction began while the first held the lock")
            } catch let error as StorageError {
                #expect(error.isBusy)
                #expect(error.sql == "BEGIN IMMEDIATE")
            }
        }
        try second.write { try second.execute("INSERT INTO t VALUES (?)", 1) }
    }

    @Test("a reader on its own connection sees one consistent snapshot while the writer commits")
    func readerSnapshot() throws {
        let folder = try TemporaryFolder()
        let path = folder.path("snapshot.db")
        let writer = try Database(path: path)
        try writer.execute(sql: "CREATE TABLE t (v INTEGER) STRICT")
        try writer.write { try writer.execute("INSERT INTO t VALUES (?)", 1) }
        let reader = try Database(path: path, mode: .readOnly)
        try reader.read {
            #expect(try reader.fetchInt64("SELECT count(*) FROM t") == 1)
            for value in 2...5 {
                try writer.write { try writer.execute("INSERT INTO t VALUES (?)", value) }
            }
            // Same transaction: the four commits above are invisible.
            #expect(try reader.fetchInt64("SELECT count(*) FROM t") == 1)
            #expect(try reader.fetchInt64("SELECT sum(v) FROM t") == 1)
        }
        // A new transaction sees them.
        #expect(try reader.fetchInt64("SELECT count(*) FROM t") == 5)
    }

    @Test("a read-only connection cannot write")
    func readOnly() throws {
        let folder = try TemporaryFolder()
        let path = folder.path("readonly.db")
        let writer = try Database(path: path)
        try writer.execute(sql: "CREATE TABLE t (v INTEGER) STRICT")
        let reader = try Database(path: path, mode: .readOnly)
        #expect(throws: StorageError.self) {
            try reader.execute("INSERT INTO t VALUES (?)", 1)
        }
    }

    @Test("read-only never creates a missing file")
    func readOnlyMissing() throws {
        let folder = try TemporaryFolder()
        let path = folder.path("missing.db")
        #expect(throws: StorageError.self) { _ = try Database(path: path, mode: .readOnly) }
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test("a file that is not a database is refused when opened, with SQLite's reason")
    func garbageFile() throws {
        let folder = try TemporaryFolder()
        let path = folder.path("garbage.db")
        try Data(repeating: 0x41, count: 8192).write(to: URL(fileURLWithPath: path))
        for mode in [Database.AccessMode.readWrite, .readOnly] {
            do {
                _ = try Database(path: path, mode: mode)
                Issue.record("garbage opened as \(mode)")
            } catch {
                #expect(error.primaryResultCode == 26) // SQLITE_NOTADB
            }
        }
        // And the file is left as it was.
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data(repeating: 0x41, count: 8192))
    }

    @Test("a missing folder is an error, not a crash")
    func missingFolder() throws {
        let folder = try TemporaryFolder()
        #expect(throws: StorageError.self) {
            _ = try Database(path: folder.path("no/such/folder/x.db"))
        }
    }
}
