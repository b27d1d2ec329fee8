/// How the recorder batches and interprets what it records.
public struct RecorderOptions: Sendable {
    /// A batch is committed when it holds this many messages...
    public var batchMaxMessages: Int
    /// ...or when its first message is this old (seconds), whichever comes first.
    public var batchMaxAge: Double
    /// The `window` the collector asks for in windowed `getqueuesstats`, recorded with the
    /// values of the replies.
    public var statsWindowSeconds: Int
    /// A queue visit that left is answered when a member agent enters `acd_call` within
    /// this many seconds of the leave (metrics.md).
    public var answerPairingSeconds: Double

    public init(batchMaxMessages: Int = 5_000, batchMaxAge: Double = 0.5, statsWindowSeconds: Int = 3_600, answerPairingSeconds: Double = 2) {
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
    /// Local clock of the latest line received, if any.
    public var lastReceivedAt: Double?

    public init() {}
}
