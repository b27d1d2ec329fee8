import CTIProtocol
import Storage

/// Agent statuses, merged, and the state intervals of metrics.md.
extension Recorder {
    func applyAgentStatus(ipbx: String, id: String, status: JSONObject, partial: Bool, _ context: MessageContext) throws {
        var tracker = derived.agents[id] ?? AgentTracker(ipbx: ipbx)
        let view = AgentStatus(from: status)
        if let availability = view.availability { tracker.availability = availability }
        if let onCallACD = view.onCallACD { tracker.onCallACD = onCallACD }
        if let onWrapup = view.onWrapup { tracker.onWrapup = onWrapup }
        if let queues = view.queues { tracker.queues = queues }
        mergeStatus(list: "agents", ipbx: ipbx, id: id, status: status)

        let state = AgentState.of(
            availability: tracker.availability, onCallACD: tracker.onCallACD, onWrapup: tracker.onWrapup,
            unknownAvailability: { [self] raw in noteUnknownAvailability(raw, agent: id) }
        )
        try rows.write(AgentStatusChange(
            ipbx: ipbx, agentID: id, eventTime: context.time, availability: tracker.availability, onCallACD: tracker.onCallACD,
            onWrapup: tracker.onWrapup, state: state?.rawValue, partial: partial, sessionID: context.sessionID,
            journalSeq: context.journalSeq))

        if let state {
            if let open = tracker.interval {
                if open.state != state {
                    let time = max(context.time, open.start)
                    if time == open.start {
                        // Several statuses at one instant (a call ends and the agent logs out):
                        // the states in between lasted no time and leave no interval.
                        tracker.interval = try relabel(open, as: state, reopening: tracker.previous)
                        tracker.previous = nil
                    } else {
                        try closeInterval(open, at: time)
                        tracker.previous = ClosedInterval(rowID: open.rowID, state: open.state, start: open.start, end: time)
                        tracker.interval = try openInterval(agent: id, ipbx: ipbx, state: state, start: time, began: true, context)
                    }
                    if state == .acdCall {
                        try noteACDStart(agent: id, at: time, queues: tracker.queues)
                    }
                }
            } else {
                // State known from the bootstrap holds from the session's start (metrics.md
                // "Coverage"); we did not see it begin, so it does not count as begun.
                let fromBootstrap = !tracker.hasStatusInSession && derived.bootstrapAgents.contains(id)
                let start = fromBootstrap ? context.sessionStart : max(context.time, context.sessionStart)
                tracker.interval = try openInterval(agent: id, ipbx: ipbx, state: state, start: start, began: !fromBootstrap, context)
                if state == .acdCall && !fromBootstrap {
                    try noteACDStart(agent: id, at: start, queues: tracker.queues)
                }
            }
        }
        if state != nil {
            tracker.hasStatusInSession = true
        }
        derived.agents[id] = tracker
    }

    private func noteUnknownAvailability(_ raw: String, agent: String) {
        if loggedUnknownAvailabilities.insert(raw).inserted {
            logger.warning("agent \(agent) has availability '\(raw)', which CallStats does not know: counted as paused")
        }
    }

    /// Opens an interval at `start`; a start in an hour already cut (a status dated back by
    /// its `availability_since`) is cut at once, so no row spans a UTC hour.
    func openInterval(agent: String, ipbx: String, state: AgentState, start: Double, began: Bool, _ context: MessageContext) throws -> OpenInterval {
        var start = start
        var began = began
        if let hour = derived.currentHour {
            let hourStart = Double(hour) * 3600
            if start < hourStart {
                var pieceStart = start
                var boundary = (pieceStart / 3600).rounded(.down) * 3600 + 3600
                while boundary <= hourStart {
                    try insertInterval(agent: agent, ipbx: ipbx, state: state, start: pieceStart, end: boundary, began: began, sessionID: context.sessionID)
                    began = false
                    pieceStart = boundary
                    boundary += 3600
                }
                start = hourStart
            }
        }
        let rowID = try insertInterval(agent: agent, ipbx: ipbx, state: state, start: start, end: nil, began: began, sessionID: context.sessionID)
        return OpenInterval(rowID: rowID, state: state, start: start)
    }

    @discardableResult
    private func insertInterval(agent: String, ipbx: String, state: AgentState, start: Double, end: Double?, began: Bool, sessionID: Int64) throws -> Int64 {
        let rowID = takeID(\.nextIntervalID)
        try rows.write(IntervalOpened(
            id: rowID, ipbx: ipbx, agentID: agent, state: state.rawValue, startTime: start, endTime: end, began: began, sessionID: sessionID))
        return rowID
    }

    /// Replaces an open interval of no length by the state that follows at the same instant,
    /// or, when that state is the one the interval interrupted, lets the interrupted one go on.
    private func relabel(_ open: OpenInterval, as state: AgentState, reopening previous: ClosedInterval?) throws -> OpenInterval {
        if let previous, previous.state == state, previous.end == open.start {
            try rows.write(IntervalDeleted(id: open.rowID))
            try rows.write(IntervalReopened(id: previous.rowID))
            return OpenInterval(rowID: previous.rowID, state: state, start: previous.start)
        }
        try rows.write(IntervalRelabelled(state: state.rawValue, id: open.rowID))
        return OpenInterval(rowID: open.rowID, state: state, start: open.start)
    }

    func closeInterval(_ interval: OpenInterval, at time: Double) throws {
        try rows.write(IntervalClosed(endTime: max(time, interval.start), id: interval.rowID))
    }

    /// Cuts every open interval at each UTC hour boundary the clock has passed, so reports can
    /// find every interval that overlaps a period with a one-hour look-back on `start_time`.
    func cutIntervalsAtHours(upTo time: Double, _ context: MessageContext) throws {
        let hour = Int64((time / 3600).rounded(.down))
        guard let current = derived.currentHour else {
            derived.currentHour = hour
            return
        }
        guard hour > current else { return }
        derived.currentHour = hour
        for agent in derived.agents.keys.sorted() {
            guard var tracker = derived.agents[agent], var open = tracker.interval else { continue }
            for boundaryHour in (current + 1)...hour {
                let boundary = Double(boundaryHour) * 3600
                guard boundary > open.start else { continue }
                try closeInterval(open, at: boundary)
                let rowID = try insertInterval(agent: agent, ipbx: tracker.ipbx, state: open.state, start: boundary, end: nil, began: false, sessionID: context.sessionID)
                open = OpenInterval(rowID: rowID, state: open.state, start: boundary)
            }
            tracker.interval = open
            tracker.previous = nil
            derived.agents[agent] = tracker
        }
    }

    func closeIntervals(at end: Double) throws {
        for agent in derived.agents.keys.sorted() {
            guard var tracker = derived.agents[agent], let open = tracker.interval else { continue }
            try closeInterval(open, at: end)
            tracker.interval = nil
            derived.agents[agent] = tracker
        }
    }
}
