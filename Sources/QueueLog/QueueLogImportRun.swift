import Foundation
import Logging

/// How often `--follow` looks for new lines or rows, and the clock it waits on (tests give a
/// short interval, or a clock they advance).
public struct QueueLogPolling: Sendable {
    public var interval: Duration
    public var clock: any Clock<Duration>

    public init(interval: Duration, clock: any Clock<Duration> = ContinuousClock()) {
        self.interval = interval
        self.clock = clock
    }
}

/// An import of queue_log files or of a table, once or `--follow`ing. The reading and the
/// recording run on the writer's thread; these loops only wait and hand work to it.
///
/// Following ends when the task is cancelled (`callstats` cancels it on SIGTERM or SIGINT):
/// what was read is committed, the session ends (`shutdown`) and the summary is returned.
public enum QueueLogImportRun {
    /// Imports `paths` (oldest first); with `follow`, then keeps reading `paths[0]` as
    /// Asterisk appends to it, across rotations.
    public static func files(_ paths: [String], follow: Bool, writer: QueueLogWriter, polling: QueueLogPolling,
                             logger: Logger = Logger(label: "callstats.import")) async throws -> QueueLogImportSummary {
        try await writer.importFiles(paths, mayBeMissing: follow)
        guard follow, let live = paths.first else {
            return try await writer.finishFiles(reason: Task.isCancelled ? "shutdown" : "end_of_input")
        }
        // A follower's summary comes at its end, maybe weeks later: a damaged file is told now.
        for damaged in await writer.fileSummary.damaged {
            logger.error("\(damaged)")
        }
        try await writer.beginFollowing(path: live)
        while !Task.isCancelled {
            let read = try await writer.followStep()
            if read == 0 {
                do {
                    try await polling.clock.sleep(for: polling.interval)
                } catch {
                    break
                }
            }
        }
        return try await writer.finishFiles(reason: "shutdown")
    }

    /// Imports the table's rows after the last one its source holds, by `id`, `batchSize` at
    /// a time, each batch committed with its largest id (the next batch is read meanwhile). With `follow`, then asks for new rows
    /// every `polling.interval`; a lost connection is opened again (waiting longer each time,
    /// at most a minute), and nothing is lost meanwhile: the rows stay in the table.
    public static func table(
        connect: @escaping @Sendable () async throws(QueueLogTableError) -> QueueLogTable, pbxZone: TimeZone, follow: Bool,
        writer: QueueLogWriter, polling: QueueLogPolling, batchSize: Int = 5_000, logger: Logger
    ) async throws -> QueueLogImportSummary {
        var table = try await connect()
        let start = try await writer.beginTable(name: table.address.sourceName, openSession: follow)
        var after = start.lastRowID
        // A repeated hour's times are read against the latest line the source holds.
        var converter = QueueLogTimeConverter(zone: table.timeForm == .instant ? TimeZone(identifier: "UTC") ?? pbxZone : pbxZone,
                                              latestRead: start.lastEventAt)
        // A one-off import waits a little for rows still being written (a few
        // milliseconds, as a rule) before it leaves them to the next import.
        var waits = 0
        var lost = false
        var backoff = polling.interval
        // The batch after a full one, read while that one is recorded.
        var prefetched: Task<(QueueLogTableBatch, QueueLogTimeConverter), any Error>?
        defer { prefetched?.cancel() }
        do {
        while !Task.isCancelled {
            let batch: QueueLogTableBatch
            do {
                if let pending = prefetched {
                    prefetched = nil
                    let fetched = try await pending.value
                    batch = fetched.0
                    converter = fetched.1
                } else {
                    batch = try await table.rows(after: after, limit: batchSize, converter: &converter)
                }
            } catch {
                guard follow, !Task.isCancelled else {
                    if Task.isCancelled { break }
                    throw error
                }
                if !lost {
                    logger.warning("\((error as? QueueLogTableError)?.description ?? String(describing: error)); connecting again")
                    lost = true
                }
                await table.close()
                do {
                    try await polling.clock.sleep(for: backoff)
                } catch {
                    break
                }
                backoff = min(backoff * 2, .seconds(60))
                if let again = try? await connect() {
                    table = again
                    backoff = polling.interval
                    lost = false
                    logger.notice("connected again to \(again.address.display)")
                }
                continue
            }
            if batch.rowsSeen == batchSize && !batch.waiting, let last = batch.lines.last?.id {
                let (current, start) = (table, converter)
                prefetched = Task {
                    var converter = start
                    let next = try await current.rows(after: last, limit: batchSize, converter: &converter)
                    return (next, converter)
                }
            }
            if !batch.lines.isEmpty {
                // The next batch is on its way: commit only every `commitEvery` rows.
                after = try await writer.recordRows(batch.lines, more: prefetched != nil)
                waits = 0
            }
            if follow {
                if batch.rowsSeen < batchSize { try await writer.caughtUp() }
                try await writer.notePolled()
            }
            if batch.rowsSeen == batchSize && !batch.waiting {
                continue
            }
            if !follow {
                guard batch.waiting, waits < 20 else {
                    await writer.noteStoppedBeforeUncommitted(batch.waiting)
                    break
                }
                waits += 1
                try? await polling.clock.sleep(for: .milliseconds(50))
                continue
            }
            do {
                try await polling.clock.sleep(for: polling.interval)
            } catch {
                break
            }
        }
        } catch {
            await table.close()
            // What was recorded is kept; the next import goes on after it.
            try? await writer.commitRows()
            throw error
        }
        await table.close()
        return try await writer.finishTable(reason: follow || Task.isCancelled ? "shutdown" : "end_of_input")
    }
}
