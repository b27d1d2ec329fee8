import NIOCore

/// Wraps each `LineBatch` as `SessionInput.lines` and adds a `.tick` every `interval`, so the
/// session's read loop sees one ordered stream of events and owns all of its state: keepalives,
/// polls, the idle check and the STARTTLS offer wait are decided on ticks, without a second
/// task or a lock.
///
/// Each tick also says since when the server has been quiet, as seen here on the event loop,
/// where lines arrive: the read loop may be behind (a slow disk, a busy machine), and its own
/// delay must not pass for the server's silence. Time while we are not reading (back-pressure:
/// no `read()` requested) does not count as silence either.
final class SessionTicker: ChannelDuplexHandler {
    typealias InboundIn = LineBatch
    typealias InboundOut = SessionInput
    typealias OutboundIn = Any
    typealias OutboundOut = Any

    private let interval: Duration
    private let clock: @Sendable () -> Double
    /// What the ticks sleep on: the collector's injected clock, so tests advance it.
    private let timers: any Clock<Duration>
    private var task: Task<Void, Never>?
    /// When the latest line arrived, moved forward by the time reading was paused since.
    private var lastArrival: Double
    /// A `read()` was requested and no data answered it yet: we are waiting on the server.
    private var readOutstanding = false
    /// When the latest read completed: a `read()` that comes later than at once means the
    /// read loop had paused reading (back-pressure) in between.
    private var readCompletedAt: Double
    /// No read has completed yet: the wait for the first `read()` is the read loop starting
    /// (after it sent the first login step), not back-pressure, and must not hide the
    /// server's silence since the connection.
    private var firstReadPending = true

    init(interval: Double, clock: @escaping @Sendable () -> Double, timers: any Clock<Duration>) {
        self.interval = .seconds(max(interval, 0.001))
        self.clock = clock
        self.timers = timers
        let now = clock()
        self.lastArrival = now
        self.readCompletedAt = now
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { start(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        // Silence counts from when the handler was set up, before the connection: the read
        // loop may send the first login step before this runs on the event loop, and that
        // step must count as unanswered from the moment it went out.
        start(context: context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        stop()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        stop()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let batch = unwrapInboundIn(data)
        lastArrival = max(lastArrival, batch.receivedAt)
        context.fireChannelRead(wrapInboundOut(.lines(batch)))
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        readOutstanding = false
        firstReadPending = false
        readCompletedAt = clock()
        context.fireChannelReadComplete()
    }

    func read(context: ChannelHandlerContext) {
        if !readOutstanding {
            // The time we were not reading is not the server's silence.
            readOutstanding = true
            if !firstReadPending {
                let now = clock()
                lastArrival = min(now, lastArrival + max(0, now - readCompletedAt))
            }
        }
        context.read()
    }

    private func start(context: ChannelHandlerContext) {
        guard task == nil else { return }
        let bound = NIOLoopBound((context: context, handler: self), eventLoop: context.eventLoop)
        let eventLoop = context.eventLoop
        let (timers, interval) = (self.timers, self.interval)
        task = Task {
            // Each tick is handed to the event loop, where this handler's state lives.
            while true {
                do {
                    try await timers.sleep(for: interval)
                } catch {
                    return
                }
                eventLoop.execute {
                    let (context, handler) = bound.value
                    handler.fireTick(context: context)
                }
            }
        }
    }

    private func fireTick(context: ChannelHandlerContext) {
        // A tick already handed over when the handler stopped.
        guard task != nil else { return }
        let now = clock()
        let quietSince = readOutstanding ? lastArrival : now
        context.fireChannelRead(wrapInboundOut(.tick(SessionTick(firedAt: now, serverQuietSince: quietSince))))
        // The async channel hands reads over on read-complete.
        context.fireChannelReadComplete()
    }

    private func stop() {
        task?.cancel()
        task = nil
    }
}

@available(*, unavailable)
extension SessionTicker: Sendable {}
