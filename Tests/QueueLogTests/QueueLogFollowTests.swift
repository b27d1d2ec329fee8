import CallStatsTestSupport
import Foundation
import Logging
import QueueLog
import Reports
import Storage
import Testing

/// `callstats import queue-log --follow FILE`, the real binary, as Asterisk writes, rotates
/// and truncates its file.
@Suite("queue_log --follow of a file")
struct QueueLogFollowTests {
    static let day = QueueLogImportTests.day

    static func journalLines(_ path: String) -> Int64? {
        guard let database = try? Database.openReader(path: path) else { return nil }
        return try? JournalReader(database: database).lineCount()
    }

    static func append(_ path: String, _ text: String) throws {
        if !FileManager.default.fileExists(atPath: path) {
            _ = FileManager.default.createFile(atPath: path, contents: nil)
        }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(text.utf8))
        try handle.close()
    }

    static func lines(_ range: Range<Int>) -> String {
        day[range].map { $0 + "\n" }.joined()
    }

    @Test("a growing file, a last line completed later, a rotation (rename) and a truncation; then the same files again add nothing")
    func followAcrossRotation() async throws {
        let binary = try CallStatsBinary.built()
        let folder = try TemporaryFolder()
        let db = folder.path("calls.db")
        let live = folder.path("queue_log")
        try Self.append(live, Self.lines(0..<3))

        let follower = try RunningCallStats(binary: binary, arguments: [
            "import", "queue-log", "--db", db, "--follow", "--poll-interval", "0.02", live,
        ])
        try await eventually("the file's lines") { Self.journalLines(db) == 3 }
        let status = try binary.run(["status", "--db", db])
        #expect(status.stdout.hasPrefix("following: session 1, queue_log file \(live), since "), "\(status.stdout)")
        #expect(status.status == 0)

        // Asterisk's write of a line, seen half done: only the whole line is read.
        let half = Self.day[3].prefix(15)
        try Self.append(live, String(half))
        try Self.append(live, String(Self.day[3].dropFirst(15)) + "\n" + Self.lines(4..<6))
        try await eventually("the completed line and the next") { Self.journalLines(db) == 6 }

        // logrotate: the file renamed away, a last line still written to it, then a new file.
        try FileManager.default.moveItem(atPath: live, toPath: folder.path("queue_log.1"))
        try Self.append(folder.path("queue_log.1"), Self.lines(6..<7))
        try Self.append(live, Self.lines(7..<10))
        try await eventually("the rotated file's last line and the new file") { Self.journalLines(db) == 10 }

        // copytruncate: the file copied, then emptied and written again from its start.
        try FileManager.default.copyItem(atPath: live, toPath: folder.path("queue_log.0"))
        try Data().write(to: URL(fileURLWithPath: live))
        try Self.append(live, Self.lines(10..<14))
        try await eventually("the truncated file's new lines") { Self.journalLines(db) == 14 }

        follower.signal(SIGTERM)
        let exit = try await follower.exitStatus()
        #expect(exit == 0, "\(follower.standardError())")
        #expect(follower.nextLine()?.hasPrefix("queue_log: ") == true)

        // The same figures as the day imported whole.
        let whole = folder.path("whole.db")
        try Data(Self.lines(0..<14).utf8).write(to: URL(fileURLWithPath: folder.path("day")))
        #expect(try binary.run(["import", "queue-log", "--db", whole, folder.path("day")]).status == 0)
        for kind in ["missed", "occupancy"] {
            let arguments = ["report", kind, "--date", "2023-11-14", "--tz", "UTC", "--interval", "total", "--format", "csv"]
            let expected = try binary.run(arguments + ["--db", whole]).stdout
            #expect(expected.split(whereSeparator: \.isNewline).count == 2, "\(expected)")
            #expect(try binary.run(arguments + ["--db", db]).stdout == expected, "\(kind)")
        }

        // Every file the follower read, given again (a cron job after it): nothing new.
        let again = try binary.run(["import", "queue-log", "--db", db, live, folder.path("queue_log.0"), folder.path("queue_log.1")])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdout == "queue_log: 3 files, 0 lines read, 0 added, 0 unreadable\n")
    }

    @Test("--follow on a file that does not exist yet waits for Asterisk to create it")
    func followMissingFile() async throws {
        let binary = try CallStatsBinary.built()
        let folder = try TemporaryFolder()
        let db = folder.path("calls.db")
        let live = folder.path("queue_log")
        let follower = try RunningCallStats(binary: binary, arguments: [
            "import", "queue-log", "--db", db, "--follow", "--poll-interval", "0.02", live,
        ])
        // Live before the file exists: the session is open.
        try await eventually("the session") {
            let status = try binary.run(["status", "--db", db])
            return status.stdout.hasPrefix("following: session 1")
        }
        try Self.append(live, Self.lines(0..<5))
        try await eventually("the new file's lines") { Self.journalLines(db) == 5 }
        follower.signal(SIGINT)
        #expect(try await follower.exitStatus() == 0, "\(follower.standardError())")
        #expect(follower.nextLine() == "queue_log: 1 file, 5 lines read, 5 added, 0 unreadable")
    }
}

