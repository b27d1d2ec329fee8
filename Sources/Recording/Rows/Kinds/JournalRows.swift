import Storage

/// A line as received, with what it was classified as (metrics.md "Journal").
struct JournalRow: RecordedRow {
    var seq: Int64
    var sessionID: Int64
    var receivedAt: Double
    var eventTime: Double
    var `class`: String?
    var list: String?
    var function: String?
    var objectID: String?
    var malformed: String?
    /// The line's bytes, copied into the row buffer when the row is written.
    var line: RowBlob

    static let rowKind = RowKind.journal
    static let sql = RowSQL.insert(into: "journal", columns)
    static let columns: [RowColumn<Self>] = [
        .init("seq") { $0.seq },
        .init("session_id") { $0.sessionID },
        .init("received_at") { $0.receivedAt },
        .init("event_time") { $0.eventTime },
        .init("class") { $0.`class` },
        .init("list") { $0.list },
        .init("function") { $0.function },
        .init("object_id") { $0.objectID },
        .init("malformed") { $0.malformed },
        .init("line") { $0.line },
    ]
}
