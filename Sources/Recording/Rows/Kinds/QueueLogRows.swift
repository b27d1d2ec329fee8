import Storage

/// How much of a queue_log file was read (migration 0010), written in the transaction of the
/// lines it counts: a kill between two commits neither loses nor repeats a line.
struct QueueLogFileProgress: RecordedRow {
    var sourceID: Int64
    var firstLine: RowBlob
    var bytesRead: Int64
    var linesRead: Int64
    var path: String

    static let rowKind = RowKind.queueLogFile
    static let sql = RowSQL.insert(into: "queue_log_file", columns) + """
         ON CONFLICT (source_id, first_line) DO UPDATE SET bytes_read = excluded.bytes_read,
          lines_read = excluded.lines_read, path = excluded.path
        """
    static let columns: [RowColumn<Self>] = [
        .init("source_id") { $0.sourceID },
        .init("first_line") { $0.firstLine },
        .init("bytes_read") { $0.bytesRead },
        .init("lines_read") { $0.linesRead },
        .init("path") { $0.path },
    ]
}

/// Where a queue_log source was left and the state its interpreter carries to the next import,
/// written at every commit with the lines it follows from.
struct QueueLogSourceState: RecordedRow {
    var lastSessionID: Int64
    var lastEventAt: Double?
    var lastRowID: Int64?
    var carriedState: UTF8Text
    var sourceID: Int64

    static let rowKind = RowKind.queueLogSourceState
    static let sql = """
        UPDATE queue_log_source SET last_session_id = :last_session_id, last_event_at = coalesce(:last_event_at, last_event_at),
          last_row_id = coalesce(:last_row_id, last_row_id), carried_state = :carried_state
        WHERE source_id = :source_id
        """
    static let columns: [RowColumn<Self>] = [
        .init("last_session_id") { $0.lastSessionID },
        .init("last_event_at") { $0.lastEventAt },
        .init("last_row_id") { $0.lastRowID },
        .init("carried_state") { $0.carriedState },
        .init("source_id") { $0.sourceID },
    ]
}

/// When a following import last looked at its source for new lines (migration 0011), so
/// `status` tells a quiet queue_log from a stopped follower.
struct QueueLogSourcePolled: RecordedRow {
    var polledAt: Double
    var sourceID: Int64

    static let rowKind = RowKind.queueLogSourcePolled
    static let sql = "UPDATE queue_log_source SET polled_at = :polled_at WHERE source_id = :source_id"
    static let columns: [RowColumn<Self>] = [
        .init("polled_at") { $0.polledAt },
        .init("source_id") { $0.sourceID },
    ]
}
