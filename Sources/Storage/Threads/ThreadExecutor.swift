/// Runs an actor's code on a `WorkerThread` of its own instead of Swift's cooperative pool,
/// for an actor whose every call may block: one that owns a SQLite writer connection waits on
/// the disk, on another process's lock (for minutes, by design) and on its row pipeline's
/// back-pressure. Callers await it as any actor; only this thread ever blocks.
public final class ThreadExecutor: SerialExecutor {
    private let worker: WorkerThread

    public init(name: String) {
        worker = WorkerThread(name: name)
        worker.start()
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedSerialExecutor()
        worker.enqueue { job.runSynchronously(on: executor) }
    }

    public func asUnownedSerialExecutor() -> UnownedSerialExecutor {
        UnownedSerialExecutor(ordinary: self)
    }

    /// Ends the thread once the jobs queued so far have run (the actor is going away).
    public func stop() {
        worker.stop()
    }
}
