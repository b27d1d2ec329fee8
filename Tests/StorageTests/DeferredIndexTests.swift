import CallStatsTestSupport
import Foundation
import Testing
@testable import Storage

/// Indexes dropped while an import catches up and built again (migration 0013).
@Suite("Deferred indexes")
struct DeferredIndexTests {
    static let index = "queue_visit_caller_number"

    static func indexSQL(_ database: Database, _ name: String = index) throws -> String? {
        try database.fetchString("SELECT sql FROM sqlite_schema WHERE type = 'index' AND name = ?", name)
    }

    @Test("a deferred index is gone and listed with its SQL; built again, it is the same index and the list is empty")
    func deferAndBuild() throws {
        let folder = try TemporaryFolder()
        let (database, _) = try Database.openWriter(path: folder.path("calls.db"))
        let original = try #require(try Self.indexSQL(database))

        try database.deferIndexes([Self.index, "no_such_index"])
        #expect(try Self.indexSQL(database) == nil)
        #expect(try database.deferredIndexNames() == [Self.index])
        #expect(try database.fetchString("SELECT sql FROM deferred_index WHERE name = ?", Self.index) == original)
        // A query the index served still runs, by a scan.
        #expect(try database.fetchInt64("SELECT count(*) FROM queue_visit WHERE caller_number = '0600000000'") == 0)

        try database.buildDeferredIndexes()
        #expect(try Self.indexSQL(database) == original)
        #expect(try database.deferredIndexNames() == [])
    }

    @Test("an index left deferred (the import was killed) is built by the next writer to open the database, not by a reader")
    func openWriterBuilds() throws {
        let folder = try TemporaryFolder()
        let path = folder.path("calls.db")
        let original: String
        do {
            let (database, _) = try Database.openWriter(path: path)
            original = try #require(try Self.indexSQL(database))
            try database.deferIndexes([Self.index])
        }
        let reader = try Database.openReader(path: path)
        #expect(try Self.indexSQL(reader) == nil)
        let (writer, _) = try Database.openWriter(path: path)
        #expect(try Self.indexSQL(writer) == original)
        #expect(try writer.deferredIndexNames() == [])
    }

    @Test("a name that is not a plain identifier is never put into SQL")
    func hostileName() throws {
        let folder = try TemporaryFolder()
        let (database, _) = try Database.openWriter(path: folder.path("calls.db"))
        try database.deferIndexes(["queue_visit_join; DROP TABLE queue_visit"])
        #expect(try database.deferredIndexNames() == [])
        #expect(try Self.indexSQL(database, "queue_visit_join") != nil)
        #expect(try database.fetchInt64("SELECT count(*) FROM queue_visit") == 0)
    }
}
