import CallStatsTestSupport
import Foundation
import Testing
@testable import Storage

@Suite("Checkpoints on a background thread")
struct BackgroundCheckpointerTests {
    /// Commits `batches` transactions of `rows` rows of about 1 KiB each.
    func write(_ database: Database, batches: Int, rows: Int, after: (() -> Void)? = nil) throws {
        let payload = String(repeating: "x", count: 1_000)
        for _ in 0..<batches {
            try database.write {
                for _ in 0..<rows {
                    try database.execute("INSERT INTO t (v) VALUES (?)", payload)
                }
            }
            after?()
        }
    }

    func fileSize(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.intValue ?? 0
    }

    @Test("the writer no longer checkpoints in its commits; the thread copies the WAL into the database file")
    func copiesInBackground() async throws {
        let folder = try TemporaryFolder()
        let path = folder.path("background.db")
        let database = try Database(path: path)
        try database.execute(sql: "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL) STRICT")
        try database.leaveCheckpointsToBackground()
        #expect(try database.fetchInt64("PRAGMA wal_autocheckpoint") == 0)

        let checkpointer = BackgroundCheckpointer(databasePath: path, interval: 0.01)
        checkpointer.start()
        defer { checkpointer.stop() }
        try write(database, batches: 20, rows: 50) { checkpointer.afterCommit(writer: database) }

        // 1,000 rows of 1 KiB: the database file holds them once a pass has copied the WAL.
        // (The thread works on its own time: its progress is looked at, there is no event.)
        try await eventually("a pass that copied the WAL") { checkpointer.completedPasses > 0 && fileSize(path) > 1_000_000 }
        #expect(checkpointer.latestFailure == nil)
        checkpointer.stop()
        #expect(try database.fetchInt64("SELECT count(*) FROM t") == 1_000)
        #expect(try database.fetchString("PRAGMA integrity_check") == "ok")
    }

    @Test("under sustained commits the writer restarts the WAL, so it stays bounded")
    func walStaysBounded() throws {
        let folder = try TemporaryFolder()
        let path = folder.path("bounded.db")
        let database = try Database(path: path)
        try database.execute(sql: "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL) STRICT")
        try database.leaveCheckpointsToBackground()
        // At the default priority: the test waits for each pass, which a nice thread may not
        // get soon beside other tests (the bound itself does not depend on it).
        let checkpointer = BackgroundCheckpointer(databasePath: path, restartAbovePages: 100, interval: 0.001, niceness: 0)
        checkpointer.start()
        defer { checkpointer.stop() }

        // 40 MB in all, committed 200 KB at a time: without the restarts the WAL would hold
        // all of it (about 10,000 pages).
        var largestWAL = 0
        for _ in 0..<200 {
            try write(database, batches: 1, rows: 200)
            checkpointer.afterCommit(writer: database)
            largestWAL = max(largestWAL, fileSize(path + "-wal"))
            // The thread takes its turn after each commit (on a busy machine it could
            // otherwise fall behind, and the writer would decide on old news).
            let passes = checkpointer.completedPasses
            #expect(checkpointer.waitForPasses(moreThan: passes, timeout: 30))
        }
        #expect(largestWAL < 10 << 20, "the WAL grew to \(largestWAL) bytes")
        checkpointer.stop()
        #expect(try database.fetchInt64("SELECT count(*) FROM t") == 40_000)
        #expect(try database.fetchString("PRAGMA integrity_check") == "ok")
    }

    @Test("the thread runs at nice 10: it gives way to the threads that read and write lines")
    func niceThread() async throws {
        let folder = try TemporaryFolder()
        let path = folder.path("nice.db")
        _ = try Database(path: path)
        /// The nice value of each thread with the checkpointer's name.
        func checkpointerNiceValues() -> [Int] {
            let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
            return tasks.compactMap { task in
                guard let stat = try? String(contentsOfFile: "/proc/self/task/\(task)/stat", encoding: .utf8),
                      let open = stat.firstIndex(of: "("), let close = stat.lastIndex(of: ")"),
                      stat[stat.index(after: open)..<close] == BackgroundCheckpointer.threadName else { return nil }
                // Field 19 (nice), counted from the one after the name.
                let fields = stat[stat.index(after: close)...].split(separator: " ")
                return fields.count > 16 ? Int(fields[16]) : nil
            }
        }
        let checkpointer = BackgroundCheckpointer(databasePath: path)
        checkpointer.start()
        defer { checkpointer.stop() }
        // Other tests' checkpointers may run at nice 0 (they ask to), none at 10 but this one.
        try await eventually("the checkpointer thread at nice 10") { checkpointerNiceValues().contains(10) }
    }

    @Test("stop ends the thread and can be called again; a checkpointer never started stops at once")
    func stopIsIdempotent() throws {
        let folder = try TemporaryFolder()
        let path = folder.path("stop.db")
        _ = try Database(path: path)
        let never = BackgroundCheckpointer(databasePath: path)
        never.stop()
        let checkpointer = BackgroundCheckpointer(databasePath: path)
        checkpointer.start()
        checkpointer.stop()
        checkpointer.stop()
        #expect(checkpointer.completedPasses == 0)
    }
}
