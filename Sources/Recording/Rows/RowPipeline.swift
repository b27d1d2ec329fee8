import Foundation
import Storage

/// Runs the recorder's row commands on a thread of its own, so that interpreting the next
/// lines (the recorder) and writing the previous ones (SQLite) use both cores.
///
/// Buffers are handed over whole and run in order; `submit` waits while `depth` of them are
/// queued, so a slow disk slows the recorder (and through it the socket) instead of growing
/// a queue. A buffer that ends a batch (a commit) also waits until the previous batch is
/// committed: what a crash can lose is the batch being written and the one being made, never
/// more. After a failure the open transaction is rolled back and every later buffer is
/// dropped until `reset()`: the recorder learns of it at its next hand-off and abandons the
/// session, as it would have after a failure in its own thread.
///
/// Thread-safe: everything mutable is guarded by `condition`, except the executor, which only
/// the thread touches, or the caller after `drain()` (when the thread is idle).
final class RowPipeline: @unchecked Sendable {
    let executor: RowExecutor
    private let depth: Int

    private let condition = NSCondition()
    private var queue: [(buffer: RowBuffer, commits: Bool)] = []
    /// Buffers in `queue` (or running) that end with a commit.
    private var commitsPending = 0
    private var spare: [RowBuffer] = []
    private var executing = false
    private var failure: (any Error)?
    private var stopping = false
    private var running = false

    init(executor: RowExecutor, depth: Int = 64) {
        self.executor = executor
        self.depth = depth
    }

    func start() {
        condition.lock()
        defer { condition.unlock() }
        guard !running else { return }
        running = true
        stopping = false
        let thread = Thread { [self] in
            Thread.current.name = "cs-rows"
            run()
        }
        thread.start()
    }

    /// Runs what is queued, then ends the thread.
    func stop() {
        condition.lock()
        stopping = true
        condition.broadcast()
        while running {
            condition.wait()
        }
        condition.unlock()
    }

    /// Queues `buffer` (which the caller no longer touches) and returns an empty one to fill
    /// next. Waits while the queue is full. Throws the failure of an earlier buffer, if any.
    func submit(_ buffer: RowBuffer, commits: Bool) throws -> RowBuffer {
        condition.lock()
        defer { condition.unlock() }
        if let failure { throw failure }
        while (queue.count >= depth || (commits && commitsPending > 0)) && failure == nil {
            condition.wait()
        }
        if let failure { throw failure }
        queue.append((buffer, commits))
        if commits { commitsPending += 1 }
        condition.broadcast()
        if let empty = spare.popLast() { return empty }
        return RowBuffer()
    }

    /// Throws the failure of a buffer, if one failed; never waits.
    func checkFailure() throws {
        condition.lock()
        defer { condition.unlock() }
        if let failure { throw failure }
    }

    /// Waits until every queued buffer has run; throws the failure of one, if any.
    func drain() throws {
        condition.lock()
        defer { condition.unlock() }
        while (!queue.isEmpty || executing) && failure == nil {
            condition.wait()
        }
        if let failure { throw failure }
    }

    /// Forgets a failure (and what was queued after it) once the recorder has abandoned its
    /// session; waits for the thread to be idle.
    func reset() {
        condition.lock()
        defer { condition.unlock() }
        while executing {
            condition.wait()
        }
        queue.removeAll()
        commitsPending = 0
        failure = nil
    }

    private func run() {
        condition.lock()
        while true {
            while queue.isEmpty && !stopping {
                condition.wait()
            }
            guard !queue.isEmpty else { break }
            let (buffer, commits) = queue.removeFirst()
            let skip = failure != nil
            executing = true
            condition.unlock()

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

            condition.lock()
            executing = false
            if commits { commitsPending -= 1 }
            if let error, failure == nil { failure = error }
            if spare.count < depth { spare.append(buffer) }
            condition.broadcast()
        }
        running = false
        condition.broadcast()
        condition.unlock()
    }
}
