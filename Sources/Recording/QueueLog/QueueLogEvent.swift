/// The events the interpreter acts on (docs/RECORDING.md "Asterisk's queue_log"), read once
/// per line: the interpreter's two passes over a line (`applyQueueLog`,
/// `recordQueueLogFacts`) switch on this rather than comparing the event's text with each
/// name in turn.
public enum QueueLogEvent: String, Sendable, CaseIterable {
    case enterQueue = "ENTERQUEUE"
    case connect = "CONNECT"
    case completeAgent = "COMPLETEAGENT"
    case completeCaller = "COMPLETECALLER"
    case transfer = "TRANSFER"
    case blindTransfer = "BLINDTRANSFER"
    case attendedTransfer = "ATTENDEDTRANSFER"
    case abandon = "ABANDON"
    case exitWithTimeout = "EXITWITHTIMEOUT"
    case exitEmpty = "EXITEMPTY"
    case exitWithKey = "EXITWITHKEY"
    case withdraw = "WITHDRAW"
    case leaveEmpty = "LEAVEEMPTY"
    case full = "FULL"
    case closed = "CLOSED"
    case joinEmpty = "JOINEMPTY"
    case divertCARatio = "DIVERT_CA_RATIO"
    case divertHoldTime = "DIVERT_HOLDTIME"
    case ringNoAnswer = "RINGNOANSWER"
    case ringCanceled = "RINGCANCELED"
    case pause = "PAUSE"
    case unpause = "UNPAUSE"
    case pauseAll = "PAUSEALL"
    case unpauseAll = "UNPAUSEALL"
    case agentLogin = "AGENTLOGIN"
    case agentCallbackLogin = "AGENTCALLBACKLOGIN"
    case agentLogoff = "AGENTLOGOFF"
    case agentCallbackLogoff = "AGENTCALLBACKLOGOFF"
    case addMember = "ADDMEMBER"
    case removeMember = "REMOVEMEMBER"
    case wrapupStart = "WRAPUPSTART"
    case queueStart = "QUEUESTART"
    /// Any other: `CONFIGRELOAD`, `DID`, custom events. Kept in the journal only.
    case other = ""

    static let byName: [String: QueueLogEvent] = Dictionary(uniqueKeysWithValues: allCases.filter { $0 != .other }.map { ($0.rawValue, $0) })

    public init(name: String) {
        self = Self.byName[name] ?? .other
    }
}
