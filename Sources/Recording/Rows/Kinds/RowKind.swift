/// Every command a `RowBuffer` can hold: transaction control, then one case per row type.
/// The raw value is the command's first byte.
enum RowKind: UInt8, CaseIterable {
    case begin
    case commit

    case journalBlock, journalMalformed
    case sessionStarted, sessionLoggedIn, sessionDescribed, sessionLastEvent, sessionEnded
    case ipbx

    case agentStatusChange
    case intervalOpened, intervalClosed, intervalDeleted, intervalReopened, intervalRelabelled

    case channelEvent, channelEventCall, call, callRing

    case queueStatSample
    case visitStarted, visitContinued, visitLeft, visitAnswered, visitAbandoned, visitUnknown, visitLeftUnknown, visitCall, visitDropped

    case userConfig, phoneConfig, agentConfig, queueConfig, queueMemberConfig
    case userStatus, phoneStatus, agentStatus
    case userDeleted, phoneDeleted, agentDeleted, queueDeleted, queueMemberDeleted

    case queueLogFile, queueLogSourceState, queueLogSourcePolled
    case queueLogCall, queueLogCallCompleted, agentSpanOpened, agentSpanTimed, agentSpanDeleted, ringNoAnswer

    /// The row type written under this kind; nil for transaction control.
    var rowType: (any RecordedRow.Type)? {
        switch self {
        case .begin, .commit: return nil
        case .journalBlock: return JournalBlockRow.self
        case .journalMalformed: return JournalMalformedRow.self
        case .sessionStarted: return SessionStarted.self
        case .sessionLoggedIn: return SessionLoggedIn.self
        case .sessionDescribed: return SessionDescribed.self
        case .sessionLastEvent: return SessionLastEvent.self
        case .sessionEnded: return SessionEnded.self
        case .ipbx: return IPBXSeen.self
        case .agentStatusChange: return AgentStatusChange.self
        case .intervalOpened: return IntervalOpened.self
        case .intervalClosed: return IntervalClosed.self
        case .intervalDeleted: return IntervalDeleted.self
        case .intervalReopened: return IntervalReopened.self
        case .intervalRelabelled: return IntervalRelabelled.self
        case .channelEvent: return ChannelEventRow.self
        case .channelEventCall: return ChannelEventCall.self
        case .call: return CallRow.self
        case .callRing: return CallRingRow.self
        case .queueStatSample: return QueueStatSample.self
        case .visitStarted: return VisitStarted.self
        case .visitContinued: return VisitContinued.self
        case .visitLeft: return VisitLeft.self
        case .visitAnswered: return VisitAnswered.self
        case .visitAbandoned: return VisitAbandoned.self
        case .visitUnknown: return VisitUnknown.self
        case .visitLeftUnknown: return VisitLeftUnknown.self
        case .visitDropped: return VisitDropped.self
        case .visitCall: return VisitCall.self
        case .userConfig: return UserConfigRow.self
        case .phoneConfig: return PhoneConfigRow.self
        case .agentConfig: return AgentConfigRow.self
        case .queueConfig: return QueueConfigRow.self
        case .queueMemberConfig: return QueueMemberConfigRow.self
        case .userStatus: return UserStatusRow.self
        case .phoneStatus: return PhoneStatusRow.self
        case .agentStatus: return AgentStatusRow.self
        case .userDeleted: return UserDeleted.self
        case .phoneDeleted: return PhoneDeleted.self
        case .agentDeleted: return AgentDeleted.self
        case .queueDeleted: return QueueDeleted.self
        case .queueMemberDeleted: return QueueMemberDeleted.self
        case .queueLogFile: return QueueLogFileProgress.self
        case .queueLogSourceState: return QueueLogSourceState.self
        case .queueLogCall: return QueueLogCallRow.self
        case .queueLogCallCompleted: return QueueLogCallCompleted.self
        case .agentSpanOpened: return AgentSpanOpened.self
        case .agentSpanTimed: return AgentSpanTimed.self
        case .agentSpanDeleted: return AgentSpanDeleted.self
        case .ringNoAnswer: return RingNoAnswerRow.self
        case .queueLogSourcePolled: return QueueLogSourcePolled.self
        }
    }
}
