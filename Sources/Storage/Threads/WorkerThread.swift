import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A thread of its own that runs jobs one at a time, in the order they were queued: where
/// CallStats does blocking work (SQLite's writes, its busy waits, its checkpoints), so that
/// none of it ever runs on Swift's cooperative thread pool.
///
/// One lock guards the queue and whatever state its owner keeps beside it (`locked`), and one
/// condition is signalled whenever either changes, so an owner can wait for its own condition
/// (`wait(until:)`): the row pipeline's back-pressure, a checkpoint's gathering pause. Waiting
/// blocks the calling thread: call it from a worker's job or another thread of one's own,
/// never from async code.
public final class WorkerThread: @unchecked Sendable {
    public let name: String
    private let niceness: Int32
    private let condition = NSCondition()
    // Guarded by `condition`.
    private var queue: [() -> Void] = []
    private var head = 0
    private var running = false
    private var executing = false
    private var stopping = false
    private var thread: Thread?

    /// - Parameters:
    ///   - name: the thread's name, as `top -H` and /proc show it (Linux keeps 15 bytes).
    ///   - niceness: the thread's nice value: above 0, it gives way to busier threads.
    public init(name: String, niceness: Int32 = 0) {
        self.name = name
        self.niceness = niceness
    }

    deinit {
        stop()
    }

    /// Starts the thread (again, after `stop`).
    public func start() {
        condition.lock()
        defer { condition.unlock() }
        guard !running else { return }
        running = true
        stopping = false
        let thread = Thread { [self] in run() }
        self.thread = thread
        thread.start()
    }

    /// Runs what is queued, then ends the thread; waits for it unless called from a job.
    public func stop() {
        condition.lock()
        defer { condition.unlock() }
        stopping = true
        condition.broadcast()
        guard let thread, thread != Thread.current else { return }
        while running {
            condition.wait()
        }
        self.thread = nil
    }

    /// Queues `job`, which the thread runs after the jobs queued before it. Never waits.
    /// What the job captures belongs to the thread from now on.
    public func enqueue(_ job: @escaping () -> Void) {
        condition.lock()
        queue.append(job)
        condition.broadcast()
        condition.unlock()
    }

    /// Jobs queued and not finished, the running one included. Read it under the lock
    /// (`locked`, `wait(until:)`).
    public var pendingJobs: Int {
        queue.count - head + (executing ? 1 : 0)
    }

    /// True once `stop` was called. Read it under the lock.
    public var isStopping: Bool { stopping }

    /// Runs `body` under the lock and wakes every waiter afterwards: for the owner's state.
    public func locked<T>(_ body: () throws -> T) rethrows -> T {
        condition.lock()
        defer {
            condition.broadcast()
            condition.unlock()
        }
        return try body()
    }

    /// Blocks until `isDone` (evaluated under the lock, again after each change) holds, then
    /// runs `body` under the same lock.
    public func wait<T>(until isDone: () -> Bool, then body: () throws -> T) rethrows -> T {
        condition.lock()
        defer {
            condition.broadcast()
            condition.unlock()
        }
        while !isDone() {
            condition.wait()
        }
        return try body()
    }

    /// Blocks until `isDone` holds or `seconds` pass; returns whether it held.
    @discardableResult
    public func wait(until isDone: () -> Bool, timeout seconds: Double) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        let deadline = Date(timeIntervalSinceNow: seconds)
        while !isDone() {
            if !condition.wait(until: deadline) { return isDone() }
        }
        return true
    }

    private func run() {
        // On Linux a nice value set this way is the calling thread's own.
        if niceness != 0 {
            setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, niceness)
        }
        // Named from the thread itself, in the kernel (what `top -H` and /proc show; a new
        // thread starts with its creator's name there) and in Foundation.
        #if os(Linux)
        if let comm = fopen("/proc/thread-self/comm", "w") {
            fputs(String(decoding: name.utf8.prefix(15), as: UTF8.self), comm)
            fclose(comm)
        }
        #endif
        Thread.current.name = name
        condition.lock()
        while true {
            while head == queue.count && !stopping {
                condition.wait()
            }
            guard head < queue.count else { break }
            let job = queue[head]
            head += 1
            if head == queue.count {
                queue.removeAll(keepingCapacity: true)
                head = 0
            }
            executing = true
            condition.unlock()
            job()
            condition.lock()
            executing = false
            condition.broadcast()
        }
        running = false
        condition.broadcast()
        condition.unlock()
    }
}