extension QueueLogFollowTests {
    /// README's systemd unit names the live file and its rotated one; before the log's first
    /// rotation there is no rotated file.
    @Test("--follow of the live file and its rotated one, which does not exist before the first rotation; without --follow a missing file is an error")
    func followBeforeFirstRotation() async throws {
        let binary = try CallStatsBinary.built()
        let folder = try TemporaryFolder()
        let db = folder.path("calls.db")
        let live = folder.path("queue_log")
        let rotated = folder.path("queue_log.1")
        try Self.append(live, Self.lines(0..<5))

        let once = try binary.run(["import", "queue-log", "--db", db, live, rotated])
        #expect(once.status == 1)
        #expect(once.stderr == "Error: \(rotated): no such file\n")

        let follower = try RunningCallStats(binary: binary, arguments: [
            "import", "queue-log", "--db", db, "--follow", "--poll-interval", "0.02", live, rotated,
        ])
        try await eventually("the live file's lines, or the follower's exit") {
            !follower.process.isRunning || Self.journalLines(db) == 5
        }
        try #require(follower.process.isRunning, "\(follower.standardError())")
        #expect(Self.journalLines(db) == 5)
        // The first rotation creates the rotated file: followed as any rotation.
        try FileManager.default.moveItem(atPath: live, toPath: rotated)
        try Self.append(live, Self.lines(5..<8))
        try await eventually("the new file's lines") { Self.journalLines(db) == 8 }

        follower.signal(SIGTERM)
        #expect(try await follower.exitStatus() == 0, "\(follower.standardError())")
        #expect(follower.nextLine() == "queue_log: 2 files, 8 lines read, 8 added, 0 unreadable")
    }

    static func journalTexts(_ path: String) throws -> [String] {
        var texts: [String] = []
        try JournalReader(database: Database.openReader(path: path)).forEachLine { texts.append(String(decoding: $0.bytes, as: UTF8.self)) }
        return texts
    }

