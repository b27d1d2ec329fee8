import CallStatsTestSupport
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

    @Test("text and blobs bound for a step survive until it runs, whatever their sizes from run to run (the statement copies them into an arena that grows between runs)")
    func boundBytesSurvive() throws {
        let folder = try TemporaryFolder()
        let database = try Database(path: folder.path("arena.db"))
        try database.execute(sql: "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b BLOB, c TEXT, d TEXT) STRICT")
        let insert = try database.makeStatement("INSERT INTO t (a, b, c, d) VALUES (?, ?, ?, ?)")
        var generator = SystemRandomNumberGenerator()
        var expected: [[DatabaseValue]] = []
        // Small, then far larger than any arena so far, then small again: every round either
        // fits, overflows into SQLite's own copies, or finds an arena grown for it.
        for size in [1, 10, 5_000, 3, 100_000, 70_000, 0, 20, 250_000, 8] {
            var text = String((0..<size).map { _ in Character(Unicode.Scalar(UInt8.random(in: 0x21...0x7E, using: &generator))) })
            if size > 2 { text += "é\u{0}電" }
            let blob = (0..<size).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let small = "s\(size)"
            let missing: String? = size % 2 == 0 ? nil : "odd"
            // The Swift strings are temporaries: only the statement's copies exist at the step.
            try insert.run(String(text), blob, String(small), missing)
            expected.append([.text(text), .blob(blob), .text(small), missing.map(DatabaseValue.text) ?? .null])
        }
        // The same through reset and one bind at a time, as the journal does.
        for size in [4_000, 9_000, 1] {
            insert.reset()
            let text = String(repeating: "x", count: size)
            try insert.bind(text, at: 1)
            try insert.bind(bytes: [UInt8](repeating: 7, count: size), at: 2)
            try insert.bind("c", at: 3)
            try insert.step()
            expected.append([.text(text), .blob([UInt8](repeating: 7, count: size)), .text("c"), .null])
        }
        var read: [[DatabaseValue]] = []
        try database.makeStatement("SELECT a, b, c, d FROM t ORDER BY id").forEachRow { row in
            read.append([row.value(0), row.value(1), row.value(2), row.value(3)])
        }
        #expect(read.count == expected.count)
        #expect(read == expected)
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
