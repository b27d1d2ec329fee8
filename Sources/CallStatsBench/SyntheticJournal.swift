/// Deterministic CTI-like lines of about 270 bytes, the size of a typical agent or channel
/// status push, so benchmarks measure realistic rows without needing a server.
struct SyntheticJournal {
    struct Row {
        let receivedAt: Double
        let eventTime: Double
        let classname: String
        let list: String?
        let function: String?
        let objectID: String?
        let line: [UInt8]
    }

    private var state: UInt64
    private var time = 1_764_000_000.0

    init(seed: UInt64 = 42) {
        state = seed
    }

    /// SplitMix64: the same numbers on every machine.
    private mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func nextRow() -> Row {
        time += Double(next() % 20) / 1000
        let timenow = (time * 100).rounded() / 100
        let agent = next() % 500
        let queue = next() % 50
        switch next() % 3 {
        case 0:
            let line = #"{"class":"getlist","listname":"agents","function":"updatestatus","tipbxid":"xivo","tid":\#(agent),"#
                + #""status":{"availability":"available","availability_since":\#(timenow),"phonenumber":"1\#(agent)","#
                + #""channel":null,"on_call_acd":false,"on_wrapup":false,"queues":["\#(queue)","\#((queue + 7) % 50)"]},"timenow":\#(timenow)}"#
            return Row(receivedAt: time, eventTime: timenow, classname: "getlist", list: "agents", function: "updatestatus",
                       objectID: String(agent), line: Array(line.utf8))
        case 1:
            let channel = "SIP/trunk-\(String(next() % 0xFFFF_FFFF, radix: 16))"
            let line = #"{"class":"getlist","function":"updatestatus","listname":"channels","tipbxid":"xivo","tid":"\#(channel)","#
                + #""status":{"direction":"out","commstatus":"calling","state":"Ring","talkingto_kind":"channel","#
                + #""talkingto_id":"SIP/ihvbur-0000000b","holded":false,"parked":false,"timestamp":\#(timenow)},"timenow":\#(timenow)}"#
            return Row(receivedAt: time, eventTime: timenow, classname: "getlist", list: "channels", function: "updatestatus",
                       objectID: channel, line: Array(line.utf8))
        default:
            let line = #"{"class":"queueentryupdate","state":{"queue_name":"queue\#(queue)","queue_id":\#(queue),"entries":["#
                + #"{"position":1,"name":"Caller \#(next() % 10000)","number":"555\#(next() % 10000)","join_time":\#(timenow),"#
                + #""uniqueid":"\#(timenow).\#(next() % 1000)"}]},"timenow":\#(timenow)}"#
            return Row(receivedAt: time, eventTime: timenow, classname: "queueentryupdate", list: nil, function: nil,
                       objectID: String(queue), line: Array(line.utf8))
        }
    }
}
