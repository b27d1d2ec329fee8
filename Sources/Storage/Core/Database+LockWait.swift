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

    private static func monotonicNow() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1_000_000_000
    }
}
