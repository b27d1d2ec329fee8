/// How the recorder batches and interprets what it records.
public struct RecorderOptions: Sendable {
    /// A batch is committed when it holds this many messages... (Only a flood of lines, a
    /// replay or an import fills one: a live PBX's few hundred lines a second commit by age.
    /// Each commit writes every page its batch changed, and the pages many batches share, an
    /// index's leaves and interior pages, are written once per commit: 10,000 rather than
    /// 5,000 took a tenth off the collector's CPU time on the 2.4M-line day, BENCHMARKS.md.)
    public var batchMaxMessages: Int
    /// ...or when its first message is this old (seconds), whichever comes first.
    public var batchMaxAge: Double
    /// The `window` the collector asks for in windowed `getqueuesstats`, recorded with the
    /// values of the replies.
    public var statsWindowSeconds: Int
    /// A queue visit that left is answered when a member agent enters `acd_call` within
    /// this many seconds of the leave (metrics.md).
    public var answerPairingSeconds: Double

    public init(batchMaxMessages: Int = 10_000, batchMaxAge: Double = 0.5, statsWindowSeconds: Int = 3_600, answerPairingSeconds: Double = 2) {
        self.batchMaxMessages = batchMaxMessages
        self.batchMaxAge = batchMaxAge
        self.statsWindowSeconds = statsWindowSeconds
        self.answerPairingSeconds = answerPairingSeconds
    }
}

/// Counters for the collector's periodic log line.
public struct RecorderStatistics: Sendable, Equatable {
    public var messages = 0
    public var commits = 0
    public var malformed = 0
    /// queue_log lines in the time another queue_log source of the database read: journaled only.
    public var heldByOtherSource = 0
    /// Local clock of the latest line received, if any.
    public var lastReceivedAt: Double?

    public init() {}
}
