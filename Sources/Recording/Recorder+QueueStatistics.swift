import CTIProtocol
import Storage

extension Recorder {
    /// Each value of a `getqueuesstats` message is a sample of a step function per queue and
    /// key (metrics.md "Queue statistics"). The server's "" (no data) is stored as NULL.
    ///
    /// A value equal to the one in effect changes nothing in the step function, so only
    /// changes are stored: the server re-sends unchanged keys with every update and poll,
    /// and half the samples of a day were repeats. The first value of each key in a session
    /// is always stored, since a session's values end with it. The journal keeps every
    /// value as sent. The reports read pushed and polled (windowed) values as one step
    /// function, so the window is not part of the series.
    ///
    /// A repeat is dropped only where the reports' step function (ordered by event time)
    /// would not notice: its time is not before any value of the series already received in
    /// the session, and, for `Xivo-LongestWaitTime`, no emptied queue (`Xivo-WaitingCalls`
    /// of 0) came in between, since that ends the longest wait in effect. For the same
    /// reason a `Xivo-WaitingCalls` of 0 after a longest wait is stored even when the queue
    /// was already empty: it ends that longest wait.
    func recordQueueStatistics(_ stats: [QueueStatistics], windowed: Bool, ipbx: String, _ context: MessageContext) throws {
        let window: Int? = windowed ? options.statsWindowSeconds : nil
        for queue in stats {
            for stat in queue.values {
                let value = stat.value.number
                let time = context.time
                let series = StatisticSeries(queueID: queue.queueID, key: stat.key)
                // One lookup: the entry is read and replaced in place.
                if Self.replace(&derived.statisticsInEffect[series], value: value, time: time) { continue }
                try rows.write(QueueStatSample(
                    ipbx: ipbx, queueID: queue.queueID, key: stat.key, eventTime: time, value: value, windowS: window,
                    sessionID: context.sessionID, journalSeq: context.journalSeq))
                if stat.key == Self.waitingCallsKey, value == 0 {
                    endLongestWait(of: queue.queueID)
                } else if stat.key == Self.longestWaitKey {
                    // The next emptied queue ends this longest wait: it must be stored.
                    let waiting = StatisticSeries(queueID: queue.queueID, key: Self.waitingCallsKey)
                    if derived.statisticsInEffect[waiting]?.value == 0 { derived.statisticsInEffect[waiting]?.ended = true }
                }
            }
        }
    }

    /// Puts the new value in effect; true when it repeats the value in effect, the latest of
    /// its series in time order.
    static func replace(_ entry: inout StatisticInEffect?, value: Double?, time: Double) -> Bool {
        guard let previous = entry else {
            entry = StatisticInEffect(value: value, time: time, latest: time)
            return false
        }
        entry = StatisticInEffect(value: value, time: time, latest: max(previous.latest, time))
        return !previous.ended && previous.value == value && previous.time >= previous.latest && time >= previous.latest
    }

    static let waitingCallsKey = "Xivo-WaitingCalls"
    static let longestWaitKey = "Xivo-LongestWaitTime"

    /// An emptied queue ends its longest wait (metrics.md): the next one is a new step even
    /// when it repeats the last value.
    private func endLongestWait(of queueID: String) {
        derived.statisticsInEffect[StatisticSeries(queueID: queueID, key: Self.longestWaitKey)]?.ended = true
    }
}
