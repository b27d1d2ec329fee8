/// Consecutive journal lines of one collection session, stored as one compressed row of
/// `journal_block` (docs/RECORDING.md, "The journal's blocks").
///
/// A block's content, before compression, is
///
///     count                                   varint
///     count entries, each:
///       received_at                           zigzag varint: its IEEE-754 bits minus the previous line's
///       event_time                            zigzag varint: its bits minus the same line's received_at bits
///       length                                varint: the line's byte count
///     the lines' bytes, one after the other
///
/// Times are stored as differences of their bit patterns, so that every time reads back as
/// exactly the `Double` that was written; consecutive lines' times are close, so the
/// differences are short. Line `i` has seq `first_seq + i`. Why a line could not be decoded is
/// in `journal_malformed`, by seq: rare, and not worth a field in every entry.
public enum JournalBlock {
    /// A block holds at most this many lines, or about `maximumBytes` of them: large enough to
    /// compress well (BENCHMARKS.md, "Journal compression"), small enough that reading one line
    /// decompresses little.
    public static let maximumLines = 1_024
    public static let maximumBytes = 256 * 1024

    /// Calls `body` for each line of the block whose first line is `firstSeq`, in order.
    /// `scratch` receives the decompressed content (reused from block to block).
    static func forEachLine(
        firstSeq: Int64, compressed: UnsafeRawBufferPointer, scratch: inout [UInt8],
        _ body: (_ seq: Int64, _ receivedAt: Double, _ eventTime: Double, _ line: UnsafeRawBufferPointer) throws -> Void
    ) throws {
        do {
            try Zstd.decompress(compressed, into: &scratch)
        } catch {
            throw JournalFormatError(problem: "block \(firstSeq): \(error.problem)")
        }
        try scratch.withUnsafeBytes { content in
            var entries = VarintReader(content)
            guard let count = entries.next(), count <= UInt64(content.count) else {
                throw JournalFormatError(problem: "block \(firstSeq): no line count")
            }
            // The entries come first; the lines' bytes start where they end.
            var lengths = entries
            var textStart = 0
            for _ in 0..<count {
                guard lengths.next() != nil, lengths.next() != nil, let length = lengths.next(),
                      length <= UInt64(content.count) else {
                    throw JournalFormatError(problem: "block \(firstSeq): its entries are cut short")
                }
                textStart += Int(length)
            }
            let textBase = lengths.offset
            guard textStart <= content.count - textBase else {
                throw JournalFormatError(problem: "block \(firstSeq): its lines are cut short")
            }
            var receivedBits: UInt64 = 0
            var textOffset = textBase
            for index in 0..<Int64(count) {
                // Checked above: every entry has its three fields.
                let receivedDelta = entries.next() ?? 0
                let eventDelta = entries.next() ?? 0
                let length = Int(entries.next() ?? 0)
                receivedBits = receivedBits &+ unzigzag(receivedDelta)
                let eventBits = receivedBits &+ unzigzag(eventDelta)
                let line = UnsafeRawBufferPointer(rebasing: content[textOffset..<(textOffset + length)])
                textOffset += length
                try body(firstSeq + index, Double(bitPattern: receivedBits), Double(bitPattern: eventBits), line)
            }
        }
    }

    @inline(__always)
    static func zigzag(_ value: UInt64) -> UInt64 {
        let signed = Int64(bitPattern: value)
        return UInt64(bitPattern: (signed << 1) ^ (signed >> 63))
    }

    @inline(__always)
    static func unzigzag(_ value: UInt64) -> UInt64 {
        (value >> 1) ^ (0 &- (value & 1))
    }
}

/// The lines of the block being written: the recorder appends each line as it journals it,
/// and writes the block (again, grown) at each commit until it is full.
public struct JournalBlockBuilder {
    public let firstSeq: Int64
    public let sessionID: Int64
    public private(set) var count = 0
    public private(set) var firstReceivedAt = 0.0
    public private(set) var lastReceivedAt = 0.0
    /// The latest event time of its lines that could be decoded: where a session a crash left
    /// open is closed (`Recorder.closeAbandonedSessions`).
    public private(set) var lastEventTime: Double?
    /// Lines already in the database's copy of this block.
    public var writtenCount = 0
    private var entries = VarintWriter()
    private var text: [UInt8] = []
    private var previousReceivedBits: UInt64 = 0

    public init(firstSeq: Int64, sessionID: Int64) {
        self.firstSeq = firstSeq
        self.sessionID = sessionID
        entries.bytes.reserveCapacity(8 * JournalBlock.maximumLines)
        text.reserveCapacity(JournalBlock.maximumBytes + 4096)
    }

    public var lastSeq: Int64 { firstSeq + Int64(count) - 1 }
    public var nextSeq: Int64 { firstSeq + Int64(count) }
    public var isFull: Bool { count >= JournalBlock.maximumLines || text.count >= JournalBlock.maximumBytes }
    /// Lines appended since the database's copy was written.
    public var hasUnwrittenLines: Bool { count > writtenCount }

    public mutating func append(receivedAt: Double, eventTime: Double, decoded: Bool, line: UnsafeRawBufferPointer) {
        if count == 0 { firstReceivedAt = receivedAt }
        lastReceivedAt = receivedAt
        if decoded { lastEventTime = max(lastEventTime ?? eventTime, eventTime) }
        let receivedBits = receivedAt.bitPattern
        entries.append(JournalBlock.zigzag(receivedBits &- previousReceivedBits))
        entries.append(JournalBlock.zigzag(eventTime.bitPattern &- receivedBits))
        entries.append(UInt64(line.count))
        previousReceivedBits = receivedBits
        text.append(contentsOf: line)
        count += 1
    }

    /// Lends the block's content, uncompressed (`journal_compress` makes it `journal_block.lines`).
    public func withContent<T>(_ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
        var content: [UInt8] = []
        content.reserveCapacity(10 + entries.bytes.count + text.count)
        var header = VarintWriter()
        header.append(UInt64(count))
        content.append(contentsOf: header.bytes)
        content.append(contentsOf: entries.bytes)
        content.append(contentsOf: text)
        return try content.withUnsafeBytes(body)
    }

    /// The block's content, compressed: the value of `journal_block.lines`.
    package func compressed(with compressor: ZstdCompressor) throws -> [UInt8] {
        try withContent { try compressor.compress($0) }
    }
}

/// LEB128 varints: 7 bits a byte, low bits first.
struct VarintWriter {
    var bytes: [UInt8] = []

    @inline(__always)
    mutating func append(_ value: UInt64) {
        var value = value
        while value >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
    }
}

/// LEB128 varints read from a buffer; nil past its end or for a varint over 10 bytes.
struct VarintReader {
    let bytes: UnsafeRawBufferPointer
    private(set) var offset = 0

    init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    @inline(__always)
    mutating func next() -> UInt64? {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while offset < bytes.count, shift < 70 {
            let byte = bytes[offset]
            offset += 1
            value |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { return value }
            shift += 7
        }
        return nil
    }
}

/// A journal block that cannot be read back, or written: names the block and what is wrong.
public struct JournalFormatError: Error, CustomStringConvertible, Sendable {
    public let problem: String

    public var description: String { "journal: \(problem)" }
}
