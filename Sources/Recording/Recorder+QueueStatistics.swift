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
    /// value as sent.
    func recordQueueStatistics(_ stats: [QueueStatistics], windowed: Bool, ipbx: String, _ context: MessageContext) throws {
        let window: Int? = windowed ? options.statsWindowSeconds : nil
        for queue in stats {
            for stat in queue.values {
                let value = stat.value.number
                // One lookup: the previous value is swapped in place for the new one.
                let previous = derived.statisticsInEffect.updateValue(value,
                    forKey: StatisticSeries(queueID: queue.queueID, key: stat.key))
                if let previous, previous == value {
                    continue
                }
                try rows.write(QueueStatSample(
                    ipbx: ipbx, queueID: queue.queueID, key: stat.key, eventTime: context.time, value: value, windowS: window,
                    sessionID: context.sessionID, journalSeq: context.journalSeq))
            }
        }
    }
}
