import CallStatsTestSupport
import Foundation
import Storage
import Testing

@testable import Collector

#if canImport(Glibc)
import Glibc
#endif

extension FaultTests {
    // MARK: The database

    /// How the database file goes away under the running collector.
    enum Replacement: String, CaseIterable, CustomTestStringConvertible, Sendable {
        /// Renamed away and another database put in its place, while lines keep coming.
        case replacedWhileBusy
        /// The same on a quiet connection: found by the periodic check, not by a commit.
        case replacedWhileQuiet
        /// Deleted.
        case deleted

        var testDescription: String { rawValue }
    }

    @Test("the database file is renamed, replaced or deleted under the running collector: it stops with databaseReplaced, commits nothing more into the old file, and leaves the new one as it was", arguments: Replacement.allCases)
    func databaseReplaced(_ replacement: Replacement) async throws {
        let harness = try CollectorHarness()
        let server = try await FakeCTIServer.start()
        let run = harness.start(try harness.collector(port: server.port) { $0.timing.database.fileCheckInterval = 0.05 })
        defer { run.cancel() }

        let path = harness.databasePath
        let moved = harness.folder.path("moved.sqlite")
        // The new file: a database of its own with one session row, made and closed first.
        let prepared = harness.folder.path("prepared.sqlite")
        do {
            let (database, _) = try Database.openWriter(path: prepared)
            try database.execute("INSERT INTO collection_session (server, connected_at) VALUES (?, ?)", "elsewhere:5003", 1.0)
        }

        let before = (0..<50).map(Self.statistics)
        let after = (50..<100).map(Self.statistics)
        let outcome: (any Error)? = try await server.nextConnection { connection in
            try await connection.serveLogin()
            _ = try await connection.readBootstrap()
            try await connection.send(lines: before)
            try await eventually("the lines before to be committed") { try harness.journal().count == 3 + before.count }

            switch replacement {
            case .replacedWhileBusy, .replacedWhileQuiet:
                #expect(rename(path, moved) == 0)
                #expect(rename(prepared, path) == 0)
            case .deleted:
                #expect(unlink(path) == 0)
            }
            if replacement != .replacedWhileQuiet {
                for line in after {
                    do { try await connection.send(line) } catch { break }
                }
            }
            do {
                try await withTimeout(30, "the collector to stop") { try await run.value }
                return nil
            } catch {
                return error
            }
        }
        let error = try #require(outcome as? CollectorError, "\(String(describing: outcome))")
        #expect(error == .databaseReplaced(path: path))
        #expect(error.description.contains("start the collector again"))

        // The old file kept exactly what was committed before the move; none of the later lines.
        if replacement != .deleted {
            let old = try Database(path: moved, mode: .readOnly)
            #expect(try old.fetchString("PRAGMA integrity_check") == "ok")
            #expect(try JournalReader(database: old).lineCount() == Int64(3 + before.count))
        }
        // Nothing was written into the file now at the path (none was created when deleted),
        // and nothing of the old file's WAL shows through in it.
        if replacement == .deleted {
            #expect(!FileManager.default.fileExists(atPath: path))
        } else {
            let current = try Database(path: path, mode: .readOnly)
            #expect(try current.fetchString("PRAGMA integrity_check") == "ok")
            #expect(try JournalReader(database: current).lineCount() == 0)
            #expect(try current.fetchString("SELECT group_concat(server) FROM collection_session") == "elsewhere:5003")
        }
    }
}
