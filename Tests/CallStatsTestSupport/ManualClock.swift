import Synchronization

/// A clock that moves only when a test advances it, for components whose timers sleep on an
/// injected `Clock` (the collector's keepalive, idle check, backoff, commit and status timers):
/// a test decides when a timer fires instead of sleeping until it does, and a busy machine
/// cannot make a timer fire early or late against what the test checks.
///
/// Its `wallTime` reads the same instant as epoch seconds, for the readings a component
/// records (when a line arrived, when a session ended), so the two never disagree.
///
/// The state is behind a `Mutex` held only for short bookkeeping, never across an await:
/// continuations are resumed after it is released.
public final class ManualClock: Clock, Sendable {
    public struct Instant: InstantProtocol, Sendable {
        /// Time since the clock was made.
        public var offset: Duration

        public func advanced(by duration: Duration) -> Instant { Instant(offset: offset + duration) }
        public func duration(to other: Instant) -> Duration { other.offset - offset }
        public static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.offset < rhs.offset }
    }

    private struct Sleeper {
        let id: UInt64
        let deadline: Instant
        let continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var now = Instant(offset: .zero)
        var nextID: UInt64 = 0
        var sleepers: [Sleeper] = []
        /// Sleeps cancelled before their continuation was stored.
        var cancelled: Set<UInt64> = []
        /// Tests waiting for a sleep: each with what it waits for, given the time remaining
        /// until a sleep's deadline.
        var sleepWaiters: [(matches: @Sendable (Duration) -> Bool, continuation: CheckedContinuation<Void, Never>)] = []
    }

    private let state = Mutex(State())
    /// Epoch seconds of `Instant(offset: .zero)`.
    public let epoch: Double

    /// 2027-01-15T08:00:00Z by default: a fixed, plausible recording time.
    public init(epoch: Double = 1_800_000_000) {
        self.epoch = epoch
    }

    public var now: Instant { state.withLock { $0.now } }
    public var minimumResolution: Duration { .zero }

    /// The clock's current instant as epoch seconds. Near 1.8e9 s a double is exact to about
    /// 2e-7 s: an advance by a binary fraction of a second (0.25, 0.5) moves it by exactly that
    /// much, one by 0.2 may come out a hair short, which a component comparing the difference
    /// with 0.2 reads as not yet due.
    public var wallTime: @Sendable () -> Double {
        { [self] in epoch + Self.seconds(now.offset) }
    }

    public func sleep(until deadline: Instant, tolerance: Duration? = nil) async throws {
        let id = state.withLock { state in
            state.nextID += 1
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                enum Outcome { case wake, cancelled, wait([CheckedContinuation<Void, Never>]) }
                let outcome: Outcome = state.withLock { state in
                    if state.cancelled.remove(id) != nil { return .cancelled }
                    if deadline <= state.now { return .wake }
                    state.sleepers.append(Sleeper(id: id, deadline: deadline, continuation: continuation))
                    let remaining = state.now.duration(to: deadline)
                    let ready = state.sleepWaiters.filter { $0.matches(remaining) }.map(\.continuation)
                    state.sleepWaiters.removeAll { $0.matches(remaining) }
                    return .wait(ready)
                }
                switch outcome {
                case .wake: continuation.resume()
                case .cancelled: continuation.resume(throwing: CancellationError())
                case .wait(let waiters): waiters.forEach { $0.resume() }
                }
            }
        } onCancel: {
            let sleeper: Sleeper? = state.withLock { state in
                if let index = state.sleepers.firstIndex(where: { $0.id == id }) {
                    return state.sleepers.remove(at: index)
                }
                state.cancelled.insert(id)
                return nil
            }
            sleeper?.continuation.resume(throwing: CancellationError())
        }
        // A sleep that woke normally leaves no id in `cancelled`; one whose cancellation came
        // after it woke leaves one, removed here so the set does not grow.
        _ = state.withLock { $0.cancelled.remove(id) }
    }

    /// Moves the clock forward and wakes every sleep whose deadline has come, earliest first.
    public func advance(by duration: Duration) {
        precondition(duration >= .zero, "a clock does not go back")
        let due: [Sleeper] = state.withLock { state in
            state.now = state.now.advanced(by: duration)
            let now = state.now
            let due = state.sleepers.filter { $0.deadline <= now }.sorted { $0.deadline < $1.deadline }
            state.sleepers.removeAll { $0.deadline <= now }
            return due
        }
        for sleeper in due {
            sleeper.continuation.resume()
        }
    }

    /// Returns once a sleep is pending whose deadline is `remaining` from now: the component
    /// that sleeps for that long has come round to waiting on the clock, and advancing it now
    /// wakes that sleep (advancing before would move the clock under a timer not yet set).
    public func waitForSleep(lasting remaining: Duration) async {
        await waitForSleep { $0 == remaining }
    }

    /// Returns once a sleep is pending whose time remaining until its deadline `matches`.
    public func waitForSleep(where matches: @escaping @Sendable (Duration) -> Bool) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let ready = state.withLock { state in
                if state.sleepers.contains(where: { matches(state.now.duration(to: $0.deadline)) }) { return true }
                state.sleepWaiters.append((matches, continuation))
                return false
            }
            if ready { continuation.resume() }
        }
    }

    static func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