    /// Lines Asterisk appended just before logrotate copied (or renamed) the file, before the
    /// follower's next look: only the rotated file holds them then.
    @Test("a rotation just after Asterisk appended lines: every line is read once, in order (copytruncate: the rotated copy's new lines, then the truncated file's)",
          arguments: ["copytruncate", "rename"])
    func rotationJustAfterAppend(rotation: String) async throws {
        let folder = try TemporaryFolder()
        let db = folder.path("calls.db")
        let live = folder.path("queue_log")
        let rotated = folder.path("queue_log.1")
        let lines = QueueLogCalls.lines(70)
        // The last rotation's file, then the live one.
        try Self.append(rotated, QueueLogCalls.text(lines[0..<10]))
        try Self.append(live, QueueLogCalls.text(lines[10..<20]))
        do {
            let (database, _) = try Database.openWriter(path: db)
            let lock = try WriterLock(databasePath: db)
            let writer = try QueueLogWriter(database: database, now: { 1_800_000_000 }, logger: Logger(label: "test"))
            try await writer.importFiles([live, rotated])
            try await writer.beginFollowing(path: live)
            #expect(try await writer.followStep() == 0)

            try Self.append(live, QueueLogCalls.text(lines[20..<220]))
            try FileManager.default.removeItem(atPath: rotated)
            if rotation == "copytruncate" {
                try FileManager.default.copyItem(atPath: live, toPath: rotated)
                try Data().write(to: URL(fileURLWithPath: live))
            } else {
                try FileManager.default.moveItem(atPath: live, toPath: rotated)
            }
            try Self.append(live, QueueLogCalls.text(lines[220..<270]))
            #expect(try await writer.followStep() == 250)
            #expect(try await writer.followStep() == 0)
            _ = try await writer.finishFiles(reason: "shutdown")
            withExtendedLifetime(lock) {}
        }
        #expect(try Self.journalTexts(db) == Array(lines[0..<270]))
        // A cron import of both files after the follower: nothing it has not read.
        let again = try CallStatsBinary.built().run(["import", "queue-log", "--db", db, rotated, live])
        #expect(again.stdout == "queue_log: 2 files, 0 lines read, 0 added, 0 unreadable\n", "\(again.stderr)")
    }

    @Test("an import cancelled (SIGTERM) as it reads stops at its next commit with what it read committed; the next import reads the rest, once")
    func interruptedImport() async throws {
        let folder = try TemporaryFolder()
        let db = folder.path("calls.db")
        let file = folder.path("queue_log")
        let total = 50_000
        var text = ""
        for index in 0..<total {
            text += "\(QueueLogImportTests.t0 + index / 20)|NONE|sales|NONE|DID|0\(index)\n"
        }
        try Data(text.utf8).write(to: URL(fileURLWithPath: file))

        // The import's task cancels itself when it first reads the clock, before its first line
        // (what SIGTERM does to it): it goes on to its next commit, at 10,000 lines, and stops there.
        let now: @Sendable () -> Double = {
            withUnsafeCurrentTask { $0?.cancel() }
            return 1_800_000_000
        }
        let first = try await Task {
            let (database, _) = try Database.openWriter(path: db)
            let writer = try QueueLogWriter(database: database, now: now, commitEvery: 10_000, logger: Logger(label: "test"))
            return try await QueueLogImportRun.files([file], follow: false, writer: writer, polling: QueueLogPolling(interval: .seconds(1)))
        }.value
        #expect(first.linesRead == 10_000)
        #expect(Self.journalLines(db) == 10_000)

        let binary = try CallStatsBinary.built()
        let rest = try binary.run(["import", "queue-log", "--db", db, file])
        #expect(rest.stdout == "queue_log: 1 file, 40000 lines read, 40000 added, 0 unreadable\n", "\(rest.stderr)")
        #expect(Self.journalLines(db) == Int64(total))
        let database = try Database.openReader(path: db)
        var reasons: [String] = []
        try database.makeStatement("SELECT end_reason FROM collection_session ORDER BY session_id").forEachRow { reasons.append($0.string(0) ?? "-") }
        #expect(reasons == ["shutdown", "end_of_input"])
    }
}

extension QueueLogFollowTests {
    /// `agents` as CSV: state and state_since by agent id.
    static func agents(_ binary: CallStatsBinary, db: String) throws -> [String: String] {
        let result = try binary.run(["agents", "--db", db, "--tz", "UTC", "--format", "csv"])
        #expect(result.status == 0, "\(result.stderr)")
        var states: [String: String] = [:]
        for line in result.stdout.components(separatedBy: "\r\n").dropFirst() where !line.isEmpty {
            let cells = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard cells.count > 6 else { continue }
            states[cells[2]] = "\(cells[5]) \(cells[6])"
        }
        return states
    }

