import CallStatsTestSupport
import Foundation
import Storage
import Testing

@Suite("SQLite failures in the middle of a command")
struct StorageFailureMessageTests {
    @Test("a query failing after the database opened is one line naming the database, without the SQL")
    func failingQuery() throws {
        let binary = try CallStatsBinary.built()
        let folder = try TemporaryFolder()
        let path = folder.path("calls.db")
        do {
            let (database, _) = try Database.openWriter(path: path)
            try database.execute(sql: "PRAGMA foreign_keys = OFF")
            try database.execute(sql: "DROP TABLE collection_session")
        }
        let status = try binary.run(["status", "--db", path])
        #expect(status.status == 1)
        #expect(status.stderr == "Error: \(path): no such table: collection_session\n", "\(status.stderr)")
    }
}
