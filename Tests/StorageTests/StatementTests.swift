import Foundation
import Testing
@testable import Storage

@Suite("Statements: binding and reading")
struct StatementTests {
    @Test("every storage class round-trips, NULL, empty blob, embedded NUL and non-ASCII text included")
    func roundTrip() throws {
        let folder = try TemporaryFolder()
        let database = try Database(path: folder.path("values.db"))
        try database.execute(sql: "CREATE TABLE value (id INTEGER PRIMARY KEY, v ANY) STRICT")
        let values: [DatabaseValue] = [
            .null,
            .integer(0),
            .integer(Int64.min),
            .integer(Int64.max),
            .real(1361268824.64),
            .real(-0.5),
            .real(Double.greatestFiniteMagnitude),
            .text(""),
            .text("plain"),
            .text("a\u{0}b\u{0}"),
            .text("Maricé Saprïtchà — 電話 📞"),
            .blob([]),
            .blob([0, 1, 2, 255, 0]),
        ]
        for value in values {
            try database.execute("INSERT INTO value (v) VALUES (?)", value)
        }
        var read: [DatabaseValue] = []
        try database.makeStatement("SELECT v FROM value ORDER BY id").forEachRow { row in
            read.append(row.value(0))
        }
        #expect(read == values)
        // The storage class itself survives, not just the value: an empty blob is not NULL
        // and an empty string is not a blob.
        let types = try database.makeStatement("SELECT typeof(v) FROM value ORDER BY id")
        var typeNames: [String] = []
        try types.forEachRow { typeNames.append($0.string(0) ?? "?") }
        #expect(typeNames == ["null", "integer", "integer", "integer", "real", "real", "real",
                              "text", "text", "text", "text", "blob", "blob"])
        #expect(try database.fetchInt64("SELECT length(CAST(v AS BLOB)) FROM value WHERE id = 10") == 4)
    }

    @Test("typed Swift values bind to the matching storage class, optionals to NULL")
    func typedBinding() throws {
        let folder = try TemporaryFolder()
        let database = try Database(path: folder.path("typed.db"))
        try database.execute(sql: "CREATE TABLE t (i INTEGER, r REAL, s TEXT, b BLOB, n TEXT, flag INTEGER) STRICT")
        let missing: String? = nil
        try database.execute("INSERT INTO t VALUES (?, ?, ?, ?, ?, ?)", 42, 2.5, "x", [UInt8]([9, 8]), missing, true)
        let row = try #require(try database.makeStatement("SELECT i, r, s, b, n, flag FROM t").firstRow { row in
            (row.int(0), row.double(1), row.string(2), row.bytes(3), row.string(4), row.int64(5), row.isNull(4))
        })
        #expect(row.0 == 42)
        #expect(row.1 == 2.5)
        #expect(row.2 == "x")
        #expect(row.3 == [9, 8])
        #expect(row.4 == nil)
        #expect(row.5 == 1)
        #expect(row.6)
    }

    @Test("a cached statement is prepared once and reused")
    func statementCache() throws {
        let folder = try TemporaryFolder()
        let database = try Database(path: folder.path("cache.db"))
        let first = try database.cachedStatement("SELECT 1")
        let second = try database.cachedStatement("SELECT 1")
        #expect(first === second)
        #expect(try database.makeStatement("SELECT 1") !== first)
    }

    @Test("a wrong number of values is an error naming the SQL")
    func parameterCountMismatch() throws {
        let folder = try TemporaryFolder()
        let database = try Database(path: folder.path("count.db"))
        #expect(throws: StorageError.self) {
            try database.execute("SELECT ?, ?", 1)
        }
    }

    @Test("an error carries the extended result code, SQLite's message and the SQL, never the bound values")
    func errorContents() throws {
        let folder = try TemporaryFolder()
        let database = try Database(path: folder.path("errors.db"))
        try database.execute(sql: "CREATE TABLE secret (v TEXT UNIQUE) STRICT")
        try database.execute("INSERT INTO secret (v) VALUES (?)", "hunter2-password")
        do {
            try database.execute("INSERT INTO secret (v) VALUES (?)", "hunter2-password")
            Issue.record("a duplicate insert succeeded")
        } catch {
            #expect(error.resultCode == 2067) // SQLITE_CONSTRAINT_UNIQUE
            #expect(error.primaryResultCode == 19) // SQLITE_CONSTRAINT
            #expect(error.message.contains("UNIQUE constraint failed"))
            #expect(error.sql == "INSERT INTO secret (v) VALUES (?)")
            #expect(!error.description.contains("hunter2"))
        }
    }

    @Test("a syntax error is reported at prepare time with its SQL")
    func prepareError() throws {
        let folder = try TemporaryFolder()
        let database = try Database(path: folder.path("syntax.db"))
        do {
            _ = try database.makeStatement("SELEC nonsense")
            Issue.record("bad SQL prepared")
        } catch {
            #expect(error.primaryResultCode == 1)
            #expect(error.sql == "SELEC nonsense")
            #expect(error.message.contains("syntax error"))
        }
    }
}
