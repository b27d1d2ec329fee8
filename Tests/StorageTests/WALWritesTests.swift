import CallStatsTestSupport
import CallStatsSQLite
import Foundation
import Testing
@testable import Storage

/// The writer's WAL appends go through the `callstats-wal` VFS, which gathers them into large
/// writes (docs/ARCHITECTURE.md, "WAL writes"). What must hold: every commit is whole in the
/// file before anyone can see it, a failed write fails the commit, and the files are ordinary
/// SQLite files.
@Suite("WAL writes gathered by the callstats-wal VFS")
struct WALWritesTests {
    /// A writer with a table of `n`-byte blobs, checkpoints left to nobody (so the WAL only grows).
    private func makeWriter(_ folder: TemporaryFolder, cachePages: Int? = nil) throws -> Database {
        let database = try Database(path: folder.path("wal.db"))
        try database.execute(sql: "PRAGMA wal_autocheckpoint = 0")
        if let cachePages {
            try database.execute(sql: "PRAGMA cache_size = \(cachePages)")
        }
        try database.execute(sql: "CREATE TABLE item (id INTEGER PRIMARY KEY, batch INTEGER NOT NULL, body BLOB NOT NULL)")
        try database.execute(sql: "CREATE INDEX item_batch ON item (batch, body)")
        return database
    }

    private func insert(_ database: Database, batch: Int, rows: Int, bytes: Int = 300) throws {
        let statement = try database.cachedStatement("INSERT INTO item (batch, body) VALUES (?, ?)")
        for row in 0..<rows {
            // Distinct bodies, so the index's pages are spread like a real one's.
            var body = [UInt8](repeating: UInt8(truncatingIfNeeded: row), count: bytes)
            body[0] = UInt8(truncatingIfNeeded: row >> 8)
            body[1] = UInt8(truncatingIfNeeded: batch)
            try statement.run(Int64(batch), body)
        }
    }

    /// On a writer with a 10-page cache: a transaction that spills to the WAL before it commits
    /// and changes pages it already wrote there, which SQLite then rewrites in place.
    private func commitRewritingFrames(_ writer: Database) throws {
        try writer.write {
            try insert(writer, batch: 1, rows: 2_000)
            try writer.execute(sql: "UPDATE item SET body = zeroblob(250) WHERE id % 3 = 0")
            try writer.execute(sql: "UPDATE item SET batch = 2 WHERE id % 5 = 0")
        }
    }

    /// The database file and its WAL copied as they are, with no checkpoint (what a crash now
    /// would leave), opened: SQLite rebuilds the WAL index from the WAL file alone.
    private func copyAsACrashWouldLeaveIt(_ folder: TemporaryFolder) throws -> Database {
        for suffix in ["", "-wal"] {
            try FileManager.default.copyItem(atPath: folder.path("wal.db" + suffix), toPath: folder.path("copy.db" + suffix))
        }
        return try Database(path: folder.path("copy.db"), mode: .readOnly)
    }

    private func walSize(_ folder: TemporaryFolder) throws -> Int64 {
        let attributes = try FileManager.default.attributesOfItem(atPath: folder.path("wal.db-wal"))
        return (attributes[.size] as? NSNumber)?.int64Value ?? -1
    }

    @Test("a commit's frames reach the WAL file in a few large writes, all of them, before COMMIT returns")
    func gathered() throws {
        let folder = try TemporaryFolder()
        let writer = try makeWriter(folder)
        let before = try #require(writer.walWriteCounts)
        try writer.write { try insert(writer, batch: 1, rows: 3_000) }
        let after = try #require(writer.walWriteCounts)
        let received = after.writesReceived - before.writesReceived
        let issued = after.writesIssued - before.writesIssued
        // Two writes per frame (header, page) asked for; a handful actually made.
        #expect(received > 400)
        #expect(issued * 20 < received)
        // Every byte asked for is in the file when COMMIT returns: here the WAL only grows,
        // so it is exactly as long as everything SQLite wrote to it, in whole frames.
        #expect(after.bytesWritten == after.bytesReceived)
        #expect(after.barrierWrites == 0)
        #expect(try walSize(folder) == after.bytesReceived)
        let frames = (after.bytesReceived - 32) / (4_096 + 24)
        #expect(32 + frames * (4_096 + 24) == after.bytesReceived)
    }

