import Storage

extension Recorder {
    /// Journals a line in the session's current block; returns its seq. A full block is
    /// written at once; a growing one at each commit (`writeJournalBlock`).
    @discardableResult
    func insertJournal(receivedAt: Double, eventTime: Double, malformed: String?, line: UnsafeRawBufferPointer) throws -> Int64 {
        guard let sessionID = session?.id, ids != nil else { throw RecorderError.noSession }
        let seq = takeID(\.nextJournalSeq)
        if journalBlock == nil {
            journalBlock = JournalBlockBuilder(firstSeq: seq, sessionID: sessionID)
        }
        journalBlock?.append(receivedAt: receivedAt, eventTime: eventTime, decoded: malformed == nil, line: line)
        if let malformed {
            try rows.write(JournalMalformedRow(seq: seq, reason: malformed))
        }
        if journalBlock?.isFull == true {
            try writeJournalBlock()
            journalBlock = nil
        }
        return seq
    }

    func insertJournal(receivedAt: Double, eventTime: Double, malformed: String?, line: [UInt8]) throws {
        _ = try line.withUnsafeBytes {
            try insertJournal(receivedAt: receivedAt, eventTime: eventTime, malformed: malformed, line: $0)
        }
    }

    /// Writes the current block with every line it has so far, replacing the copy an earlier
    /// commit wrote: the lines of a commit are in the journal when it commits, and a quiet
    /// connection's lines still end up in blocks of a good size.
    func writeJournalBlock() throws {
        guard var block = journalBlock, block.hasUnwrittenLines else { return }
        try block.withContent { try rows.write(JournalBlockRow(block, content: $0)) }
        block.writtenCount = block.count
        journalBlock = block
    }
}
