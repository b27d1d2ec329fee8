import CTIProtocol

/// The state an agent is in at an instant (metrics.md "Agent states and occupancy"):
/// the first that applies of this list, from the agent's merged status.
public enum AgentState: String, Sendable, CaseIterable {
    case loggedOut = "logged_out"
    case acdCall = "acd_call"
    case wrapup
    case nonACDCall = "nonacd_call"
    case paused
    case available

    /// Classifies a merged status; nil while its availability is not known yet.
    /// `unknownAvailability` receives a value the definition does not know (counted as paused).
    static func of(availability: String?, onCallACD: Bool?, onWrapup: Bool?, unknownAvailability: (String) -> Void) -> AgentState? {
        guard let availability else { return nil }
        let kind = Availability(availability)
        if kind == .loggedOut { return .loggedOut }
        if onCallACD == true { return .acdCall }
        if onWrapup == true { return .wrapup }
        switch kind {
        case .onCallNonACD: return .nonACDCall
        case .unavailable: return .paused
        case .available: return .available
        case .loggedOut: return .loggedOut
        case .other(let raw):
            unknownAvailability(raw)
            return .paused
        }
    }
}
