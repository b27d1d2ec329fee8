import Storage

/// A block of journal lines (schema version 8, `JournalBlock`): written when it is full, and
/// at each commit while it grows, replacing the copy the previous commit wrote.
struct JournalBlockRow: RecordedRow {
    var firstSeq: Int64
    var lastSeq: Int64
    var sessionID: Int64
    var firstReceivedAt: Double
    var lastReceivedAt: Double
    var lastEventTime: Double?
    /// The block's content, uncompressed, copied into the row buffer when the row is written:
    /// the statement compresses it (`journal_compress`, Storage), on the thread that runs it.
    var lines: RowBlob

    static let rowKind = RowKind.journalBlock
    static let sql = RowSQL.insert(into: "journal_block", columns, orReplace: true, through: ("journal_compress", "lines"))
    static let columns: [RowColumn<Self>] = [
        .init("first_seq") { $0.firstSeq },
        .init("last_seq") { $0.lastSeq },
        .init("session_id") { $0.sessionID },
        .init("first_received_at") { $0.firstReceivedAt },
        .init("last_received_at") { $0.lastReceivedAt },
        .init("last_event_time") { $0.lastEventTime },
        .init("lines") { $0.lines },
    ]
}

extension JournalBlockRow {
    /// The row of `block`, whose content is `content` (`JournalBlockBuilder.withContent`): the
    /// recorder's and the converter's one way to write a block.
    init(_ block: JournalBlockBuilder, content: UnsafeRawBufferPointer) {
        self.init(firstSeq: block.firstSeq, lastSeq: block.lastSeq, sessionID: block.sessionID,
                  firstReceivedAt: block.firstReceivedAt, lastReceivedAt: block.lastReceivedAt,
                  lastEventTime: block.lastEventTime, lines: RowBlob(bytes: content))
    }
}

/// Why a journaled line could not be decoded (metrics.md "Journal").
struct JournalMalformedRow: RecordedRow {
    var seq: Int64
    var reason: String

    static let rowKind = RowKind.journalMalformed
    static let sql = RowSQL.insert(into: "journal_malformed", columns)
    static let columns: [RowColumn<Self>] = [
        .init("seq") { $0.seq },
        .init("reason") { $0.reason },
    ]
}
