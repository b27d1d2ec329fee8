import Recording

/// The indexes an import builds once, when it has caught up, rather than row by row while it
/// reads a long history (migration 0013, docs/RECORDING.md "Catching up").
///
/// Kept up row by row, the visits' caller-number index takes each visit at a random place, and
/// a commit writes every page it touched: a year of the simulator's queue_log wrote 42 GB for a
/// 3.3 GB file and took 143.6 s; without the index, 10.9 GB and 80.9 s, and 7.5 s to build it
/// at the end (BENCHMARKS.md "queue_log import").
///
/// Building it reads every visit, so it is dropped only once this import has added as many
/// visits as the database held before it: a day's import into a year's database keeps it.
final class CatchUpIndexes {
    static let names = ["queue_visit_caller_number"]

    private let recorder: Recorder
    /// Visits this import adds before the index may be dropped, whatever the database held.
    private let minimumVisits: Int64
    /// The largest visit id before this import.
    private let visitsBefore: Int64
    private var deferred = false

    init(recorder: Recorder, visitsBefore: Int64, minimumVisits: Int64) {
        self.recorder = recorder
        self.visitsBefore = visitsBefore
        self.minimumVisits = minimumVisits
    }

    /// After a commit while more lines wait: drops the indexes once the import has added
    /// enough visits.
    func committedWhileCatchingUp() throws {
        guard !deferred, let next = recorder.nextVisitID else { return }
        let added = next - 1 - visitsBefore
        guard added >= minimumVisits, added >= visitsBefore else { return }
        try recorder.deferIndexes(Self.names)
        deferred = true
    }

    /// Caught up, or ending: builds what was dropped.
    func build() throws {
        guard deferred else { return }
        try recorder.buildDeferredIndexes()
        deferred = false
    }
}
