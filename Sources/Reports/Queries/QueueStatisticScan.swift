import Storage

/// Queue statistics per period and queue (metrics.md "Queue statistics and EWT"), from one
/// ordered read of each queue's statistic series.
///
/// Each (queue, key) is a step function. For a period: the value in effect at its start (the
/// series' latest sample at or before it) and the samples inside it, those of a session that
/// started; each holds from its sample (or the period's start, or its session's start, the
/// latest) until the next of those samples, its session's end or the period's end (the
/// earliest). `Xivo-LongestWaitTime` also ends at a `Xivo-WaitingCalls` of 0 (an emptied
/// queue sends only that: nobody waits, so the longest wait is 0).
///
/// Why in Swift: done per period in SQL, every period sought each series' value at its start,
/// sorted its samples for a window function and looked up, for each longest-wait value, the
/// next emptied queue (about 4 µs per sample). Here each series of a run of periods is read
/// once in index order and cut into the periods in memory. The arithmetic is the SQL's, and
/// each sum adds the same values in the same order (one key's values in time order), so every
/// figure is the same double.
struct QueueStatisticScan {
    /// The keys, in the order of `keys`.
    enum Key: Int, CaseIterable {
        case ewt, waitingCalls, longestWait, loggedAgents, availableAgents, talkingAgents
    }

    static let keys = [
        "Xivo-EWT", "Xivo-WaitingCalls", "Xivo-LongestWaitTime",
        "Xivo-LoggedAgents", "Xivo-AvailableAgents", "Xivo-TalkingAgents",
    ]

    struct Sample {
        var id: Int64
        var time: Double
        var value: Double?
        var session: Int64
    }

    /// One queue's figures in one period: the sums of the time-weighted means, and maxima.
    struct Totals {
        var ewt = TimeWeightedMean()
        var ewtMax: Double?
        var waitingCalls = TimeWeightedMean()
        var waitingCallsMax: Double?
        var longestWaitMax: Double?
        var loggedAgents = TimeWeightedMean()
        var availableAgents = TimeWeightedMean()
        var talkingAgents = TimeWeightedMean()
        /// Whether any value was known at some covered moment: the queue has a row.
        var known = false
    }

    /// The series' latest sample at or before `?3` (`queue_stat_sample_steps`, read backwards).
    ///
    /// The three statements read only `queue_stat_sample_steps` (queue_id, key, event_time,
    /// id, value, session_id), in its order: a month of a queue's series is one range of it.
    /// With the former index of (queue_id, key, event_time) each sample was also looked up in
    /// the table by its id, which was most of the EWT report's time (migration 0009).
    static let latestSQL = """
        SELECT id, event_time, value, session_id FROM queue_stat_sample
        WHERE queue_id = ?1 AND key = ?2 AND event_time <= ?3
        ORDER BY event_time DESC, id DESC LIMIT 1
        """

    /// The series' samples in `(?3, ?4)`, in index order.
    static let samplesSQL = """
        SELECT id, event_time, value, session_id FROM queue_stat_sample
        WHERE queue_id = ?1 AND key = ?2 AND event_time > ?3 AND event_time < ?4
        ORDER BY event_time, id
        """

    /// The queue's `Xivo-WaitingCalls` of 0 in `[?2, ?3]`, of any session.
    static let emptiedSQL = """
        SELECT event_time, id FROM queue_stat_sample
        WHERE queue_id = ?1 AND key = 'Xivo-WaitingCalls' AND event_time >= ?2 AND event_time <= ?3 AND value = 0
        ORDER BY event_time, id
        """


    let database: Database
    let sessions: SessionSpans
    /// The queues to report, in report order.
    let queues: [String]
    /// At most this many (period, queue) cells are held at once: periods are read in runs.
    var cellsPerRun = 1 << 16
    /// A run of several periods spans at most this many seconds, so the samples held at once
    /// (one queue's, over the run) do not grow with the report's range: a week of a busy
    /// queue is a few MB. A single longer period is a run of its own.
    var secondsPerRun = 7 * 86_400.0

    /// Calls `emit` for each period of `periods` (sorted, not overlapping), in order, with one
    /// `Totals` per queue, in `queues` order.
    func run(periods: [Period], _ emit: (Period, ArraySlice<Totals>) throws -> Void) throws {
        guard !periods.isEmpty else { return }
        let runLength = max(1, cellsPerRun / max(queues.count, 1))
        var first = 0
        while first < periods.count {
            var last = first + 1
            while last < min(first + runLength, periods.count), periods[last].end - periods[first].start <= secondsPerRun {
                last += 1
            }
            let run = Array(periods[first..<last])
            var cells = [Totals](repeating: Totals(), count: run.count * queues.count)
            let start = run.map(\.start).min() ?? 0
            let end = run.map(\.end).max() ?? 0
            for (queueIndex, queue) in queues.enumerated() {
                let series = try read(queue: queue, from: start, to: end)
                for (offset, period) in run.enumerated() {
                    cells[offset * queues.count + queueIndex] = totals(of: series, in: period)
                }
            }
            for (offset, period) in run.enumerated() {
                try emit(period, cells[offset * queues.count..<(offset + 1) * queues.count])
            }
            first += run.count
        }
    }

