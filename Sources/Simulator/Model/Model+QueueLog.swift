// The queue_log the simulated Asterisk writes (`simulate --queue-log`): the file form of an
// Asterisk 13+ on Wazo, `epoch|callid|queuename|agent|event|data...`, one line per event, at
// the same model instants as the CTI messages, so that one day can be read through both
// sources. Field layouts follow app_queue.c's `ast_queue_log` calls, wazo-agentd's
// AGENTCALLBACKLOGIN / LOGOFF and Wazo's WRAPUPSTART patch (docs/RECORDING.md names them).
//
// Nothing here draws from the model's random generator or changes what goes on the wire: a
// run with `--queue-log` sends the same CTI messages as one without.

extension CallCenterModel {
    /// One line, dated by the whole second Asterisk's `time(NULL)` gives (now, unless `at`).
    func queueLogLine(_ callID: String, queue: String, agent: String, _ event: String, _ data: [String], at instant: Micros? = nil) {
        let time = SimTime.wholeSeconds(instant ?? now)
        queueLog.write { out in
            out.append(contentsOf: String(time).utf8)
            for field in [callID, queue, agent, event] + data {
                out.append(UInt8(ascii: "|"))
                out.append(contentsOf: field.utf8)
            }
        }
    }

    /// Whole seconds between two model instants as Asterisk counts them: a difference of
    /// `time(NULL)` values.
    func queueLogSeconds(from start: Micros) -> String {
        String(SimTime.wholeSeconds(now) - SimTime.wholeSeconds(start))
    }

    func memberName(_ agent: Int) -> String { directory.agent(agent).interface }

    /// Wazo's queue member interface for an agent (what `PAUSEALL` names, written by Asterisk
    /// before Wazo's table trigger would rewrite it).
    func memberInterface(_ agent: Int) -> String { "Local/id-\(agent)@agentcallback" }

    /// app_queue's load: the start of the log's run.
    func queueLogStart() {
        queueLogLine("NONE", queue: "NONE", agent: "NONE", "QUEUESTART", [""], at: boot)
    }

    func queueLogEnter(_ visit: VisitRuntime, queue: Int) {
        queueLogLine(visit.uniqueid, queue: directory.queue(queue).name, agent: "NONE", "ENTERQUEUE",
                     ["", visit.number, String(visit.position)])
    }

    func queueLogConnect(_ visit: VisitRuntime, agent: Int) {
        queueLogSequence += 1
        let peer = "\(SimTime.wholeSeconds(visit.ringStart ?? now)).\(queueLogSequence)"
        queueLogLine(visit.uniqueid, queue: directory.queue(visit.queueId).name, agent: memberName(agent), "CONNECT",
                     [queueLogSeconds(from: visit.join), peer, queueLogSeconds(from: visit.ringStart ?? now)])
    }

    /// RINGNOANSWER carries milliseconds.
    func queueLogRingNoAnswer(_ visit: VisitRuntime, agent: Int) {
        let milliseconds = (now - (visit.ringStart ?? now)) / (SimTime.second / 1000)
        queueLogLine(visit.uniqueid, queue: directory.queue(visit.queueId).name, agent: memberName(agent), "RINGNOANSWER",
                     [String(milliseconds)])
    }

    func queueLogAbandon(_ visit: VisitRuntime) {
        let position = (queues[visit.queueId - 1].waiting.firstIndex(of: visit.id) ?? 0) + 1
        queueLogLine(visit.uniqueid, queue: directory.queue(visit.queueId).name, agent: "NONE", "ABANDON",
                     [String(position), String(visit.position), queueLogSeconds(from: visit.join)])
    }

    /// COMPLETEAGENT when the agent hung up first, else COMPLETECALLER.
    func queueLogComplete(_ call: CallRuntime, queue: Int, agent: Int, agentHungUp: Bool) {
        guard let answered = call.answer else { return }
        queueLogLine(call.queueLogID, queue: directory.queue(queue).name, agent: memberName(agent),
                     agentHungUp ? "COMPLETEAGENT" : "COMPLETECALLER",
                     [String(SimTime.wholeSeconds(answered) - SimTime.wholeSeconds(call.queueJoin ?? answered)),
                      queueLogSeconds(from: answered), String(call.queuePosition)])
    }

    func queueLogWrapup(_ call: CallRuntime, queue: Int, agent: Int, seconds: Int) {
        queueLogLine(call.queueLogID, queue: directory.queue(queue).name, agent: memberName(agent), "WRAPUPSTART", [String(seconds)])
    }

    /// wazo-agentd: the member added to each queue, then the login.
    func queueLogLogin(_ agent: Int) {
        for q in agents[agent - 1].queues {
            queueLogLine("NONE", queue: directory.queue(q).name, agent: memberName(agent), "ADDMEMBER", [""])
        }
        queueLogLine("NONE", queue: "NONE", agent: memberName(agent), "AGENTCALLBACKLOGIN", [loginExtension(agent)])
    }

    /// wazo-agentd: the member removed from each queue, then the logoff with the time logged in.
    func queueLogLogoff(_ agent: Int) {
        for q in agents[agent - 1].queues {
            queueLogLine("NONE", queue: directory.queue(q).name, agent: memberName(agent), "REMOVEMEMBER", [""])
        }
        queueLogLine("NONE", queue: "NONE", agent: memberName(agent), "AGENTCALLBACKLOGOFF",
                     [loginExtension(agent), queueLogSeconds(from: agents[agent - 1].loginTime), ""])
    }

    private func loginExtension(_ agent: Int) -> String {
        directory.phone(directory.agent(agent).phoneId).number + "@default"
    }

    /// Asterisk's pause of every queue (wazo-agentd's QueuePause without a queue): PAUSEALL
    /// under the member's interface, then a PAUSE per queue under its member name.
    func queueLogPauseAll(_ agent: Int, paused: Bool) {
        let reason = paused ? pauseReason(agent) : ""
        queueLogLine("NONE", queue: "NONE", agent: memberInterface(agent), paused ? "PAUSEALL" : "UNPAUSEALL", [reason])
    }

    func queueLogPause(_ agent: Int, queue: Int, paused: Bool) {
        let reason = paused ? pauseReason(agent) : ""
        queueLogLine("NONE", queue: directory.queue(queue).name, agent: memberName(agent), paused ? "PAUSE" : "UNPAUSE", [reason])
    }

    func queueLogMembership(_ agent: Int, queue: Int, added: Bool) {
        queueLogLine("NONE", queue: directory.queue(queue).name, agent: memberName(agent), added ? "ADDMEMBER" : "REMOVEMEMBER", [""])
    }

    /// The CTI protocol carries no pause reason; the queue_log does. Lunch around midday, else
    /// a short break or none, chosen from the clock so that the model's random draws stay
    /// those of a run without a queue_log.
    private func pauseReason(_ agent: Int) -> String {
        let hour = SimTime.wholeSeconds(now + Int64(configuration.utcOffsetSeconds) * SimTime.second) / 3600 % 24
        if (11...13).contains(hour) { return "lunch" }
        switch (SimTime.wholeSeconds(now) / 60 + Int64(agent)) % 3 {
        case 0: return "break"
        case 1: return "training"
        default: return ""
        }
    }
}
