import Foundation
import Storage
import Testing

/// The thread every blocking job runs on (`cs-writer`, `cs-rows`, `cs-checkpoint`).
@Suite("Worker threads")
struct WorkerThreadTests {
    /// State a test's jobs change under the worker's lock.
    private final class Log: @unchecked Sendable {
        var entries: [String] = []
    }

    @Test("jobs run in order, on the worker's own named thread, and stop runs what is queued first")
    func inOrder() {
        let worker = WorkerThread(name: "cs-test-order")
        let log = Log()
        worker.start()
        for n in 0..<100 {
            worker.enqueue {
                let name = Self.currentThreadName()
                worker.locked { log.entries.append("\(n)@\(name)") }
            }
        }
        worker.stop()
        #expect(log.entries == (0..<100).map { "\($0)@cs-test-order" })
        #expect(worker.locked { worker.pendingJobs } == 0)
    }

    @Test("a waiter wakes when a job changes the state it waits for, and runs its body under the lock")
    func waitsForState() {
        let worker = WorkerThread(name: "cs-test-wait")
        let log = Log()
        worker.start()
        defer { worker.stop() }
        let gate = DispatchSemaphore(value: 0)
        worker.enqueue {
            gate.wait()  // the job holds the thread until the waiter is waiting
            worker.locked { log.entries.append("done") }
        }
        #expect(worker.locked { worker.pendingJobs } == 1)
        #expect(!worker.wait(until: { !log.entries.isEmpty }, timeout: 0.05))
        gate.signal()
        let seen = worker.wait(until: { !log.entries.isEmpty && worker.pendingJobs == 0 }, then: { log.entries })
        #expect(seen == ["done"])
    }

    @Test("a job may stop its own thread without waiting for itself; the thread starts again")
    func stopFromAJob() {
        let worker = WorkerThread(name: "cs-test-stop")
        let log = Log()
        worker.start()
        worker.enqueue { worker.stop() }
        worker.enqueue { worker.locked { log.entries.append("after stop") } }
        worker.stop()
        #expect(log.entries == ["after stop"])
        worker.start()
        worker.enqueue { worker.locked { log.entries.append("restarted") } }
        worker.stop()
        #expect(log.entries == ["after stop", "restarted"])
    }

    private actor OnItsThread {
        private let executor = ThreadExecutor(name: "cs-test-actor")
        nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }
        nonisolated var thread: any TaskExecutor { executor }

        /// Blocks until `gate` is signalled: as a write waiting for a lock would.
        func block(on gate: DispatchSemaphore) {
            gate.wait()
        }

        func threadName() -> String { Thread.current.name ?? "" }

        deinit { executor.stop() }
    }

    /// The thread's name as the kernel has it (`top -H`, /proc): Linux keeps 15 bytes.
    private static func currentThreadName() -> String {
        guard let comm = try? String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8) else { return "" }
        return comm.trimmingCharacters(in: .newlines)
    }

    @Test("a task that prefers the executor runs on its thread, before and after calling the actor")
    func taskPreference() async {
        let actor = OnItsThread()
        let names = await withTaskExecutorPreference(actor.thread) {
            let before = Self.currentThreadName()
            let inside = await actor.threadName()
            return [before, inside, Self.currentThreadName()]
        }
        #expect(names == ["cs-test-actor", "cs-test-actor", "cs-test-actor"])
    }

    @Test("an actor on a ThreadExecutor runs on its thread: while it blocks, the cooperative pool goes on", .timeLimit(.minutes(1)))
    func actorOnItsThread() async {
        #expect(await OnItsThread().threadName() == "cs-test-actor")
        // Block as many actors as the pool has threads: were they on the pool, nothing else
        // could run until they returned, and this test would never reach `signal`.
        let blocked = max(2, ProcessInfo.processInfo.activeProcessorCount)
        let actors = (0..<blocked).map { _ in OnItsThread() }
        let gate = DispatchSemaphore(value: 0)
        let calls = actors.map { actor in Task { await actor.block(on: gate) } }
        let onThePool = await Task.detached { (1...1000).reduce(0, +) }.value
        #expect(onThePool == 500_500)
        for _ in 0..<blocked { gate.signal() }
        for call in calls {
            _ = await call.value
        }
    }
}
