import CallStatsTestSupport
import Foundation
import Storage
import Testing

@Suite("WriterLock: one writer process per database")
struct WriterLockTests {
    @Test("a second holder is refused with heldByAnotherProcess naming the lock file; the lock is free again once released")
    func secondHolderRefused() throws {
        let folder = try TemporaryFolder()
        let database = folder.path("calls.db")
        var first: WriterLock? = try WriterLock(databasePath: database)
        #expect(first?.path == database + ".lock")
        // flock conflicts between two open file descriptions, in one process as between two.
        #expect(throws: WriterLockError.heldByAnotherProcess(lockPath: database + ".lock")) {
            try WriterLock(databasePath: database)
        }
        first = nil
        let again = try WriterLock(databasePath: database)
        #expect(again.path == database + ".lock")
    }

    @Test("a lock file that cannot be opened is cannotOpen, with the path and the system's reason")
    func cannotOpen() throws {
        let folder = try TemporaryFolder()
        let database = folder.path("nowhere/calls.db")
        do {
            _ = try WriterLock(databasePath: database)
            Issue.record("the lock was taken in a missing folder")
        } catch {
            #expect(error == .cannotOpen(lockPath: database + ".lock", reason: String(cString: strerror(ENOENT))))
            #expect(error.description == "cannot open the lock file \(database).lock: \(String(cString: strerror(ENOENT)))")
        }
    }

    @Test("each failure's description names the lock file")
    func descriptions() {
        #expect(WriterLockError.heldByAnotherProcess(lockPath: "/data/calls.db.lock").description
            == "another callstats process (a collector, an import or a replay) is writing to this database: it holds /data/calls.db.lock")
        #expect(WriterLockError.cannotLock(lockPath: "/data/calls.db.lock", reason: "No locks available").description
            == "cannot lock /data/calls.db.lock: No locks available")
    }
}
