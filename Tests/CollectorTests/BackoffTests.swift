import CallStatsTestSupport
import Testing

@testable import Collector

@Suite("Backoff")
struct BackoffTests {
    let backoff = Backoff()

    @Test("ceilings double from 1 s and stop at 60 s")
    func ceilings() {
        let ceilings = (1...9).map { backoff.ceiling(afterFailures: $0) }
        #expect(ceilings == [1, 2, 4, 8, 16, 32, 60, 60, 60])
    }

    @Test("the first retry always comes within 1 s, and never at once")
    func firstRetryWithinOneSecond() {
        var generator = SeededGenerator(state: 1)
        for _ in 0..<1_000 {
            let delay = backoff.delay(afterFailures: 1, using: &generator)
            #expect(delay <= 1 && delay >= 0.5)
        }
    }

    @Test("every delay stays within [ceiling * (1 - jitter), ceiling] and never above the cap")
    func bounds() {
        var generator = SeededGenerator(state: 42)
        for failures in 1...40 {
            let ceiling = backoff.ceiling(afterFailures: failures)
            for _ in 0..<200 {
                let delay = backoff.delay(afterFailures: failures, using: &generator)
                #expect(delay <= ceiling)
                #expect(delay >= ceiling * (1 - backoff.jitter))
                #expect(delay <= 60)
            }
        }
    }

    @Test("the jitter range's ends are reached by the random draw's ends")
    func jitterEnds() {
        #expect(backoff.delay(afterFailures: 3, unitRandom: 0) == 4)
        #expect(backoff.delay(afterFailures: 3, unitRandom: 1) == 2)
        #expect(backoff.delay(afterFailures: 3, unitRandom: 0.5) == 3)
    }

    @Test("draws are spread over the range, not constant")
    func jitterSpreads() {
        var generator = SeededGenerator(state: 7)
        let delays = (0..<100).map { _ in backoff.delay(afterFailures: 10, using: &generator) }
        let low = delays.filter { $0 < 45 }.count
        let high = delays.filter { $0 >= 45 }.count
        #expect(Set(delays).count > 90)
        #expect(low > 20 && high > 20)
    }

    @Test("a huge failure count neither overflows nor exceeds the cap")
    func hugeFailureCount() {
        #expect(backoff.ceiling(afterFailures: 10_000) == 60)
        #expect(backoff.ceiling(afterFailures: Int.max) == 60)
        #expect(backoff.ceiling(afterFailures: 0) == 1)
    }

    @Test("no jitter gives the ceiling exactly")
    func noJitter() {
        let fixed = Backoff(initial: 0.5, maximum: 5, multiplier: 3, jitter: 0)
        var generator = SeededGenerator(state: 3)
        #expect((1...4).map { fixed.delay(afterFailures: $0, using: &generator) } == [0.5, 1.5, 4.5, 5])
    }
}
