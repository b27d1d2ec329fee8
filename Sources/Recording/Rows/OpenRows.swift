/// Agent state intervals and queue visits opened in the current batch and not yet written.
///
/// Most intervals end, and most callers leave, within the batch that opened them. Written as
/// they happen, such a row costs an `INSERT` and one to three `UPDATE`s of the same row (and of
/// its indexes); held here until it ends, it is written once, whole. What is still open when
/// the batch commits, or when the recorder reads the database itself (`RowWriter.drain`), is
/// written then as it stands, and what happens to it later is written as the updates it always
/// was. Rows are never held across a commit, so a commit holds exactly the rows it held when
/// every statement ran at once, and so does the database any reader sees.
///
/// Only the statements that address one of these rows by its id fold into it; no other
/// statement reads or changes `agent_state_interval` or `queue_visit` while lines are
/// recorded, and the recorder's own reads of the database come after a `drain`.
struct OpenRows {
    private var intervals: [Int64: IntervalOpened] = [:]
    private var visits: [Int64: VisitStarted] = [:]

    var isEmpty: Bool { intervals.isEmpty && visits.isEmpty }

    /// What to write now for a statement (`OpenRows.fold`).
    enum Outcome<Row> {
        /// Held, or folded into a held row: nothing yet.
        case held
        /// The statement addresses no held row: written as it is.
        case unchanged(Row)
        /// The statement completed a held interval or visit: the whole row.
        case interval(IntervalOpened)
        case visit(VisitStarted)
    }

    /// Applies `row` to the held row it addresses, if any. Generic so that, specialized for
    /// each row type, every cast below is decided when compiling: no row pays for the others.
    /// The maps change through `updateValue` and `removeValue`, never through their subscript,
    /// whose modify accessor allocates its frame each time (most lines fold a row here).
    @inline(__always)
    mutating func fold<Row: RecordedRow>(_ row: Row) -> Outcome<Row> {
        switch row {
        case let opened as IntervalOpened where opened.endTime == nil:
            intervals.updateValue(opened, forKey: opened.id)
        case let closed as IntervalClosed:
            guard var open = intervals.removeValue(forKey: closed.id) else { return .unchanged(row) }
            open.endTime = closed.endTime
            return .interval(open)
        case let deleted as IntervalDeleted:
            guard intervals.removeValue(forKey: deleted.id) != nil else { return .unchanged(row) }
        case let relabelled as IntervalRelabelled:
            guard var open = intervals[relabelled.id] else { return .unchanged(row) }
            open.state = relabelled.state
            open.began = true
            intervals.updateValue(open, forKey: relabelled.id)
        case let reopened as IntervalReopened:
            // A held interval is open already.
            guard intervals[reopened.id] != nil else { return .unchanged(row) }
        case let started as VisitStarted:
            visits.updateValue(started, forKey: started.visitID)
        case let left as VisitLeft:
            guard var visit = visits[left.visitID] else { return .unchanged(row) }
            visit.leaveTime = left.leaveTime
            visits.updateValue(visit, forKey: left.visitID)
        case let answered as VisitAnswered:
            guard var visit = visits.removeValue(forKey: answered.visitID) else { return .unchanged(row) }
            visit.outcome = "answered"
            visit.agentID = answered.agentID
            visit.answeredAt = answered.answeredAt
            return .visit(visit)
        case let abandoned as VisitAbandoned:
            guard var visit = visits.removeValue(forKey: abandoned.visitID) else { return .unchanged(row) }
            visit.outcome = "abandoned"
            return .visit(visit)
        case let unknown as VisitUnknown:
            guard var visit = visits.removeValue(forKey: unknown.visitID) else { return .unchanged(row) }
            visit.outcome = "unknown"
            return .visit(visit)
        case let leftUnknown as VisitLeftUnknown:
            guard var visit = visits.removeValue(forKey: leftUnknown.visitID) else { return .unchanged(row) }
            visit.leaveTime = leftUnknown.leaveTime
            visit.outcome = "unknown"
            return .visit(visit)
        case let continued as VisitContinued:
            guard var visit = visits[continued.visitID] else { return .unchanged(row) }
            visit.sessionID = continued.sessionID
            visit.leaveTime = nil
            visit.outcome = nil
            visits.updateValue(visit, forKey: continued.visitID)
        case let dropped as VisitDropped:
            guard visits.removeValue(forKey: dropped.visitID) != nil else { return .unchanged(row) }
        case let linked as VisitCall:
            guard var visit = visits[linked.visitID] else { return .unchanged(row) }
            visit.callID = linked.callID
            visits.updateValue(visit, forKey: linked.visitID)
        default:
            // Any other statement, or an interval opened already closed (an hour's piece).
            return .unchanged(row)
        }
        return .held
    }

    /// Every held row as it stands, in id order; forgotten here.
    mutating func takeAll() -> (intervals: [IntervalOpened], visits: [VisitStarted]) {
        let held = (intervals.keys.sorted().compactMap { intervals[$0] }, visits.keys.sorted().compactMap { visits[$0] })
        removeAll()
        return held
    }

    /// Forgets every held row (the batch is rolled back).
    mutating func removeAll() {
        intervals = [:]
        visits = [:]
    }
}