    @Test("a reader on another file handle sees each commit whole as soon as it returns")
    func readersSeeCommits() throws {
        let folder = try TemporaryFolder()
        let writer = try makeWriter(folder)
        let reader = try Database(path: folder.path("wal.db"), mode: .readOnly)
        #expect(reader.walWriteCounts == nil)
        var expected: Int64 = 0
        for batch in 1...40 {
            let rows = batch * 37 % 500 + 1
            try writer.write { try insert(writer, batch: batch, rows: rows) }
            expected += Int64(rows)
            // The reader reads the WAL through its own descriptor, so it finds every frame of
            // the commit in the file or fails (a short read, a checksum, a malformed page).
            let seen = try reader.read { () throws -> (Int64?, Int64?, String?) in
                (try reader.fetchInt64("SELECT count(*) FROM item"),
                 try reader.fetchInt64("SELECT count(*) FROM item WHERE batch = ?", Int64(batch)),
                 try reader.fetchString("PRAGMA quick_check"))
            }
            #expect(seen.0 == expected)
            #expect(seen.1 == Int64(rows))
            #expect(seen.2 == "ok")
        }
    }

    @Test("the files left at any commit are whole SQLite files: a copy taken then recovers every commit")
    func copyAtCommitRecovers() throws {
        let folder = try TemporaryFolder()
        // A page cache of 10 pages: the transaction spills to the WAL before it commits, and
        // SQLite rewrites frames it already wrote (the gathered writes must keep that order).
        let writer = try makeWriter(folder, cachePages: 10)
        try commitRewritingFrames(writer)
        try writer.write { try insert(writer, batch: 3, rows: 700) }
        // Every commit was whole in the file before its page write returned: the barrier, the
        // second guard, had nothing to write (also when SQLite rewrote headers after the page).
        #expect(writer.walWriteCounts?.barrierWrites == 0)
        let copy = try copyAsACrashWouldLeaveIt(folder)
        #expect(try copy.fetchString("PRAGMA integrity_check") == "ok")
        for (label, sql) in [
            ("rows", "SELECT count(*) FROM item"),
            ("batch 2", "SELECT count(*) FROM item WHERE batch = 2"),
            ("batch 3", "SELECT count(*) FROM item WHERE batch = 3"),
            ("zeroed", "SELECT count(*) FROM item WHERE body = zeroblob(250)"),
            ("bytes", "SELECT sum(length(body)) FROM item"),
        ] {
            let original = try writer.fetchInt64(sql)
            #expect(try copy.fetchInt64(sql) == original, "\(label)")
        }
        #expect(try copy.fetchInt64("SELECT count(*) FROM item") == 2_700)
    }

    @Test("a failed write of gathered appends fails COMMIT; what was committed stays, and the next commit works")
    func failedWrite() throws {
        let folder = try TemporaryFolder()
        let writer = try makeWriter(folder)
        try writer.write { try insert(writer, batch: 1, rows: 500) }
        #expect(writer.failNextWALWrite())
        let failure = try #require(throws: StorageError.self) {
            try writer.write { try insert(writer, batch: 2, rows: 500) }
        }
        #expect(failure.resultCode & 0xff == SQLITE_IOERR, "\(failure)")
        #expect(!writer.isInTransaction)

        let reader = try Database(path: folder.path("wal.db"), mode: .readOnly)
        #expect(try reader.fetchInt64("SELECT count(*) FROM item") == 500)
        #expect(try reader.fetchInt64("SELECT count(*) FROM item WHERE batch = 9") == 0)

