import CTIProtocol

/// The complete lines of one socket read, in order, stored back to back in one array: one
/// allocation per read rather than one per line, and one hand-off to the writer per read.
///
/// Each line is decoded where it is framed, on the connection's event loop, so the writer's
/// thread only records: decoding and writing run on two cores.
public struct LineBatch: Sendable {
    /// Local clock (epoch seconds) when the read arrived.
    public let receivedAt: Double
    private var bytes: [UInt8] = []
    /// End offset of each line in `bytes`.
    private var ends: [Int] = []
    /// Each line decoded, or why it could not be.
    private var decoded: [Result<ServerMessage, DecodeError>] = []

    public init(receivedAt: Double) {
        self.receivedAt = receivedAt
    }

    public init(receivedAt: Double, lines: [[UInt8]]) {
        self.receivedAt = receivedAt
        for line in lines { line.withUnsafeBytes { append($0) } }
    }

    public var count: Int { ends.count }
    public var isEmpty: Bool { ends.isEmpty }

    public mutating func append(_ line: UnsafeRawBufferPointer) {
        bytes.append(contentsOf: line)
        ends.append(bytes.count)
        decoded.append(Result { () throws(DecodeError) in try ServerMessage.decode(line) })
    }

    /// Line `index` decoded, or why it could not be.
    public func message(at index: Int) -> Result<ServerMessage, DecodeError> {
        decoded[index]
    }

    /// Lends line `index` decoded to `body`, without the copy `message(at:)` makes (which
    /// retains every string and array in the message).
    public func withMessage<R>(at index: Int, _ body: (borrowing Result<ServerMessage, DecodeError>) throws -> R) rethrows -> R {
        try body(decoded[index])
    }

    /// Lends line `index` (without its line end) to `body`.
    public func withLine<R>(at index: Int, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        let start = index == 0 ? 0 : ends[index - 1]
        let end = ends[index]
        return try bytes.withUnsafeBytes { raw in
            try body(UnsafeRawBufferPointer(rebasing: raw[start..<end]))
        }
    }

    public func line(at index: Int) -> [UInt8] {
        withLine(at: index) { Array($0) }
    }

    public var lines: [[UInt8]] { (0..<count).map(line(at:)) }
}

/// A line longer than the framing limit: the connection cannot be trusted to resynchronise, so
/// it is dropped after the line is journaled as oversized.
public struct OversizedLineError: Error, Sendable {
    /// The first bytes of the line, for the journal.
    public let prefix: [UInt8]
    /// The bytes of the line received when the limit was hit (the line may be longer).
    public let byteCount: Int
    public let limit: Int
    public let receivedAt: Double
}

/// What the session's read loop receives: the lines of a read, or a timer tick.
public enum SessionInput: Sendable {
    case lines(LineBatch)
    case tick(SessionTick)
}

/// A timer tick, stamped on the event loop.
public struct SessionTick: Sendable, Equatable {
    /// When the tick fired (local clock).
    public var firedAt: Double
    /// Since when no line has arrived from the server, not counting time we were not reading.
    public var serverQuietSince: Double
}
