import CallStatsSQLite

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Database {
    /// Makes this connection wait up to `limit` seconds for another connection's lock
    /// (another process's open write transaction) instead of the busy timeout, calling
    /// `report(seconds waited)` every `reportInterval` seconds while it waits.
    ///
    /// For the collector's writer: a write that waits keeps the lines it holds, while one
    /// that gives up loses its batch and drops the connection, and with it everything the
    /// server sends until the next session. Replaces the busy timeout set at open.
    public func waitForLocks(upTo limit: Double, reportEvery reportInterval: Double,
                             report: @escaping @Sendable (Double) -> Void)
    {
        let waiter = LockWaiter(limit: limit, reportInterval: reportInterval, report: report)
        // Kept alive by the connection: SQLite only holds the raw pointer.
        lockWaiter = waiter
        sqlite3_busy_handler(handle, { context, attempt in
            guard let context else { return 0 }
            let waiter = Unmanaged<LockWaiter>.fromOpaque(context).takeUnretainedValue()
            return waiter.keepWaiting(attempt: attempt) ? 1 : 0
        }, Unmanaged.passUnretained(waiter).toOpaque())
    }
}

extension Database {
    /// `BEGIN IMMEDIATE` as soon as the write lock is free, for up to `limit` seconds: for
    /// work that runs beside a collector in short transactions (prune, the journal's
    /// conversion), on a connection whose busy timeout is 0.
    ///
    /// A busy collector holds the lock for its whole batch (100 ms) and takes it again as soon
    /// as the next line arrives, so it is free only for moments between batches. SQLite's busy
    /// handler backs off to 100 ms sleeps and rarely lands in such a moment; asking every
    /// millisecond does (a failed `BEGIN IMMEDIATE` costs microseconds).
    public func beginImmediateWhenFree(waitingUpTo limit: Double) throws(StorageError) {
        let deadline = LockWaiter.monotonicNow() + limit
        while true {
            do {
                try beginImmediate()
                return
            } catch {
                guard error.isBusy, LockWaiter.monotonicNow() < deadline else { throw error }
            }
            usleep(1_000)
        }
    }
}

/// The state of one connection's wait for a lock (SQLite calls the busy handler again and
/// again for one locking event, with the number of earlier calls).
final class LockWaiter {
    private let limit: Double
    private let reportInterval: Double
    private let report: @Sendable (Double) -> Void
    private var startedAt: Double = 0
    private var reports = 0

    init(limit: Double, reportInterval: Double, report: @escaping @Sendable (Double) -> Void) {
        self.limit = limit
        self.reportInterval = max(reportInterval, 0.001)
        self.report = report
    }

    func keepWaiting(attempt: Int32) -> Bool {
        let now = Self.monotonicNow()
        if attempt == 0 {
            startedAt = now
            reports = 0
        }
        let waited = now - startedAt
        guard waited < limit else { return false }
        let due = Int(waited / reportInterval)
        if due > reports {
            reports = due
            report(waited)
        }
        // Most locks are short (another writer's transaction): retry soon at first, then
        // poll gently.
        usleep(attempt < 20 ? 1_000 : attempt < 60 ? 10_000 : 50_000)
        return true
    }

    static func monotonicNow() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1_000_000_000
    }
}