        try writer.write { try insert(writer, batch: 3, rows: 400) }
        #expect(try reader.fetchInt64("SELECT count(*) FROM item") == 900)
        #expect(try reader.fetchString("PRAGMA integrity_check") == "ok")
        let copy = try copyAsACrashWouldLeaveIt(folder)
        #expect(try copy.fetchInt64("SELECT count(*) FROM item") == 900)
        #expect(try copy.fetchInt64("SELECT count(*) FROM item WHERE batch = 2") == 0)
        #expect(try copy.fetchString("PRAGMA integrity_check") == "ok")
    }

    @Test("the writer's checkpoints and a restarted WAL read back through the VFS")
    func checkpointAndRestart() throws {
        let folder = try TemporaryFolder()
        let writer = try makeWriter(folder)
        for batch in 1...6 {
            try writer.write { try insert(writer, batch: batch, rows: 800) }
            // A RESTART checkpoint reads the frames back (through the same VFS) into the
            // database file; the next commit writes the WAL from its start again.
            _ = try writer.checkpoint(batch.isMultiple(of: 2) ? .restart : .passive).get()
        }
        let reader = try Database(path: folder.path("wal.db"), mode: .readOnly)
        #expect(try reader.fetchInt64("SELECT count(*) FROM item") == 4_800)
        #expect(try reader.fetchString("PRAGMA integrity_check") == "ok")
    }

    @Test("the WAL file reads back exactly what was written, in order, whatever the pattern of writes")
    func modelOfWrites() throws {
        let folder = try TemporaryFolder()
        let writer = try makeWriter(folder)
        try writer.write { try insert(writer, batch: 1, rows: 10) }
        // The connection's WAL file, as SQLite holds it (the gathering VFS's file).
        var pointer: UnsafeMutableRawPointer?
        #expect(sqlite3_file_control(writer.handle, "main", SQLITE_FCNTL_JOURNAL_POINTER, &pointer) == SQLITE_OK)
        let wal = try #require(pointer?.assumingMemoryBound(to: sqlite3_file.self))
        let methods = try #require(wal.pointee.pMethods?.pointee)
        let write = try #require(methods.xWrite), read = try #require(methods.xRead)
        let truncate = try #require(methods.xTruncate), fileSize = try #require(methods.xFileSize)
        var originalSize: sqlite3_int64 = 0
        #expect(fileSize(wal, &originalSize) == SQLITE_OK)

        // Far past anything SQLite reads (it reads only frames a commit covers), on an idle
        // connection: appends, rewrites inside and before what is still gathered, jumps, and
        // writes larger than the gathering buffer, checked against a model of the file.
        let base: Int64 = 64 << 20
        let span = 3 << 20
        var model = [UInt8](repeating: 0, count: span)
        var written = 0
        var position = 0
        var random = SystemRandomNumberGenerator()
        var fill: UInt8 = 1
        for step in 0..<3_000 {
            let choice = Int.random(in: 0..<100, using: &random)
            if choice < 12 {
                // Read back a range (zeros past the end of the file, SQLite's short read).
                let start = Int.random(in: 0..<max(1, written), using: &random)
                let count = min(Int.random(in: 1...9_000, using: &random), span - start)
                var buffer = [UInt8](repeating: 0xEE, count: count)
                let code = buffer.withUnsafeMutableBytes { read(wal, $0.baseAddress, Int32(count), base + Int64(start)) }
                #expect(code == SQLITE_OK || code == SQLITE_IOERR | (2 << 8))  // SQLITE_IOERR_SHORT_READ
                #expect(firstDifference(buffer, model[start..<start + count]) == nil, "read at step \(step)")
                continue
            }
            if choice < 27, written > 0 {
                position = Int.random(in: 0..<written, using: &random)  // rewrite something written
            } else if choice < 32 {
                position = Int.random(in: 0..<(span - 300_000), using: &random)  // jump
            }
            let sizes = [24, 4_096, 32, Int.random(in: 1...6_000, using: &random), 140_000]
            let size = min(sizes[Int.random(in: 0..<(choice < 95 ? 4 : 5), using: &random)], span - position)
            guard size > 0 else { position = 0; continue }
            fill = fill &+ 1
            var bytes = [UInt8](repeating: fill, count: size)
            if size == 24 { bytes[4] = step.isMultiple(of: 7) ? 1 : 0 }  // now and then a "commit" header
            let code = bytes.withUnsafeBytes { write(wal, $0.baseAddress, Int32(size), base + Int64(position)) }
            #expect(code == SQLITE_OK)
            model.replaceSubrange(position..<position + size, with: bytes)
            position += size
            written = max(written, position)
        }
        // Everything, through the VFS and then through a descriptor of its own.
        var whole = [UInt8](repeating: 0, count: written)
        let code = whole.withUnsafeMutableBytes { read(wal, $0.baseAddress, Int32(written), base) }
        #expect(code == SQLITE_OK)
        #expect(firstDifference(whole, model[0..<written]) == nil)
        let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: folder.path("wal.db-wal")))
        try handle.seek(toOffset: UInt64(base))
        let fromDisk = try #require(try handle.read(upToCount: written))
        #expect(firstDifference(Array(fromDisk), model[0..<written]) == nil)
        try handle.close()
        #expect(truncate(wal, originalSize) == SQLITE_OK)
        #expect(try writer.fetchString("PRAGMA integrity_check") == "ok")
    }

    @Test("commits of every size are written out by their own page write, never left to the barrier")
    func commitsOfEverySize() throws {
        let folder = try TemporaryFolder()
        let writer = try makeWriter(folder)
        var frameCounts = Set<Int64>()
        var previous = try #require(writer.walWriteCounts)
        for rows in 1...160 {
            try writer.write { try insert(writer, batch: rows, rows: rows, bytes: 900) }
            let now = try #require(writer.walWriteCounts)
            frameCounts.insert((now.bytesReceived - previous.bytesReceived) / (4_096 + 24))
            previous = now
            #expect(now.barrierWrites == 0, "after a commit of \(rows) rows")
            #expect(try walSize(folder) == now.bytesReceived)
        }
        // Among them, commits whose commit header ends a full buffer (29 frames of 4,120 bytes
        // and a 24-byte header fill 120 KiB; the page does not fit).
        #expect(frameCounts.contains { $0 > 1 && ($0 - 1) % 29 == 0 })
    }

    @Test("a one-page commit right after a commit that rewrote frames is written out by its own page write")
    func onePageCommitAfterRewrite() throws {
        let folder = try TemporaryFolder()
        let writer = try makeWriter(folder, cachePages: 10)
        // SQLite rewrites the frame headers after the commit page, the commit frame's header
        // last, with no page after it.
        try commitRewritingFrames(writer)
        // A commit of one page (the database header's user version): its only frame is the
        // commit frame, whose header comes first in the transaction.
        try writer.execute(sql: "PRAGMA user_version = 7")
        let counts = try #require(writer.walWriteCounts)
        #expect(counts.barrierWrites == 0)
        #expect(counts.bytesWritten == counts.bytesReceived)
        let reader = try Database(path: folder.path("wal.db"), mode: .readOnly)
        #expect(try reader.fetchInt64("PRAGMA user_version") == 7)
    }

    @Test("a transaction that spilled and rolled back leaves nothing gathered to land on another writer's frames")
    func rolledBackSpill() throws {
        let folder = try TemporaryFolder()
        let first = try makeWriter(folder, cachePages: 10)
        try first.write { try insert(first, batch: 1, rows: 5) }
        // Everything copied into the database file: the rollback below then reads nothing back
        // from the WAL (which would write out what is gathered while the lock is still held).
        _ = try first.checkpoint(.truncate).get()
        // More changed pages than the cache holds, so SQLite writes some to the WAL before the
        // transaction ends, and rows that sort last in the table and its index, so no page
        // written early is read back: the last pages written are still gathered at ROLLBACK.
        try first.execute(sql: "BEGIN IMMEDIATE")
        try first.execute(sql: """
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 40)
            INSERT INTO item (batch, body) SELECT 9, zeroblob(1000) FROM n
            """)
        let spilled = try #require(first.walWriteCounts)
        #expect(spilled.bytesReceived > spilled.bytesWritten, "the transaction spilled, and some of it is still gathered")
        first.rollback()
        // Another writer commits where the rolled-back frames were.
        let second = try Database(path: folder.path("wal.db"))
        try second.write { try insert(second, batch: 3, rows: 500, bytes: 900) }
        // The first connection reads again (SQLite's barrier runs as it opens its snapshot).
        #expect(try first.fetchInt64("SELECT count(*) FROM item") == 505)
        let reader = try Database(path: folder.path("wal.db"), mode: .readOnly)
        #expect(try reader.fetchInt64("SELECT count(*) FROM item WHERE batch = 3") == 500)
        #expect(try reader.fetchInt64("SELECT count(*) FROM item WHERE batch = 9") == 0)
        #expect(try reader.fetchString("PRAGMA integrity_check") == "ok")
        // And what a crash would leave now recovers the same.
        let copy = try copyAsACrashWouldLeaveIt(folder)
        #expect(try copy.fetchInt64("SELECT count(*) FROM item") == 505)
        #expect(try copy.fetchString("PRAGMA integrity_check") == "ok")
    }

    /// Where two byte ranges first differ (a short message instead of megabytes of bytes).
    private func firstDifference(_ bytes: [UInt8], _ expected: ArraySlice<UInt8>) -> String? {
        guard bytes.count == expected.count else { return "\(bytes.count) bytes, expected \(expected.count)" }
        for (offset, (byte, wanted)) in zip(bytes, expected).enumerated() where byte != wanted {
            return "byte \(offset): \(byte), expected \(wanted)"
        }
        return nil
    }
}
