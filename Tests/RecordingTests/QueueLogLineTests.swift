import CallStatsTestSupport
import Testing
@testable import Recording

/// `QueueLogLine.parse` against the plainest reading of Asterisk's format: split on every `|`,
/// numbers read by `Double`. The parser reads whole numbers by hand; both must agree on
/// every line, readable or not.
@Suite("queue_log lines: the parser against a plain split")
struct QueueLogLineTests {
    /// What the parser must give: fields split on every `|`, the time and seconds by `Double`.
    static func reference(_ text: String) -> Result<QueueLogLine, QueueLogLineError> {
        var line = Substring(text)
        if line.hasSuffix("\r") { line = line.dropLast() }
        let fields = line.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
        guard fields.count >= 5 else {
            return .failure(QueueLogLineError(reason: "not a queue_log line: \(fields.count) field\(fields.count == 1 ? "" : "s") separated by |, at least 5 expected"))
        }
        guard let time = Double(fields[0]), time.isFinite else {
            return .failure(QueueLogLineError(reason: "not a queue_log line: its time is not a number of seconds"))
        }
        guard time >= 946_684_800, time <= 4_102_444_800 else {
            return .failure(QueueLogLineError(reason: "time out of range (not between 2000 and 2100)"))
        }
        guard !fields[4].isEmpty, fields[4].utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            return .failure(QueueLogLineError(reason: "not a queue_log line: no event name"))
        }
        return .success(QueueLogLine(time: time, callID: fields[1], queue: fields[2], agent: fields[3], event: fields[4],
                                     data: Array(fields.dropFirst(5))))
    }

    static func referenceSeconds(_ text: String) -> Double? {
        guard !text.isEmpty, let value = Double(text), value.isFinite, value >= 0 else { return nil }
        return value
    }

    /// A field that is a number, nearly one, or not one.
    static func number(_ random: inout SeededGenerator) -> String {
        let digits = String((0..<Int.random(in: 0...17, using: &random)).map { _ in "0123456789".randomElement(using: &random) ?? "0" })
        switch Int.random(in: 0..<10, using: &random) {
        case 0: return digits + "." + String(Int.random(in: 0...999_999, using: &random))
        case 1: return "-" + digits
        case 2: return digits + "e" + String(Int.random(in: 0...3, using: &random))
        case 3: return " " + digits
        case 4: return digits + "x"
        case 5: return ["", "NaN", "inf", "+12", "0x1A", "١٢"].randomElement(using: &random) ?? ""
        default: return digits
        }
    }

    @Test("random lines, readable and not: the same fields, numbers and reasons", arguments: [1, 2, 3])
    func againstPlainSplit(seed: UInt64) {
        var random = SeededGenerator(state: seed)
        let events = ["ENTERQUEUE", "CONNECT", "WRAPUPSTART", "DID", "", "BAD EVENT", "ÉVÉNEMENT", "CUSTOM_1"]
        for _ in 0..<5_000 {
            let time = Bool.random(using: &random) ? String(Int.random(in: 900_000_000...4_200_000_000, using: &random)) : Self.number(&random)
            var fields = [time, "1793606402.492", "sales", "Agent/1001", events.randomElement(using: &random) ?? ""]
            fields = Array(fields.prefix(Int.random(in: 0...5, using: &random) == 0 ? Int.random(in: 0...4, using: &random) : 5))
            for _ in 0..<Int.random(in: 0...7, using: &random) { fields.append(Self.number(&random)) }
            let text = fields.joined(separator: "|") + (Int.random(in: 0..<8, using: &random) == 0 ? "\r" : "")
            let parsed = QueueLogLine.parse(text)
            #expect(parsed == Self.reference(text), "\(text)")
            if case .success(let line) = parsed {
                for n in 0...line.data.count + 1 {
                    #expect(line.seconds(n) == Self.referenceSeconds(line.field(n)), "\(text) field \(n)")
                }
            }
        }
    }

    @Test("whole numbers are read by hand only up to 15 digits, exactly")
    func wholeNumbers() {
        #expect(QueueLogLine.wholeNumber("1793606402".utf8) == 1_793_606_402)
        #expect(QueueLogLine.wholeNumber("007".utf8) == 7)
        #expect(QueueLogLine.wholeNumber("999999999999999".utf8) == 999_999_999_999_999)
        #expect(QueueLogLine.wholeNumber("1000000000000000".utf8) == nil)
        #expect(QueueLogLine.wholeNumber("".utf8) == nil)
        #expect(QueueLogLine.wholeNumber("12.5".utf8) == nil)
        #expect(QueueLogLine.wholeNumber("-1".utf8) == nil)
    }
}
