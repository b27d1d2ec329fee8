#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CTIProtocol

// Ground truth of a simulated day, one JSON object per line, written in the order facts become
// final (an interval when it ends, a visit when the caller leaves, a call when its last channel
// is deleted). Every time is epoch seconds as a JSON number and is exactly the event time the
// wire carries for that fact (metrics.md: `status.timestamp` for channels, `availability_since`
// when an agent's availability changes, else the message's `timenow`), serialised by the same
// code as the wire, so a collector's figures can be compared for equality, not closeness.
//
// Record types (`type` member), all written by the model in model-event order:
//
// {"type":"meta","schema":1,"seed":N,"protocol":"1.2","start":T,"end":T,"start_iso":"...",
//  "utc_offset_s":0,"queues":[{"id":"1","name":"blue","number":"3001","wrapup_s":20}],
//  "agents":[{"id":"1","number":"2001","user_id":"1","phone_id":"1","queues":["1"]}],
//  "users":[{"id":"1","fullname":"...","phone_id":"1","agent_id":"1"}],
//  "phones":[{"id":"1","identity":"SIP/abcdef","number":"1001","user_id":"1"}]}
//      first line: the configuration the day ran with.
// {"type":"agent_state","agent_id":"3","agent_number":"2003","state":"available","start":T,"end":T}
//      one interval of an agent's metrics.md state (logged_out, acd_call, wrapup, nonacd_call,
//      paused, available). Intervals of one agent tile [meta.start, meta.end] without gaps;
//      the first starts at meta.start; one still open at the end has "end": meta.end and
//      "open": true.
// {"type":"queue_visit","queue_id":"1","queue_name":"blue","uniqueid":"...","call_id":7,
//  "caller_number":"...","caller_name":"...","join":T,"leave":T,"wait_s":S,
//  "outcome":"answered"|"abandoned","agent_id":"3"|null}
//      one caller's stay in one queue. Answered visits leave at the instant the agent's
//      acd_call starts. A caller still waiting at the end: "leave": null, "outcome": "unknown".
// {"type":"call","call_id":7,"kind":"acd"|"inbound"|"outbound"|"internal",
//  "direction":"inbound"|"outbound"|"internal","queue_id":"1"|null,"caller_number":"...",
//  "caller_name":"...","channels":["SIP/trunk-0000000a",...],"start":T,"ring":T|null,
//  "answer":T|null,"end":T,"answered":bool,"rang_phones":["3"],"rang_users":["3"],
//  "answered_by_phone":"3"|null,"answered_by_user":"3"|null,"missed_users":["3"]}
//      one call (channels linked by talkingto). start = first channel's creation timestamp,
//      ring = first `ringing` timestamp, answer = first `linked-*` timestamp, end = `timenow`
//      of the last channel's delconfig. A call still up at the end has "end": null, "open": true.
// {"type":"queue_stat","queue_id":"1","key":"Xivo-EWT","time":T,"value":"6"|6,
//  "trigger":"push"|"subscribe"|"request","conn":N}
//      every queue statistic value sent, as sent (strings stay strings). `push` values come
//      from model events and are deterministic; `subscribe` (first values after
//      subscribetoqueuesstats) and `request` (windowed getqueuesstats replies, "conn" = the
//      connection number) depend on when clients asked, so they only repeat byte for byte
//      when the clients do the same.
// {"type":"end","time":T}
//      last line: the simulated day is over and everything above is final.
//
// No record holds a real-time value: for the same seed and parameters, and clients that only
// log in (no subscribe or request), the file is byte-identical between runs.

/// Where the model sends the lines of one of its outputs: the ground truth above (`--truth`)
/// or the queue_log its Asterisk would write (`--queue-log`, `Model+QueueLog.swift`).
protocol LineSink: AnyObject {
    /// Adds one line: `body` appends its text (without the line end). A sink that keeps
    /// nothing does not call `body`, so a run without the output builds no lines at all.
    func write(_ body: (inout [UInt8]) -> Void)
}

extension LineSink {
    func record(_ record: @autoclosure () -> JSONObject) {
        write { JSON.serialize(.object(record()), into: &$0) }
    }
}

/// Drops lines (runs without `--truth` or `--queue-log`).
final class LineDiscard: LineSink {
    func write(_ body: (inout [UInt8]) -> Void) {}
}

/// Buffered writer of a file of lines.
final class LineFileWriter: LineSink {
    private let file: UnsafeMutablePointer<FILE>
    private var buffer: [UInt8] = []
    private(set) var failed = false
    private var closed = false

    /// `what` names the file in errors: "truth file", "queue_log".
    init(path: String, what: String) throws(SimulatorError) {
        guard let f = fopen(path, "wb") else {
            throw SimulatorError.outputFile(path: path, what: what, reason: String(cString: strerror(errno)))
        }
        file = f
        buffer.reserveCapacity(1 << 17)
    }

    deinit {
        close()
    }

    func write(_ body: (inout [UInt8]) -> Void) {
        guard !closed else { return }
        body(&buffer)
        buffer.append(0x0A)
        if buffer.count >= 1 << 16 { flush() }
    }

    func flush() {
        guard !buffer.isEmpty, !closed else { return }
        let written = buffer.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
        if written != buffer.count { failed = true }
        buffer.removeAll(keepingCapacity: true)
        if fflush(file) != 0 { failed = true }
    }

    func close() {
        guard !closed else { return }
        flush()
        if fclose(file) != 0 { failed = true }
        closed = true
    }
}

/// Keeps lines in memory: tests compare them directly.
final class LineMemory: LineSink {
    private(set) var lines: [[UInt8]] = []

    func write(_ body: (inout [UInt8]) -> Void) {
        var line: [UInt8] = []
        body(&line)
        lines.append(line)
    }
}
