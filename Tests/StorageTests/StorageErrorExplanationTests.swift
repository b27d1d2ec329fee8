import CallStatsTestSupport
import Foundation
import Storage
import Testing

@Suite("StorageError.explanation: SQLite's failures in words")
struct StorageErrorExplanationTests {
    @Test("each code a person can act on gets its words, SQLite's message kept, the SQL left out", arguments: [
        (26, "file is not a database", "not a SQLite database (file is not a database)"),               // SQLITE_NOTADB
        (14, "unable to open database file", "cannot open: unable to open database file (check the path and its permissions)"), // SQLITE_CANTOPEN
        (8, "attempt to write a readonly database", "cannot write: attempt to write a readonly database (check the file's and its folder's permissions)"), // SQLITE_READONLY
        (10 | (1 << 8), "disk I/O error", "the file could not be read or written: disk I/O error (check that it is a database file and that the disk works)"), // SQLITE_IOERR_READ: by primary code
        (11, "database disk image is malformed", "the database is damaged: database disk image is malformed"), // SQLITE_CORRUPT
        (13, "database or disk is full", "the disk is full: database or disk is full"),                 // SQLITE_FULL
        (5, "database is locked", "the database is locked by another process: database is locked"),     // SQLITE_BUSY
        (6, "database table is locked", "the database is locked by another process: database table is locked"), // SQLITE_LOCKED
        (5 | (2 << 8), "database is locked", "the database is locked by another process: database is locked"), // SQLITE_BUSY_SNAPSHOT: by primary code
        (1, "no such table: agent", "no such table: agent"),                                           // SQLITE_ERROR: the message alone
    ] as [(Int32, String, String)])
    func explanation(code: Int32, message: String, expected: String) {
        let error = StorageError(resultCode: code, message: message, sql: "SELECT *\nFROM agent")
        #expect(error.explanation == expected)
        #expect(!error.explanation.contains("\n"))
    }

    @Test("a database moved while open is explained by its own message, not as a permissions problem")
    func moved() throws {
        let folder = try TemporaryFolder()
        let path = folder.path("calls.db")
        let (database, _) = try Database.openWriter(path: path)
        try FileManager.default.moveItem(atPath: path, toPath: folder.path("moved.db"))
        do {
            try database.write { try database.execute(sql: "CREATE TABLE moved_test (x)") }
            Issue.record("a commit into a moved file was accepted")
        } catch let error as StorageError {
            #expect(error.isDatabaseMoved)
            #expect(error.explanation == "\(path) was renamed, replaced or deleted while open: nothing more is written to it")
        }
    }
}
