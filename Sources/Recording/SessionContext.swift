/// What the recorder knows about the collection session in progress.
struct SessionContext {
    let id: Int64
    /// Server clock: `timenow` of the server's first reply (metrics.md "Coverage").
    var startedAt: Double?
    /// Server clock of the latest message, and the local clock when it was received: together
    /// they carry the server's clock forward for the session's end and for lines without a time.
    var lastEventTime: Double?
    var lastReceivedAt: Double?
    /// The `tipbxid` to use when a message names none (from `login_capas`).
    var defaultIPBX = "xivo"

    init(id: Int64) {
        self.id = id
    }

    /// The server's clock at a local instant, estimated from the latest message.
    func serverTime(atLocal local: Double) -> Double? {
        guard let lastEventTime, let lastReceivedAt else { return startedAt }
        return lastEventTime + max(0, local - lastReceivedAt)
    }
}
