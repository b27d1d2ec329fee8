import CallStatsTestSupport
import Foundation
import Storage
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The real `callstats collect` process against a misbehaving peer (a scripted CTI server
/// over real TCP, or the simulator) and a misbehaving disk. RELIABILITY.md lists these tests
/// by fault; the long variants run with `CALLSTATS_LONG_TESTS=1`.
@Suite("Reliability of the collector process", .serialized, .timeLimit(.minutes(30)))
struct ReliabilityTests {
    static func collectArguments(_ setup: CollectorSetup, address: String) -> [String] {
        ["collect", "--server", address, "--user", "stats", "--password-file", setup.passwordFile,
         "--db", setup.database, "--tls", "off", "--log-level", "info"]
    }

    static func collector(_ setup: CollectorSetup, address: String, log: String = "collect.log",
                          user: (uid: UInt32, gid: UInt32)? = nil) throws -> LoggedProcess {
        try LoggedProcess(binary: setup.binary, arguments: collectArguments(setup, address: address),
                          logPath: setup.folder.path(log), user: user)
    }

    static func statistics(_ n: Int) -> String {
        #"{"class":"getqueuesstats","stats":{"3":{"Xivo-WaitingCalls":\#(n % 9)}},"timenow":\#(1550000100 + n / 100).\#(n % 100)}"#
    }

    /// What `collection stopped: shutdown; N lines received, all committed` says.
    static func receivedCount(_ log: String) -> Int64? {
        log.firstMatch(of: /(\d+) lines received, all committed/).flatMap { Int64($0.1) }
    }

    // MARK: The stream

    @Test("a 100 MB line: the collector keeps its first KiB as an oversized line, drops the connection at the 4 MiB limit with its memory bounded (VmHWM), and reconnects")
    func hugeLine() async throws {
        let setup = try CollectorFaultTests.setup()
        let peer = try ScriptedPeer()
        let collector = try Self.collector(setup, address: peer.address)
        let first = try await offPool { try peer.accept() }
        try await offPool { try first.serveLogin() }
        for n in 0..<100 { first.send(Self.statistics(n)) }
        try await eventually("the ordinary lines to be committed") { Reliability.journalCount(setup.database) == 103 }
        let before = try #require(collector.memory(), "no /proc/\(collector.pid)/status")

        // 100 MB of one line, 1 MiB at a time, for as long as the collector takes it.
        let total = 100 << 20
        let chunk = [UInt8](repeating: UInt8(ascii: "A"), count: 1 << 20)
        let sent = try await offPool { () -> Int in
            var sent = 0
            if first.write(Array(#"{"class":"sheet","payload":""#.utf8)) {
                while sent < total && first.write(chunk) { sent += chunk.count }
            }
            first.close()
            return sent
        }
        let second = try await offPool { try peer.accept() }
        try await offPool { try second.serveLogin() }
        let after = try #require(collector.memory())
        let growth = after.peak - before.peak
        print("hugeLine: VmHWM \(before.peak) KiB before the line, \(after.peak) KiB after (+\(growth) KiB); \(sent >> 20) MiB of the 100 MiB line accepted by the socket")
        // Far below the line's size: the framer stops at its 4 MiB limit.
        #expect(growth < 32 * 1024)
        #expect(sent < total)

        try await eventually("the oversized line's row") {
            Reliability.reading(setup.database) {
                try $0.fetchInt64("SELECT count(*) FROM journal_malformed WHERE reason LIKE 'line longer than the limit%'")
            } == 1
        }
        collector.signal(SIGTERM)
        #expect(try await collector.wait(timeout: 60) == 0, "\(collector.log)")
        let database = try Database(path: setup.database, mode: .readWrite)
        try database.snapshotJournal()
        #expect(try database.fetchInt64("SELECT length(line) FROM journal WHERE malformed IS NOT NULL") == 1024)
        #expect(try database.fetchString("SELECT substr(CAST(line AS TEXT), 1, 30) FROM journal WHERE malformed IS NOT NULL") == #"{"class":"sheet","payload":"AA"#)
        var reasons: [String] = []
        try database.makeStatement("SELECT end_reason FROM collection_session ORDER BY session_id").forEachRow { reasons.append($0.string(0) ?? "") }
        #expect(reasons == ["line_too_long", "shutdown"])
        #expect(collector.log.contains("longer than 4194304 bytes"))
    }

    @Test("a burst of 1,000,000 messages in one write: every one journaled once, in order, the count exact, memory bounded")
    func flood() async throws {
        let count = Reliability.environmentInt("CALLSTATS_FLOOD_MESSAGES", default: 1_000_000)
        let setup = try CollectorFaultTests.setup()
        let peer = try ScriptedPeer()
        let collector = try Self.collector(setup, address: peer.address)
        let connection = try await offPool { try peer.accept() }
        try await offPool { try connection.serveLogin() }
        try await eventually("the login to be committed") { Reliability.journalCount(setup.database) == 3 }
        let before = try #require(collector.memory())

        // Queue statistics and waiting lists, as a busy server sends them, each line unique
        // (built off the pool: a second of work in a debug build).
        let burst = try await offPool { () -> [UInt8] in
            var burst: [UInt8] = []
            burst.reserveCapacity(count * 110)
            for n in 0..<count {
                let line = n % 4 == 3
                    ? #"{"class":"queueentryupdate","state":{"queue_name":"blue","queue_id":3,"entries":[]},"n":\#(n),"timenow":\#(1550000100 + n / 1000).\#(n % 1000)}"#
                    : #"{"class":"getqueuesstats","stats":{"3":{"Xivo-WaitingCalls":\#(n % 9)}},"n":\#(n),"timenow":\#(1550000100 + n / 1000).\#(n % 1000)}"#
                burst.append(contentsOf: line.utf8)
                burst.append(0x0A)
            }
            return burst
        }
        let started = Date()
        #expect(try await offPool { connection.write(burst) })
        let written = Date().timeIntervalSince(started)
        try await eventually("every message to be committed", timeout: 1_200) {
            Reliability.journalCount(setup.database) == Int64(3 + count)
        }
        let elapsed = Date().timeIntervalSince(started)
        let after = try #require(collector.memory())
        print("flood: \(count) messages (\(burst.count >> 20) MiB) journaled in \(String(format: "%.1f", elapsed)) s (\(Int(Double(count) / elapsed)) messages/s, the socket took the last byte after \(String(format: "%.1f", written)) s); VmHWM \(before.peak) -> \(after.peak) KiB")
        collector.signal(SIGTERM)
        #expect(try await collector.wait(timeout: 120) == 0)
        #expect(Self.receivedCount(collector.log) == Int64(3 + count))

        // Each n once, in order, none missing: consecutive n differ by exactly 1. (Queries over
        // a million rows: off the pool.)
        let path = setup.database
        let (numbered, outOfStep, bytes, sessions) = try await offPool { () -> (Int64?, Int64?, Int64?, Int64?) in
            let database = try Database(path: path, mode: .readWrite)
            try database.snapshotJournal()
            return (
                try database.fetchInt64("SELECT count(*) FROM journal WHERE json_extract(CAST(line AS TEXT), '$.n') IS NOT NULL"),
                try database.fetchInt64("""
                    SELECT count(*) FROM (
                      SELECT json_extract(CAST(line AS TEXT), '$.n') - lag(json_extract(CAST(line AS TEXT), '$.n')) OVER (ORDER BY seq) AS step
                      FROM journal WHERE seq > 3)
                    WHERE step IS NOT 1 AND step IS NOT NULL
                    """),
                try database.fetchInt64("SELECT sum(length(line)) + count(*) FROM journal WHERE seq > 3"),
                try database.fetchInt64("SELECT count(*) FROM collection_session"))
        }
        #expect(numbered == Int64(count))
        #expect(outOfStep == 0)
        #expect(bytes == Int64(burst.count))
        #expect(sessions == 1)
        // Bounded: the burst waited in the socket (back-pressure), not in the collector.
        #expect(after.peak - before.peak < max(burst.count / 1024 / 2, 64 * 1024))
    }

    // MARK: The disk

    @Test("the disk fills (a small tmpfs): the collector says so, keeps every committed row, retries, and resumes when space returns")
    func diskFull() async throws {
        let disk: SmallFileSystem
        do {
            disk = try SmallFileSystem(megabytes: 64)
        } catch {
            try Test.cancel("needs a tmpfs mount (root or CAP_SYS_ADMIN): \(error)")
        }
        let binary = try CallStatsBinary.built()
        let setup = try CollectorFaultTests.setup()
        let database = disk.path + "/calls.db"
        #expect(try await Reliability.run(binary, ["migrate", "--db", database]).status == 0)
        try disk.fill(leaving: 2 << 20)
        // A finite speed: the server's clock runs on while the collector is disconnected.
        let (simulator, address) = try Reliability.simulator(setup, speed: "600")
        let collector = try LoggedProcess(binary: binary, arguments: [
            "collect", "--server", address, "--user", "stats", "--password-file", setup.passwordFile,
            "--db", database, "--tls", "off", "--log-level", "info",
        ], logPath: setup.folder.path("collect.log"))

        try await eventually("the disk to fill") { collector.log.contains("the disk is full") }
        // What was committed before the disk filled, as it must stay.
        // (Read in Swift: the full disk has no room for a snapshot.)
        let kept = try #require(Reliability.reading(database) { database -> (Int64, Int64) in
            var last: Int64 = 0
            var bytes: Int64 = 0
            try JournalReader(database: database).forEachLine { line in
                last = line.seq
                bytes += Int64(line.bytes.count)
            }
            return (last, bytes)
        })
        #expect(kept.0 > 100)
        // Still running, and retrying.
        try await eventually("a retry on the full disk") {
            collector.log.components(separatedBy: "the disk is full").count > 2
        }
        #expect(collector.isRunning)

        // Space returns.
        try FileManager.default.removeItem(atPath: disk.path + "/filler")
        try await eventually("collection to resume") { Reliability.journalCount(database) > kept.0 + 2_000 }
        collector.signal(SIGTERM)
        #expect(try await collector.wait(timeout: 60) == 0, "\(collector.log)")
        simulator.signal(SIGTERM)
        _ = try await Reliability.exitStatus(of: simulator)

        let result = try Database(path: database, mode: .readWrite)
        #expect(try result.fetchString("PRAGMA integrity_check") == "ok")
        try result.snapshotJournal()
        #expect(try result.fetchInt64("SELECT sum(length(line)) FROM journal WHERE seq <= ?", kept.0) == kept.1)
        #expect(try result.fetchInt64("SELECT max(seq) - min(seq) + 1 - count(*) FROM journal") == 0)
        var reasons: [String] = []
        try result.makeStatement("SELECT end_reason FROM collection_session ORDER BY session_id").forEachRow { reasons.append($0.string(0) ?? "open") }
        // The session the full disk broke was closed by the next one; the last ended cleanly.
        #expect(reasons.first == "collector_stopped_unexpectedly")
        #expect(reasons.last == "shutdown")
        #expect(!reasons.contains("open"))
        try CollectorFaultTests.expectNoDuplicates(result)
    }

    @Test("another process holds the write lock (sqlite3 shell, BEGIN IMMEDIATE; 8 s, 30 s with CALLSTATS_LONG_TESTS=1): the collector waits and says so, keeps its connection, and loses nothing",
          RequiredTool.sqlite3.trait)
    func lockHeld() async throws {
        let hold = Reliability.longRuns ? 30.0 : 8.0
        let setup = try CollectorFaultTests.setup()
        // At --speed max the simulator waits for its reader: a collector that stops reading
        // is not dropped, as the real server does not drop one. A whole day, so the lock
        // lands well before its end however fast the collector is (8 hours of 20 agents are
        // about 53,000 lines: one second's work).
        let (simulator, address) = try Reliability.simulator(setup, speed: "max", duration: "24h")
        let collector = try Self.collector(setup, address: address)
        try await eventually("collection to start") { Reliability.journalCount(setup.database) > 2_000 }

        let path = setup.database
        // A collector at full speed begins its next write transaction microseconds after each
        // commit, so the shell's busy handler (which retries every few milliseconds) could only
        // get in once the day is over. The simulator is paused while the shell takes the lock
        // (the collector commits what it has within its batch age and goes idle), then
        // resumed: the collector receives lines it cannot write.
        simulator.signal(SIGSTOP)
        let holder: LockHolder
        do {
            holder = try await offPool { try LockHolder(database: path) }
        } catch {
            simulator.signal(SIGCONT)
            throw error
        }
        simulator.signal(SIGCONT)
        let lockedAt = Reliability.journalCount(setup.database)
        // The lock is held until the collector says it has waited `hold` seconds for it
        // (it reports its wait every few seconds).
        try await eventually("the collector to report a wait of \(Int(hold)) s", timeout: hold + 120) {
            collector.log.matches(of: /is locked by another process: waited (\d+) s/).contains { Double($0.1) ?? 0 >= hold }
        }
        #expect(Reliability.journalCount(setup.database) == lockedAt)
        #expect(collector.isRunning)
        holder.release()
        try await eventually("collection to go on") { Reliability.journalCount(setup.database) > lockedAt + 2_000 }
        collector.signal(SIGTERM)
        #expect(try await collector.wait(timeout: 60) == 0)
        simulator.signal(SIGTERM)
        _ = try await Reliability.exitStatus(of: simulator)

        let log = collector.log
        #expect(log.contains("is locked by another process: waited"), "\(log)")
        #expect(!log.contains("database failure"))
        let database = try Database(path: setup.database, mode: .readOnly)
        // One session from start to end: the connection was never dropped, and every line
        // received was committed.
        #expect(try database.fetchInt64("SELECT count(*) FROM collection_session") == 1)
        #expect(try database.fetchString("SELECT end_reason FROM collection_session") == "shutdown")
        #expect(try CollectorFaultTests.journalCount(database) == Self.receivedCount(log))
        #expect(try database.fetchString("PRAGMA integrity_check") == "ok")
    }

    @Test("the database folder becomes read-only under a running collector (as an unprivileged user: root ignores the mode): it goes on recording into its open files and stops cleanly")
    func folderReadOnlyWhileRunning() async throws {
        let setup = try CollectorFaultTests.setup()
        let user = Unprivileged.runAs
        Unprivileged.own(setup.folder.url.path)
        Unprivileged.own(setup.passwordFile)
        let (simulator, address) = try Reliability.simulator(setup, speed: "max")
        let collector = try Self.collector(setup, address: address, user: user)
        do {
            try await eventually("collection to start") { Reliability.journalCount(setup.database) > 1_000 }
        } catch {
            // Once in a few dozen loaded parallel runs this timed out: say what the collector did.
            Issue.record("running: \(collector.isRunning); its log:\n\(collector.log)")
            throw error
        }

        chmod(setup.folder.url.path, 0o555)
        defer { chmod(setup.folder.url.path, 0o755) }
        let madeReadOnlyAt = Reliability.journalCount(setup.database)
        try await eventually("collection to go on") { Reliability.journalCount(setup.database) > madeReadOnlyAt + 2_000 }
        collector.signal(SIGTERM)
        #expect(try await collector.wait(timeout: 60) == 0, "\(collector.log)")
        simulator.signal(SIGTERM)
        _ = try await Reliability.exitStatus(of: simulator)

        let database = try Database(path: setup.database, mode: .readOnly)
        #expect(try database.fetchString("PRAGMA integrity_check") == "ok")
        #expect(try CollectorFaultTests.journalCount(database) == Self.receivedCount(collector.log))
        #expect(try database.fetchString("SELECT end_reason FROM collection_session") == "shutdown")
    }

    @Test("a read-only database folder at start (as an unprivileged user): a new database, or an existing one whose WAL cannot be created, is refused with one clear line and a non-zero exit, the file untouched")
    func folderReadOnlyAtStart() async throws {
        let setup = try CollectorFaultTests.setup()
        let user = Unprivileged.runAs
        Unprivileged.own(setup.folder.url.path)
        Unprivileged.own(setup.passwordFile)
        let peer = try ScriptedPeer()

        // No database yet.
        chmod(setup.folder.url.path, 0o555)
        let refusedNew = try Self.collector(setup, address: peer.address, log: "new.log", user: user)
        #expect(try await refusedNew.wait(timeout: 60) != 0)
        #expect(refusedNew.log.contains("cannot create \(setup.database): Permission denied"), "\(refusedNew.log)")
        #expect(!FileManager.default.fileExists(atPath: setup.database))

        // A database without its -wal and -shm (copied alone, say): SQLite needs to create them.
        chmod(setup.folder.url.path, 0o755)
        #expect(try await Reliability.run(setup.binary, ["migrate", "--db", setup.database]).status == 0)
        for suffix in ["-wal", "-shm"] {
            try? FileManager.default.removeItem(atPath: setup.database + suffix)
        }
        Unprivileged.own(setup.database)
        let before = try Data(contentsOf: URL(fileURLWithPath: setup.database))
        chmod(setup.folder.url.path, 0o555)
        defer { chmod(setup.folder.url.path, 0o755) }
        let refusedExisting = try Self.collector(setup, address: peer.address, log: "existing.log", user: user)
        #expect(try await refusedExisting.wait(timeout: 60) != 0)
        #expect(refusedExisting.log.contains("cannot write"), "\(refusedExisting.log)")
        #expect(refusedExisting.log.contains("folder's permissions"), "\(refusedExisting.log)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: setup.database)) == before)
    }

    @Test("the database file is replaced under the running collector: it stops within seconds saying so, writes nothing more to the old file (made whole) nor into the new one, and a restart records into the new file")
    func databaseReplaced() async throws {
        let setup = try CollectorFaultTests.setup()
        let (simulator, address) = try Reliability.simulator(setup, speed: "600")
        let collector = try Self.collector(setup, address: address)
        try await eventually("collection to start") { Reliability.journalCount(setup.database) > 2_000 }

        // An admin's replacement: the file renamed away, another database put in its place.
        let moved = setup.folder.path("calls-old.db")
        let replacement = setup.folder.path("replacement.db")
        #expect(try await Reliability.run(setup.binary, ["migrate", "--db", replacement]).status == 0)
        #expect(rename(setup.database, moved) == 0)
        #expect(rename(replacement, setup.database) == 0)
        let status = try await collector.wait(timeout: 30)
        #expect(status != 0)
        #expect(collector.log.contains("\(setup.database) was renamed, replaced or deleted while the collector was writing to it"), "\(collector.log)")

        // The new file is as it was put there: the old WAL, still named calls.db-wal, was
        // emptied into the moved file and is not taken for the new file's.
        let replaced = try Database(path: setup.database, mode: .readOnly)
        #expect(try replaced.fetchString("PRAGMA integrity_check") == "ok")
        #expect(try CollectorFaultTests.journalCount(replaced) == 0)
        #expect(try replaced.fetchInt64("SELECT count(*) FROM collection_session") == 0)
        // The moved file holds what was committed before the move, whole.
        let old = try Database(path: moved, mode: .readOnly)
        #expect(try old.fetchString("PRAGMA integrity_check") == "ok")
        let oldCount = try CollectorFaultTests.journalCount(old)
        #expect(oldCount > 2_000)

        // Started again (as systemd's Restart= would), it records into the new file.
        let restarted = try Self.collector(setup, address: address, log: "restarted.log")
        try await eventually("collection into the new file") { Reliability.journalCount(setup.database) > 1_000 }
        restarted.signal(SIGTERM)
        #expect(try await restarted.wait(timeout: 60) == 0)
        simulator.signal(SIGTERM)
        _ = try await Reliability.exitStatus(of: simulator)
        #expect(try CollectorFaultTests.journalCount(Database(path: moved, mode: .readOnly)) == oldCount)
        #expect(try Database(path: setup.database, mode: .readOnly).fetchString("PRAGMA integrity_check") == "ok")
    }

    // MARK: Crashes

    @Test("SIGKILL at random points, run after run (20 runs; 50 with CALLSTATS_LONG_TESTS=1): integrity ok and no duplicated row after every kill, and replay equals live at the end")
    func killAtRandomPoints() async throws {
        let runs = Reliability.environmentInt("CALLSTATS_KILL_RUNS", default: Reliability.longRuns ? 50 : 20)
        let seed = UInt64(Reliability.environmentInt("CALLSTATS_KILL_SEED", default: Int(Date().timeIntervalSince1970) % 100_000))
        // Seeded, so a failing run's kill points can be replayed with CALLSTATS_KILL_SEED.
        var random = SeededGenerator(state: seed)
        print("killAtRandomPoints: \(runs) runs, seed \(seed) (CALLSTATS_KILL_SEED replays them)")
        let setup = try CollectorFaultTests.setup()
        // A long day at a finite speed: the server's clock runs on while the collector is down,
        // as a real server's does.
        let (simulator, address) = try Reliability.simulator(setup, speed: "400", duration: "24h")
        let started = Date()
        var sessionsBefore: Int64 = 0
        var points: [String] = []
        for run in 0..<runs {
            let collector = try CollectorFaultTests.collector(setup, address: address)
            let base = Reliability.journalCount(setup.database)
            // Half the kills at a random instant from the start (opening, migrating, connecting,
            // logging in, bootstrapping), half after a random number of new lines.
            if run % 2 == 0 {
                let delay = Double.random(in: 0...1.5, using: &random)
                try await Task.sleep(for: .milliseconds(Int(delay * 1_000)))
                points.append(String(format: "%.2fs", delay))
            } else {
                let lines = Int64.random(in: 1...4_000, using: &random)
                try await eventually("\(lines) new lines") { Reliability.journalCount(setup.database) >= base + lines }
                try await Task.sleep(for: .milliseconds(Int.random(in: 0...30, using: &random)))
                points.append("+\(lines)")
            }
            collector.signal(SIGKILL)
            _ = try await Reliability.exitStatus(of: collector)

            // Killed before it created the file: nothing to check yet.
            guard FileManager.default.fileExists(atPath: setup.database) else { continue }
            let database = try Database(path: setup.database, mode: .readWrite)
            #expect(try database.fetchString("PRAGMA integrity_check") == "ok", "run \(run), seed \(seed)")
            // Killed before the schema was created (each migration is one transaction): the
            // next start migrates.
            guard (try? Migrator.embedded().checkCurrent(database)) != nil else { continue }
            try database.snapshotJournal()
            #expect(try database.fetchInt64("SELECT coalesce(max(seq) - min(seq) + 1 - count(*), 0) FROM journal") == 0, "run \(run)")
            try CollectorFaultTests.expectNoDuplicates(database)
            let sessions = try database.fetchInt64("SELECT count(*) FROM collection_session") ?? 0
            #expect(sessions >= sessionsBefore)
            sessionsBefore = sessions
        }
        // A last collector closes the last killed session and ends cleanly.
        let last = try CollectorFaultTests.collector(setup, address: address)
        let base = Reliability.journalCount(setup.database)
        try await eventually("the last collector to record") { Reliability.journalCount(setup.database) > base + 500 }
        last.signal(SIGTERM)
        #expect(try await Reliability.exitStatus(of: last) == 0)
        simulator.signal(SIGTERM)
        _ = try await Reliability.exitStatus(of: simulator)
        print("killAtRandomPoints: \(runs) runs, seed \(seed), kill points \(points.joined(separator: " ")), \(String(format: "%.0f", Date().timeIntervalSince(started))) s")

        let database = try Database(path: setup.database, mode: .readOnly)
        #expect(try database.fetchString("PRAGMA integrity_check") == "ok")
        try CollectorFaultTests.expectNoDuplicates(database)
        var reasons: [String] = []
        try database.makeStatement("SELECT coalesce(end_reason, 'open') FROM collection_session ORDER BY session_id").forEachRow { reasons.append($0.string(0) ?? "") }
        #expect(reasons.last == "shutdown")
        #expect(reasons.dropLast().allSatisfy { $0 == "collector_stopped_unexpectedly" })
        #expect(reasons.count > runs / 2)

        let path = setup.database
        let live = try await offPool { try CollectorFaultTests.derivedDump(path) }
        let replay = try await Reliability.run(setup.binary, ["replay", "--db", setup.database])
        #expect(replay.status == 0, "\(replay.stderr)")
        let replayed = try await offPool { try CollectorFaultTests.derivedDump(path) }
        for (table, rows) in live {
            #expect(replayed[table] == rows, "\(table) differs after replay (seed \(seed))")
        }
    }
}