    @Test("agents: a state keeps its start across imports of the same source (a grown file, a follower that reads nothing, an import of nothing)")
    func stateSinceAcrossImports() async throws {
        let binary = try CallStatsBinary.built()
        let folder = try TemporaryFolder()
        let db = folder.path("calls.db")
        let file = folder.path("queue_log")
        let line = QueueLogImportTests.line
        try Self.append(file, [
            line(0, "NONE|NONE|NONE|QUEUESTART|"),
            line(10, "NONE|NONE|Agent/1001|AGENTCALLBACKLOGIN|1001@default"),
            line(12, "NONE|NONE|Agent/1002|AGENTCALLBACKLOGIN|1002@default"),
            line(100, "1.1|sales|NONE|ENTERQUEUE||0601020304|1"),
            line(110, "1.1|sales|Agent/1001|CONNECT|10|1.2|4"),
            line(120, "NONE|NONE|Agent/1002|PAUSEALL|lunch"),
        ].map { $0 + "\n" }.joined())
        #expect(try binary.run(["import", "queue-log", "--db", db, file]).status == 0)
        let expected = ["Agent/1001": "acd_call 2023-11-14T22:15:10+00:00", "Agent/1002": "paused 2023-11-14T22:15:20+00:00"]
        #expect(try Self.agents(binary, db: db) == expected)

        // Lines that touch neither agent, past the next UTC hour (23:00, where intervals are cut).
        try Self.append(file, [
            line(2000, "2.1|sales|NONE|ENTERQUEUE||0602020304|1"),
            line(3000, "2.1|sales|NONE|ABANDON|1|1|1000"),
        ].map { $0 + "\n" }.joined())
        #expect(try binary.run(["import", "queue-log", "--db", db, file]).stdout.contains("2 lines read, 2 added"))
        #expect(try Self.agents(binary, db: db) == expected)

        // A follower that finds nothing new, stopped; then a cron import of nothing.
        let follower = try RunningCallStats(binary: binary, arguments: [
            "import", "queue-log", "--db", db, "--follow", "--poll-interval", "0.02", file,
        ])
        try await eventually("the follower's session") {
            try binary.run(["status", "--db", db]).stdout.hasPrefix("following: session 3")
        }
        follower.signal(SIGTERM)
        #expect(try await follower.exitStatus() == 0, "\(follower.standardError())")
        #expect(try binary.run(["import", "queue-log", "--db", db, file]).stdout.contains("0 lines read, 0 added"))
        #expect(try Self.agents(binary, db: db) == expected)
    }
}

/// A follower's freshness in `status`: a quiet queue_log is still live while it looks.
@Suite("queue_log follower's status")
struct QueueLogFollowerStatusTests {
    @Test("a follower that read no line for longer than --stale but looked recently is live; one that stopped looking is stale")
    func quietSourceIsLive() async throws {
        let folder = try TemporaryFolder()
        let path = folder.path("calls.db")
        let file = folder.path("queue_log")
        try Data(QueueLogFollowTests.lines(0..<5).utf8).write(to: URL(fileURLWithPath: file))
        let clock = ManualClock()
        let (database, _) = try Database.openWriter(path: path)
        let lock = try WriterLock(databasePath: path)
        let writer = try QueueLogWriter(database: database, now: clock.wallTime, logger: Logger(label: "test"))
        try await writer.importFiles([file])
        try await writer.beginFollowing(path: file)
        #expect(try await writer.followStep() == 0)

        func status() throws -> CollectionStatus {
            try CollectionStatus(database: Database.openReader(path: path), path: path, now: clock.wallTime())
        }
        #expect(try status().health(stale: 300) == .live)
        clock.advance(by: .seconds(400))
        // Nothing looked for 400 s: stale.
        #expect(try status().health(stale: 300) == .stale)
        // Looking (still no new line) makes it live again, and status says which is which.
        #expect(try await writer.followStep() == 0)
        let looked = try status()
        #expect(looked.health(stale: 300) == .live)
        #expect(try #require(looked.secondsSinceLastMessage) >= 400)
        let text = looked.text(stale: 300)
        #expect(text.contains("last look at the queue_log: 0 s ago\nlast line read: 400 s ago\n"), "\(text)")
        _ = try await writer.finishFiles(reason: "shutdown")
        withExtendedLifetime(lock) {}
    }
}
