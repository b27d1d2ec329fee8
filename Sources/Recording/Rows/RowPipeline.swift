import Storage

/// Runs the recorder's row commands on a thread of its own (`cs-rows`), so that interpreting
/// the next lines (the recorder) and writing the previous ones (SQLite) use both cores.
///
/// Buffers are handed over whole and run in order; `submit` waits while `depth` of them are
/// queued, so a slow disk slows the recorder (and through it the socket) instead of growing
/// a queue. A buffer that ends a batch (a commit) also waits until the previous batch is
/// committed: what a crash can lose is the batch being written and the one being made, never
/// more. After a failure the open transaction is rolled back and every later buffer is
/// dropped until `reset()`: the recorder learns of it at its next hand-off and abandons the
/// session, as it would have after a failure in its own thread.
///
/// Every wait here blocks the calling thread: the recorder's own (`RecordingWriter` runs on a
/// thread of its own), never the cooperative pool.
final class RowPipeline: @unchecked Sendable {
    let executor: RowExecutor
    private let depth: Int
    private let worker = WorkerThread(name: "cs-rows")

    // Guarded by the worker's lock.
    /// Buffers queued (or running) that end with a commit.
    private var commitsPending = 0
    private var spare: [RowBuffer] = []
    private var failure: (any Error)?

    init(executor: RowExecutor, depth: Int = 16) {
        self.executor = executor
        self.depth = depth
    }

    func start() {
        worker.start()
    }

    /// Runs what is queued, then ends the thread.
    func stop() {
        worker.stop()
    }

    /// Queues `buffer` (which the caller no longer touches) and returns an empty one to fill
    /// next. Waits while the queue is full. Throws the failure of an earlier buffer, if any.
    func submit(_ buffer: RowBuffer, commits: Bool) throws -> RowBuffer {
        let empty = try worker.wait(until: { [self] in
            failure != nil || (worker.pendingJobs < depth && !(commits && commitsPending > 0))
        }, then: { [self] in
            if let failure { throw failure }
            if commits { commitsPending += 1 }
            return spare.popLast()
        })
        // Only the recorder's thread submits, so nothing can come between the wait and this.
        worker.enqueue { [self] in run(buffer, commits: commits) }
        return empty ?? RowBuffer()
    }

    /// Throws the failure of a buffer, if one failed; never waits.
    func checkFailure() throws {
        try worker.locked { [self] in
            if let failure { throw failure }
        }
    }

    /// Waits until every queued buffer has run; throws the failure of one, if any.
    func drain() throws {
        try worker.wait(until: { [self] in worker.pendingJobs == 0 || failure != nil }, then: { [self] in
            if let failure { throw failure }
        })
    }

    /// Forgets a failure (and what was queued after it, which the thread drops) once the
    /// recorder has abandoned its session; waits for the thread to be idle.
    func reset() {
        worker.wait(until: { [self] in worker.pendingJobs == 0 }, then: { [self] in
            commitsPending = 0
            failure = nil
        })
    }

    private func run(_ buffer: RowBuffer, commits: Bool) {
        let skip = worker.locked { failure != nil }
        var error: (any Error)?
        if !skip {
            do {
                try executor.execute(buffer)
            } catch let failed {
                executor.database.rollback()
                error = failed
            }
        }
        buffer.removeAll()
        worker.locked {
            if commits { commitsPending -= 1 }
            if let error, failure == nil { failure = error }
            if spare.count < depth { spare.append(buffer) }
        }
    }
}
