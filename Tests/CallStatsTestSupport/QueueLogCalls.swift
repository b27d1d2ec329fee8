/// Answered calls in queue_log file form, four lines each, a minute apart from `start` (a UTC
/// epoch): enough lines to cut anywhere, and a call cut in two reads wrong if its halves are
/// read out of order (its wait and talk).
public enum QueueLogCalls {
    public static func lines(_ calls: Int, from start: Int = 1_700_000_000) -> [String] {
        (0..<calls).flatMap { call -> [String] in
            let time = start + call * 60
            let id = "\(time).\(call)"
            let wait = 5 + call % 7
            return [
                "\(time)|\(id)|sales|NONE|ENTERQUEUE||06\(10_000_000 + call)|1",
                "\(time + 2)|\(id)|sales|Agent/1001|RINGNOANSWER|2000",
                "\(time + wait)|\(id)|sales|Agent/1001|CONNECT|\(wait)|\(id)1|3",
                "\(time + wait + 40)|\(id)|sales|Agent/1001|COMPLETECALLER|\(wait)|40|1",
            ]
        }
    }

    /// The lines as a file holds them, each with its line end.
    public static func text<Lines: Sequence<String>>(_ lines: Lines) -> String {
        lines.map { $0 + "\n" }.joined()
    }
}
