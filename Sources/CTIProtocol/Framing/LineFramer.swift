/// Splits a TCP byte stream into CTI lines (one JSON object per `\n`-terminated line).
///
/// Reads arrive in arbitrary pieces: several messages in one read, a message split across
/// reads at any byte. The framer buffers only what has not been consumed yet, and refuses to
/// grow past `maximumLineLength` for a single line, so memory stays bounded by
/// (the bytes of one read) + (the limit), whatever the peer sends.
///
/// Lines are returned without their `\n` and without one trailing `\r` (some tools send
/// `\r\n`). A blank line is returned as an empty line: the collector skips it, the simulator
/// closes the connection on it as the real server does; that decision is not the framer's.
///
/// Once a line is too long the framer is *failed*: complete lines received before it are still
/// returned, then every call throws `lineTooLong` (the stream has no resynchronisation point
/// we could trust). Call `reset()` to reuse it for a new connection.
public struct LineFramer: Sendable {
    public static let defaultMaximumLineLength = 4 * 1024 * 1024

    /// The longest line accepted, in bytes, not counting the `\n`.
    public let maximumLineLength: Int

    private var buffer: [UInt8] = []
    /// Bytes before this index have been handed out already.
    private var start = 0
    /// No `\n` in `start..<scanned`: where the next search resumes, so a line arriving in
    /// many small reads is scanned once overall, not once per read.
    private var scanned = 0
    /// Length of the unterminated tail of `buffer` as tracked by `append`.
    private var pendingLength = 0
    /// Set when the unterminated tail passed the limit; further input is dropped.
    private var overflowed = false
    /// Set once `lineTooLong` has been thrown.
    private var failed = false

    public init(maximumLineLength: Int = LineFramer.defaultMaximumLineLength) {
        precondition(maximumLineLength > 0, "maximumLineLength must be positive")
        self.maximumLineLength = maximumLineLength
    }

    /// Bytes currently held (consumed bytes not yet compacted included), for tests and metrics.
    public var bufferedByteCount: Int { buffer.count }

    /// Bytes received but not yet returned as lines (a partial line, or unread complete lines).
    public var pendingByteCount: Int { buffer.count - start }

    /// Forgets everything, including a failure, for a new connection.
    public mutating func reset() {
        self = LineFramer(maximumLineLength: maximumLineLength)
    }

    public mutating func append(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { append($0) }
    }

    public mutating func append(_ bytes: ArraySlice<UInt8>) {
        bytes.withUnsafeBytes { append($0) }
    }

    /// Adds received bytes. Never throws: an overlong line is reported by `nextLine()`, after
    /// the complete lines that precede it.
    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        guard !overflowed, !failed, let base = bytes.baseAddress, bytes.count > 0 else { return }
        let input = UnsafeBufferPointer(start: base.assumingMemoryBound(to: UInt8.self), count: bytes.count)
        compactIfWorthwhile()

        // The length of the unterminated tail after this chunk: everything after the chunk's
        // last newline, or the old tail plus the whole chunk when it has none.
        var lastNewline = -1
        var i = input.count - 1
        while i >= 0 {
            if input[i] == 0x0A {
                lastNewline = i
                break
            }
            i -= 1
        }
        let newPending = lastNewline < 0 ? pendingLength + input.count : input.count - 1 - lastNewline

        // One byte of slack for a `\r` that belongs before a `\n` still to come; the exact
        // length check happens in `nextLine` once the line is complete.
        let threshold = maximumLineLength + 1
        if newPending > threshold {
            // Keep the complete lines and just enough of the overlong tail to prove it is too
            // long; drop the rest (and all later input): memory stays bounded however much
            // the peer sends.
            let kept = lastNewline < 0
                ? threshold + 1 - pendingLength
                : lastNewline + 1 + threshold + 1
            buffer.append(contentsOf: UnsafeBufferPointer(rebasing: input[0..<kept]))
            overflowed = true
            pendingLength = threshold + 1
        } else {
            buffer.append(contentsOf: input)
            pendingLength = newPending
        }
    }

    /// The next complete line, copied out; `nil` when no complete line is buffered yet.
    public mutating func nextLine() throws(FramingError) -> [UInt8]? {
        try nextLine { Array($0.assumingMemoryBound(to: UInt8.self)) }
    }

    /// The next complete line, lent to `body` without copying (e.g. straight into
    /// `JSON.parse`); `nil` when no complete line is buffered yet. The memory is valid only
    /// during the call.
    public mutating func nextLine<R>(_ body: (UnsafeRawBufferPointer) -> R) throws(FramingError) -> R? {
        if failed { throw .lineTooLong(limit: maximumLineLength) }
        let limit = maximumLineLength
        let found: (lineEnd: Int, next: Int)? = buffer.withUnsafeBufferPointer { all in
            guard let newline = LineFramer.firstNewline(in: all, from: scanned) else { return nil }
            var end = newline
            if end > start && all[end - 1] == 0x0D { end -= 1 }
            return (end, newline + 1)
        }
        guard let found else {
            scanned = buffer.count
            if overflowed {
                failed = true
                throw .lineTooLong(limit: limit)
            }
            return nil
        }
        if found.lineEnd - start > limit {
            failed = true
            throw .lineTooLong(limit: limit)
        }
        let lineStart = start
        start = found.next
        scanned = found.next
        let result = buffer.withUnsafeBytes { raw in
            body(UnsafeRawBufferPointer(rebasing: raw[lineStart..<found.lineEnd]))
        }
        if start == buffer.count { releaseConsumed() }
        return result
    }

    /// Drops consumed bytes when that is cheap relative to what was consumed: the remaining
    /// bytes move at most once per doubling, so compaction is amortised O(1) per byte.
    private mutating func compactIfWorthwhile() {
        guard start > 0 else { return }
        if start == buffer.count {
            releaseConsumed()
        } else if start >= buffer.count - start {
            buffer.removeSubrange(0..<start)
            scanned -= start
            start = 0
        }
    }

    /// Everything was consumed: empty the buffer, and give back a big allocation left by an
    /// unusually long line instead of keeping megabytes for the life of the connection.
    private mutating func releaseConsumed() {
        if buffer.capacity > 256 * 1024 {
            buffer = []
        } else {
            buffer.removeAll(keepingCapacity: true)
        }
        start = 0
        scanned = 0
    }

    /// Index of the first `\n` at or after `from`, scanning eight bytes at a time.
    static func firstNewline(in bytes: UnsafeBufferPointer<UInt8>, from: Int) -> Int? {
        guard let base = bytes.baseAddress else { return nil }
        let count = bytes.count
        var i = from
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        let pattern: UInt64 = ones &* 0x0A
        while i + 8 <= count {
            let w = UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self) ^ pattern
            if (w &- ones) & ~w & highs != 0 { break }
            i += 8
        }
        while i < count {
            if base[i] == 0x0A { return i }
            i += 1
        }
        return nil
    }
}
