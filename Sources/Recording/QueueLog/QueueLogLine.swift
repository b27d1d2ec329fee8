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
    public var event: String {
        didSet { kind = QueueLogEvent(name: event) }
    }
    /// `event`, as the interpreter reads it.
    public private(set) var kind: QueueLogEvent
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
        guard !text.isEmpty, let value = Double(text), value.isFinite, value >= 0 else { return nil }
        return value
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
        var fields: [String] = []
        var start = 0
        for index in 0..<end where bytes[index] == UInt8(ascii: "|") {
            fields.append(String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self))
            start = index + 1
        }
        fields.append(String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self))
        guard fields.count >= 5 else {
            return .failure(QueueLogLineError(reason: "not a queue_log line: \(fields.count) field\(fields.count == 1 ? "" : "s") separated by |, at least 5 expected"))
        }
        guard let time = Double(fields[0]), time.isFinite else {
            return .failure(QueueLogLineError(reason: "not a queue_log line: its time is not a number of seconds"))
        }
        guard time >= earliestTime, time <= latestTime else {
            return .failure(QueueLogLineError(reason: "time out of range (not between 2000 and 2100)"))
        }
        let event = fields[4]
        guard !event.isEmpty, event.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            return .failure(QueueLogLineError(reason: "not a queue_log line: no event name"))
        }
        return .success(QueueLogLine(time: time, callID: fields[1], queue: fields[2], agent: fields[3], event: event,
                                     data: Array(fields.dropFirst(5))))
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
