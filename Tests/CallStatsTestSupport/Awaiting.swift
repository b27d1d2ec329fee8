import Foundation

/// A test's own failure, thrown where an `#expect` cannot say it (a helper, a timeout).
public struct TestFailure: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Awaits `condition`, failing after `timeout` seconds: for what is only visible by looking (a
/// row in a database another connection or process writes, a process's exit, a server's
/// counters), where there is no event to await. The timeout guards against a hang and is
/// generous, as a loaded machine may take long; the wait ends as soon as the condition holds.
/// `interval` is how often it looks (longer where looking is costly: a process per look).
public func eventually(_ what: String, timeout: Double = 120, every interval: Duration = .milliseconds(10), _ condition: () throws -> Bool) async throws {
    let deadline = ContinuousClock.now + .milliseconds(Int(timeout * 1000))
    while true {
        if try condition() { return }
        guard ContinuousClock.now < deadline else { throw TestFailure("timed out after \(timeout) s waiting for \(what)") }
        try await Task.sleep(for: interval)
    }
}

/// The same, for conditions read through `await`.
public func eventually(_ what: String, timeout: Double = 120, every interval: Duration = .milliseconds(10), _ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + .milliseconds(Int(timeout * 1000))
    while true {
        if try await condition() { return }
        guard ContinuousClock.now < deadline else { throw TestFailure("timed out after \(timeout) s waiting for \(what)") }
        try await Task.sleep(for: interval)
    }
}

/// The same, returning the first value `probe` gives that is not nil.
public func eventually<T>(_ what: String, timeout: Double = 120, every interval: Duration = .milliseconds(10), _ probe: () async throws -> T?) async throws -> T {
    let deadline = ContinuousClock.now + .milliseconds(Int(timeout * 1000))
    while true {
        if let value = try await probe() { return value }
        guard ContinuousClock.now < deadline else { throw TestFailure("timed out after \(timeout) s waiting for \(what)") }
        try await Task.sleep(for: interval)
    }
}

/// Runs `body`, failing when it takes longer than `seconds`.
public func withTimeout<T: Sendable>(_ seconds: Double, _ what: String,
                                     _ body: @escaping @Sendable () async throws -> T) async throws -> T
{
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
            throw TestFailure("timed out after \(seconds) s waiting for \(what)")
        }
        defer { group.cancelAll() }
        guard let result = try await group.next() else { throw TestFailure("no result for \(what)") }
        return result
    }
}

/// Runs blocking work (socket I/O, a child process) on a thread of its own and awaits it.
/// The tests of one `swift test` process share a cooperative pool as wide as the machine has
/// cores: a test that blocks one of its threads for seconds starves the tests beside it.
public func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread {
            continuation.resume(with: Result { try body() })
        }
        thread.start()
    }
}
