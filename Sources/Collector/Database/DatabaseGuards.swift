import Logging
import Storage

/// How the collector watches over its database file, beyond writing to it.
public struct DatabaseGuardTiming: Sendable {
    /// How long a write waits for another process's lock (an open write transaction in a
    /// `sqlite3` shell, a backup tool) before the session gives up on it (seconds). Waiting
    /// keeps every line received; giving up loses the uncommitted batch and the connection.
    public var lockWaitLimit: Double = 600
    /// While a write waits for a lock, the log says so this often (seconds).
    public var lockWaitReportInterval: Double = 5
    /// How often the database file is checked for having been renamed, replaced or deleted
    /// when nothing is committed (every commit checks it too).
    public var fileCheckInterval: Double = 1

    public init() {}
}

extension Collector {
    /// Makes the writer's connection wait for another process's lock instead of failing after
    /// SQLite's busy timeout, and say so while it waits.
    func prepareDatabase() async {
        let timing = configuration.timing.database
        let logger = self.logger
        await writer.withDatabase { database in
            let path = database.path
            let limit = Int(timing.lockWaitLimit.rounded())
            database.waitForLocks(upTo: timing.lockWaitLimit, reportEvery: timing.lockWaitReportInterval) { waited in
                logger.warning("\(path) is locked by another process: waited \(Int(waited.rounded())) s so far, waiting up to \(limit) s; the lines received meanwhile are kept")
            }
        }
    }

    /// The database's path when its file was renamed, replaced or deleted since it was
    /// opened; `nil` while it is still the file at its path.
    func movedDatabasePath() -> String? {
        writer.databaseFileHasMoved ? writer.databasePath : nil
    }

    /// Checks the database file every `fileCheckInterval` and throws
    /// `CollectorError.databaseReplaced` once it moved; returns when cancelled. (A commit into
    /// a moved file is refused by `Storage` anyway: this also catches a quiet connection.)
    func watchDatabaseFile() async throws {
        let interval = Duration.seconds(configuration.timing.database.fileCheckInterval)
        while !Task.isCancelled {
            do {
                try await timers.sleep(for: interval)
            } catch {
                return
            }
            if let path = movedDatabasePath() {
                throw CollectorError.databaseReplaced(path: path)
            }
        }
    }

    /// The last thing done with a moved database: its WAL is checkpointed into the moved file
    /// (which is then whole, wherever it went) and emptied, so that nothing of it is replayed
    /// into the new file now at the path, whose WAL would have the same name.
    func closeMovedDatabase(path: String) async {
        // The checkpointer's connection would otherwise outlive this, and its close would
        // checkpoint and delete the WAL at the path, by then perhaps the new file's.
        await writer.stopBackgroundCheckpoints()
        do {
            try await writer.withDatabase { database in try database.checkpointMovedFile() }
        } catch {
            logger.error("could not empty the moved database's WAL (\(error)): move \(path)-wal and \(path)-shm away before the collector starts again, or the new file would take them for its own")
        }
    }
}
