/// Runs an actor's code on a `WorkerThread` of its own instead of Swift's cooperative pool,
/// for an actor whose every call may block: one that owns a SQLite writer connection waits on
/// the disk, on another process's lock (for minutes, by design) and on its row pipeline's
/// back-pressure. Callers await it as any actor; only this thread ever blocks.
///
/// It is also a task executor: a task that prefers it (`withTaskExecutorPreference`), such as
/// the collector's read loop, runs on the same thread, so handing each read's lines to the
/// actor is a call on the thread already running, not two wake-ups of two threads.
public final class ThreadExecutor: SerialExecutor, TaskExecutor {
    private let worker: WorkerThread

    public init(name: String) {
        worker = WorkerThread(name: name)
        worker.start()
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let serial = asUnownedSerialExecutor()
        let task = asUnownedTaskExecutor()
        // One job at a time on one thread: every job may run isolated to this serial executor.
        worker.enqueue { job.runSynchronously(isolatedTo: serial, taskExecutor: task) }
    }

    public func asUnownedSerialExecutor() -> UnownedSerialExecutor {
        UnownedSerialExecutor(ordinary: self)
    }

    public func asUnownedTaskExecutor() -> UnownedTaskExecutor {
        UnownedTaskExecutor(ordinary: self)
    }

    /// Ends the thread once the jobs queued so far have run (the actor is going away).
    public func stop() {
        worker.stop()
    }
}
