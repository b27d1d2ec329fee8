import CTIProtocol
import Storage

extension Recorder {
    /// Each value of a `getqueuesstats` message is a sample of a step function per queue and
    /// key (metrics.md "Queue statistics"). The server's "" (no data) is stored as NULL.
    func recordQueueStatistics(_ stats: [QueueStatistics], windowed: Bool, ipbx: String, _ context: MessageContext) throws {
        let window: Int? = windowed ? options.statsWindowSeconds : nil
        for queue in stats {
            for stat in queue.values {
                try hot.statSample.run(ipbx, queue.queueID, stat.key, context.time, stat.value.number, window, context.sessionID, context.journalSeq)
            }
        }
    }
}
