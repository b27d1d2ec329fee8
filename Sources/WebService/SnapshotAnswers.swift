import Foundation

/// The live views' answers, shared by every request of one snapshot.
///
/// A wall of screens and scripts asks for the same few views many times a second, and each
/// answer costs a read of the whole day on the live reader's one thread (milliseconds), so
/// reading once per request caps the rate far below what is asked. Requests for the same
/// view with the same parameters, in the same commit of the database (its `data_version`)
/// and the same second of the clock, get the same text: the first one reads it (as of that
/// whole second), the others await that read. The answer stays the one `--format json`
/// prints for that snapshot, byte for byte.
///
/// Only the newest snapshot's answers are kept, and at most `maximumAnswers` of them (a
/// client varying its parameters gets its own read each time rather than growing the cache).
/// A failed read is not kept: the next request reads again.
public actor SnapshotAnswers {
    /// A view and its parameters as parsed (`?tz=UTC&sl-threshold=30` and `?sl-threshold=30s&tz=UTC` are one).
    public enum Question: Hashable, Sendable {
        case view(ViewRequest, zone: String)
        case status(stale: Double)
        case metrics
    }

    struct Snapshot: Hashable {
        var dataVersion: Int64
        var second: Double
    }

    static let maximumAnswers = 64

    private var snapshot: Snapshot?
    private var answers: [Question: Task<String, any Error>] = [:]

    public init() {}

    /// `question`'s text for the snapshot (`dataVersion`, `second`): from the read another
    /// request already started, or from `read` (given the second to read as of).
    func answer(_ question: Question, dataVersion: Int64, second: Double,
                read: @escaping @Sendable (Double) async throws -> String) async throws -> String {
        let current = Snapshot(dataVersion: dataVersion, second: second)
        if snapshot != current {
            snapshot = current
            answers.removeAll()
        }
        if let pending = answers[question] {
            return try await pending.value
        }
        // Not the first request's own task: its cancellation (a client gone) must not fail
        // the others awaiting the same answer.
        let task = Task { try await read(second) }
        if answers.count < Self.maximumAnswers {
            answers[question] = task
        }
        do {
            return try await task.value
        } catch {
            if snapshot == current, answers[question] == task {
                answers[question] = nil
            }
            throw error
        }
    }
}