    /// One queue's series over `[start, end)`: per key, the sample in effect at `start` and
    /// those after it, in (event_time, id) order; and the emptied-queue moments from the
    /// longest wait's first sample on, in the same order.
    struct Series {
        var samples: [[Sample]]
        var emptied: [(time: Double, id: Int64)]
    }

    func read(queue: String, from start: Double, to end: Double) throws -> Series {
        let latest = try database.cachedStatement(Self.latestSQL)
        let inside = try database.cachedStatement(Self.samplesSQL)
        var samples: [[Sample]] = []
        for key in Self.keys {
            var list: [Sample] = []
            let sample: (Statement) -> Sample = { row in
                Sample(id: row.int64(0), time: row.double(1), value: row.optionalDouble(2), session: row.int64(3))
            }
            if let first = try latest.firstRow([queue, key, start], sample) { list.append(first) }
            try inside.forEachRow([queue, key, start, end]) { list.append(sample($0)) }
            samples.append(list)
        }
        var emptied: [(time: Double, id: Int64)] = []
        if let first = samples[Key.longestWait.rawValue].first, first.time <= start {
            try database.cachedStatement(Self.emptiedSQL).forEachRow([queue, first.time, start]) { row in
                emptied.append((row.double(0), row.int64(1)))
            }
        }
        for sample in samples[Key.waitingCalls.rawValue] where sample.time > start && sample.value == 0 {
            emptied.append((sample.time, sample.id))
        }
        return Series(samples: samples, emptied: emptied)
    }

    /// One queue's totals for `period`.
    func totals(of series: Series, in period: Period) -> Totals {
        var totals = Totals()
        for key in Key.allCases {
            let samples = series.samples[key.rawValue]
            // The value in effect at the start: the latest sample at or before it.
            let firstAfterStart = Self.firstIndex(in: samples) { $0.time > period.start }
            let end = Self.firstIndex(in: samples) { $0.time >= period.end }
            var index = max(firstAfterStart - 1, 0)
            // Samples of a session that never started are no steps at all: skipped before
            // finding each step's successor.
            while index < end, sessions[samples[index].session] == nil { index += 1 }
            while index < end {
                let sample = samples[index]
                var next = index + 1
                while next < end, sessions[samples[next].session] == nil { next += 1 }
                guard let session = sessions[sample.session] else { break }
                let from = max(sample.time, period.start, session.start)
                var to = min(period.end, session.end, next < end ? samples[next].time : period.end)
                if key == .longestWait, let emptied = Self.firstEmptied(in: series.emptied, after: sample), emptied < to {
                    to = emptied
                }
                if to > from { add(sample.value, key: key, seconds: to - from, to: &totals) }
                index = next
            }
        }
        return totals
    }

    func add(_ value: Double?, key: Key, seconds: Double, to totals: inout Totals) {
        guard let value else { return }
        totals.known = true
        switch key {
        case .ewt:
            totals.ewt.weighted += value * seconds
            totals.ewt.seconds += seconds
            totals.ewtMax = largest(totals.ewtMax, value)
        case .waitingCalls:
            totals.waitingCalls.weighted += value * seconds
            totals.waitingCalls.seconds += seconds
            totals.waitingCallsMax = largest(totals.waitingCallsMax, value)
            // An emptied queue: nobody waits, the longest wait is 0.
            if value == 0 { totals.longestWaitMax = largest(totals.longestWaitMax, 0) }
        case .longestWait:
            totals.longestWaitMax = largest(totals.longestWaitMax, value)
        case .loggedAgents:
            totals.loggedAgents.weighted += value * seconds
            totals.loggedAgents.seconds += seconds
        case .availableAgents:
            totals.availableAgents.weighted += value * seconds
            totals.availableAgents.seconds += seconds
        case .talkingAgents:
            totals.talkingAgents.weighted += value * seconds
            totals.talkingAgents.seconds += seconds
        }
    }

    /// The time of the first emptied-queue moment after `sample` in (event_time, id) order.
    static func firstEmptied(in emptied: [(time: Double, id: Int64)], after sample: Sample) -> Double? {
        var low = 0
        var high = emptied.count
        while low < high {
            let middle = (low + high) / 2
            let moment = emptied[middle]
            if moment.time < sample.time || (moment.time == sample.time && moment.id <= sample.id) {
                low = middle + 1
            } else {
                high = middle
            }
        }
        return low < emptied.count ? emptied[low].time : nil
    }

    /// The first index whose sample satisfies `isAfter`, which holds from some index on.
    static func firstIndex(in samples: [Sample], where isAfter: (Sample) -> Bool) -> Int {
        var low = 0
        var high = samples.count
        while low < high {
            let middle = (low + high) / 2
            if isAfter(samples[middle]) { high = middle } else { low = middle + 1 }
        }
        return low
    }
}
