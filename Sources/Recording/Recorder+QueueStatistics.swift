import CTIProtocol
import Storage

extension Recorder {
    /// Each value of a `getqueuesstats` message is a sample of a step function per queue and
    /// key (metrics.md "Queue statistics"). The server's "" (no data) is stored as NULL.
    func recordQueueStatistics(_ stats: [QueueStatistics], windowed: Bool, ipbx: String, _ context: MessageContext) throws {
        let window: Int? = windowed ? options.statsWindowSeconds : nil
        let insert = try database.cachedStatement("""
            INSERT INTO queue_stat_sample (ipbx, queue_id, key, event_time, value, window_s, session_id, journal_seq)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """)
        for queue in stats {
            for stat in queue.values {
                try insert.execute(ipbx, queue.queueID, stat.key, context.time, stat.value.number, window, context.sessionID, context.journalSeq)
            }
        }
    }
}
