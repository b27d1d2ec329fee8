import Storage

/// The ids the recorder gives the rows it writes, so that no command waits for the database
/// to number its row (`RowPipeline` runs them later, on another thread): the journal's seq, the
/// state intervals', the queue visits' and the channel events' (a call's id is its first
/// event's).
///
/// Read from the tables when a session begins (and after a rolled-back batch): each is one
/// more than the largest id written, as SQLite itself numbers an `INTEGER PRIMARY KEY`. Replay
/// reads them at each session's start too, so it numbers rows as live collection did.
struct RowIDs {
    var nextJournalSeq: Int64
    var nextIntervalID: Int64
    var nextVisitID: Int64
    var nextChannelEventID: Int64
    var nextQueueLogCallID: Int64
    var nextAgentSpanID: Int64

    init(reading database: Database) throws {
        func next(_ sql: String) throws -> Int64 {
            (try database.fetchInt64(sql) ?? 0) + 1
        }
        nextJournalSeq = (try JournalReader(database: database).lastSeq() ?? 0) + 1
        nextIntervalID = try next("SELECT max(id) FROM agent_state_interval")
        nextVisitID = try next("SELECT max(visit_id) FROM queue_visit")
        nextChannelEventID = try next("SELECT max(id) FROM channel_event")
        nextQueueLogCallID = try next("SELECT max(id) FROM queue_log_call")
        nextAgentSpanID = try next("SELECT max(id) FROM queue_log_agent_span")
    }

    /// The id of `next` (one of the properties above), which moves on. Always inlined, so
    /// that the callers' literal key paths become plain field accesses (a key path applied at
    /// run time costs a call into the runtime, on every line).
    @inline(__always)
    mutating func take(_ next: WritableKeyPath<RowIDs, Int64>) -> Int64 {
        defer { self[keyPath: next] += 1 }
        return self[keyPath: next]
    }
}
