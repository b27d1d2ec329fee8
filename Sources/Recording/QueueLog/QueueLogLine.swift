/// One line of Asterisk's queue_log, file form: `epoch|callid|queuename|agent|event|data1|...`
/// (docs/RECORDING.md "Asterisk's queue_log"). Pure: no I/O.
///
/// Any number of data fields: custom events pass a `|` inside their text through as extra
/// fields, and Asterisk versions differ in how many each event has (1.4's `CONNECT` has two,
/// 11's three). The interpreter reads the fields it needs by position and tolerates the rest.
public struct QueueLogLine: Sendable, Equatable {
    /// Epoch seconds (UTC) as Asterisk wrote them.
    public var time: Double
    public var callID: String
    public var queue: String
    public var agent: String
    public let event: String
    /// `event`, as the interpreter reads it.
    public let kind: QueueLogEvent
    public var data: [String]

    public init(time: Double, callID: String, queue: String, agent: String, event: String, data: [String]) {
        self.time = time
        self.callID = callID
        self.queue = queue
        self.agent = agent
        self.event = event
        kind = QueueLogEvent(name: event)
        self.data = data
    }

    /// The `n`-th data field (1-based, as `data1`), empty when the line has fewer.
    public func field(_ n: Int) -> String {
        n >= 1 && n <= data.count ? data[n - 1] : ""
    }

    /// The `n`-th data field as a number of seconds, when it is one (fields may be empty or
    /// hold text in old rows, xivo-dao's fixes).
    public func seconds(_ n: Int) -> Double? {
        let text = field(n)
        if let whole = Self.wholeNumber(text.utf8) { return whole }
        guard !text.isEmpty, let value = Double(text), value.isFinite, value >= 0 else { return nil }
        return value
    }

    /// Digits alone (at most 15: exact as a Double), read by hand; nil for anything else, which
    /// `Double`'s own parser reads. Asterisk writes whole seconds, and most lines' times and
    /// fields are such numbers: this spares `strtod` on nearly every line.
    @inline(__always)
    static func wholeNumber<Bytes: Collection>(_ bytes: Bytes) -> Double? where Bytes.Element == UInt8 {
        guard !bytes.isEmpty, bytes.count <= 15 else { return nil }
        var value: Int64 = 0
        for byte in bytes {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int64(byte - UInt8(ascii: "0"))
        }
        return Double(value)
    }

    /// The line in file form, as Asterisk would write it (the journal keeps table rows so).
    public var fileForm: String {
        let time = self.time == self.time.rounded(.down) && abs(self.time) < 1e15 ? String(Int64(self.time)) : String(self.time)
        return ([time, callID, queue, agent, event] + data).joined(separator: "|")
    }

    /// Reads a line (without its line end). Never throws: a line that cannot be read gives
    /// why, which the journal keeps with the line.
    public static func parse(_ bytes: UnsafeRawBufferPointer) -> Result<QueueLogLine, QueueLogLineError> {
        var end = bytes.count
        // A file written on or copied through Windows.
        if end > 0, bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        var fields = Fields(rest: UnsafeRawBufferPointer(rebasing: bytes[..<end]))
        guard let timeField = fields.next(), let callID = fields.next(), let queue = fields.next(), let agent = fields.next(),
              let event = fields.next() else {
            let count = bytes[..<end].reduce(1) { $1 == UInt8(ascii: "|") ? $0 + 1 : $0 }
            return .failure(QueueLogLineError(reason: "not a queue_log line: \(count) field\(count == 1 ? "" : "s") separated by |, at least 5 expected"))
        }
        guard let time = wholeNumber(timeField) ?? Double(text(timeField)), time.isFinite else {
            return .failure(QueueLogLineError(reason: "not a queue_log line: its time is not a number of seconds"))
        }
        guard time >= earliestTime, time <= latestTime else {
            return .failure(QueueLogLineError(reason: "time out of range (not between 2000 and 2100)"))
        }
        guard !event.isEmpty, event.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            return .failure(QueueLogLineError(reason: "not a queue_log line: no event name"))
        }
        var data: [String] = []
        while let field = fields.next() {
            if data.isEmpty { data.reserveCapacity(6) }
            data.append(text(field))
        }
        return .success(QueueLogLine(time: time, callID: text(callID), queue: text(queue), agent: text(agent), event: text(event), data: data))
    }

    private static func text(_ bytes: UnsafeRawBufferPointer) -> String {
        String(decoding: bytes, as: UTF8.self)
    }

    /// A line's fields in turn, each up to the next `|` (the last to the line's end).
    private struct Fields {
        var rest: UnsafeRawBufferPointer?

        mutating func next() -> UnsafeRawBufferPointer? {
            guard let bytes = rest else { return nil }
            guard let bar = bytes.firstIndex(of: UInt8(ascii: "|")) else {
                rest = nil
                return bytes
            }
            rest = UnsafeRawBufferPointer(rebasing: bytes[(bar + 1)...])
            return UnsafeRawBufferPointer(rebasing: bytes[..<bar])
        }
    }

    public static func parse(_ text: String) -> Result<QueueLogLine, QueueLogLineError> {
        var copy = text
        return copy.withUTF8 { parse(UnsafeRawBufferPointer($0)) }
    }

    /// 2000-01-01T00:00:00Z and 2100-01-01T00:00:00Z, as for the CTI server's times.
    static let earliestTime: Double = 946_684_800
    static let latestTime: Double = 4_102_444_800
}

/// Why a queue_log line could not be read.
public struct QueueLogLineError: Error, Sendable, Equatable, CustomStringConvertible {
    public let reason: String
    public var description: String { reason }
}
