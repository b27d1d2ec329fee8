import CTIProtocol
import NIOCore

/// Splits the byte stream into CTI lines with `LineFramer` and passes on the complete lines of
/// each read as one `LineBatch`.
///
/// Every byte is moved into the framer at once, so NIO's cumulation buffer stays empty and the
/// framer's limit alone bounds the memory. Blank lines are skipped (the framer leaves that to
/// us). A line over the limit ends the stream with `OversizedLineError`, after the complete
/// lines that preceded it, carrying the first bytes of the offending line for the journal.
struct LineBatchDecoder: ByteToMessageDecoder {
    typealias InboundOut = LineBatch

    /// How much of an oversized line is kept for the journal.
    static let oversizedPrefixLength = 1024

    private var framer: LineFramer
    private let clock: @Sendable () -> Double
    /// The first bytes of the line currently being received (the unterminated tail), and its
    /// length so far: what an oversized line's journal row shows.
    private var tailPrefix: [UInt8] = []
    private var tailLength = 0

    init(maximumLineLength: Int, clock: @escaping @Sendable () -> Double) {
        self.framer = LineFramer(maximumLineLength: maximumLineLength)
        self.clock = clock
    }

    /// Bytes received after the last complete line (for the end-of-stream check).
    var pendingByteCount: Int { framer.pendingByteCount }

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard buffer.readableBytes > 0 else { return .needMoreData }
        let receivedAt = clock()
        var batch = LineBatch(receivedAt: receivedAt)
        let failure: OversizedLineError? = buffer.withUnsafeReadableBytes { chunk in
            framer.append(chunk)
            var returned = 0
            do throws(FramingError) {
                while try framer.nextLine({ (line: UnsafeRawBufferPointer) -> Bool in
                    if !line.isEmpty { batch.append(line) }
                    return true
                }) != nil {
                    returned += 1
                }
            } catch {
                return oversizedLine(in: chunk, afterLines: returned, limit: error.limit, receivedAt: receivedAt)
            }
            trackTail(chunk)
            return nil
        }
        buffer.moveReaderIndex(forwardBy: buffer.readableBytes)
        if !batch.isEmpty {
            context.fireChannelRead(Self.wrapInboundOut(batch))
        }
        if let failure { throw failure }
        return .needMoreData
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws
        -> DecodingState
    {
        _ = try decode(context: context, buffer: &buffer)
        // An unterminated line at the end of the stream is not a message: it is dropped (the
        // session's end says the connection was lost).
        return .needMoreData
    }

    /// Keeps the first bytes of the unterminated tail up to date after a chunk was framed.
    private mutating func trackTail(_ chunk: UnsafeRawBufferPointer) {
        var i = chunk.count - 1
        while i >= 0 && chunk[i] != 0x0A { i -= 1 }
        if i >= 0 {
            let start = i + 1
            tailLength = chunk.count - start
            tailPrefix = Array(chunk[start..<min(chunk.count, start + Self.oversizedPrefixLength)])
        } else {
            tailLength += chunk.count
            let room = Self.oversizedPrefixLength - tailPrefix.count
            if room > 0 { tailPrefix.append(contentsOf: chunk[0..<min(room, chunk.count)]) }
        }
    }

    /// The framer failed after returning `returned` lines from this chunk: the offending line
    /// begins after the chunk's `returned`-th newline, or in the tail carried over from earlier
    /// chunks when no line was returned.
    private func oversizedLine(in chunk: UnsafeRawBufferPointer, afterLines returned: Int, limit: Int,
                               receivedAt: Double) -> OversizedLineError
    {
        var start = 0
        var newlines = 0
        if returned > 0 {
            var i = 0
            while i < chunk.count {
                if chunk[i] == 0x0A {
                    newlines += 1
                    if newlines == returned {
                        start = i + 1
                        break
                    }
                }
                i += 1
            }
        }
        var end = start
        while end < chunk.count && chunk[end] != 0x0A { end += 1 }
        var prefix: [UInt8] = returned == 0 ? tailPrefix : []
        let room = Self.oversizedPrefixLength - prefix.count
        if room > 0 { prefix.append(contentsOf: chunk[start..<min(end, start + room)]) }
        let byteCount = (returned == 0 ? tailLength : 0) + (end - start)
        return OversizedLineError(prefix: prefix, byteCount: byteCount, limit: limit, receivedAt: receivedAt)
    }
}

extension FramingError {
    var limit: Int {
        switch self {
        case .lineTooLong(let limit): return limit
        }
    }
}
