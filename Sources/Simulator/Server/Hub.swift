import CTIProtocol
import Logging
import NIOCore
import NIOSSL

/// The simulated CTI server's core: owns the model, the clients and the clock, and moves the
/// model forward. Everything runs on one event loop (the model, every client connection and
/// every timer), so the order of messages is the order the model made them, no lock is
/// needed, and a client's reading speed can pace the model (back-pressure) without any
/// buffer in between.
final class Hub {
    enum Clock {
        /// Waiting for the first successful login: the day starts when someone watches it.
        case stopped
        /// `simAnchor` was the simulated time at real instant `realAnchor`.
        case running(realAnchor: NIODeadline, simAnchor: Micros)
        /// The simulated day is over.
        case done
    }

    let eventLoop: EventLoop
    let configuration: SimulatorConfiguration
    let model: CallCenterModel
    let logger: Logger
    private let truthFile: LineFileWriter?
    private let queueLogFile: LineFileWriter?
    private(set) var clients: [ClientConnection] = []
    private var nextConnectionId = 1
    /// Session ids come from their own stream so connecting never changes the model's day.
    var sessionRNG: Xoshiro256
    private(set) var clock: Clock = .stopped
    private var immediateStepQueued = false
    private var clockStartScheduled = false
    /// Inside `step()`: writability changes caused by its own flushes must not queue another
    /// step (the step schedules its successor itself, after giving the sockets a turn).
    private var stepping = false
    private var wakeUp: Scheduled<Void>?
    private var yielder: LoopYield?
    private var scratch: [UInt8] = []
    /// Completed when the day is over and every connection is closed (`exitWhenDone`), or at
    /// shutdown.
    let finished: EventLoopPromise<Void>
    var serverChannels: [Channel] = []
    /// The server's TLS context (`--tls-certificate`): STARTTLS is accepted with it, refused
    /// (`starttls: false`) without.
    var tlsContext: NIOSSLContext?
    private var shuttingDown = false

    /// At `--speed max`, one step produces about this much output per client before it gives
    /// the event loop back for I/O: it bounds what is buffered beyond the socket's high-water
    /// mark, and how long a client's request can wait (well under a millisecond of work).
    private let stepBudgetBytes = 128 * 1024
    /// How long a closing connection may take to read what was written to it.
    private let closeGraceSeconds = 2.0

    init(eventLoop: EventLoop, configuration: SimulatorConfiguration, truthFile: LineFileWriter?, queueLogFile: LineFileWriter?, logger: Logger) {
        self.eventLoop = eventLoop
        self.configuration = configuration
        self.truthFile = truthFile
        self.queueLogFile = queueLogFile
        self.logger = logger
        model = CallCenterModel(configuration: configuration, truth: truthFile ?? LineDiscard(), queueLog: queueLogFile ?? LineDiscard())
        sessionRNG = Xoshiro256(seed: configuration.seed, stream: 3)
        finished = eventLoop.makePromise(of: Void.self)
        scratch.reserveCapacity(4096)
    }

    // MARK: - Connections

    /// `directTLS`: accepted on the TLS listener (the handshake runs in front of the handler).
    func clientConnected(_ channel: Channel, directTLS: Bool) -> ClientConnection {
        let c = ClientConnection(id: nextConnectionId, channel: channel, maximumLineLength: configuration.maximumLineLength)
        c.tlsActive = directTLS
        nextConnectionId += 1
        clients.append(c)
        logger.info("client connected", metadata: [
            "conn": "\(c.id)", "peer": "\(channel.remoteAddress.map { "\($0)" } ?? "?")", "tls": "\(directTLS)",
        ])
        c.loginTimeout = eventLoop.assumeIsolated().scheduleTask(in: .nanoseconds(Int64(configuration.loginTimeoutSeconds * 1e9))) { [weak self, weak c] in
            guard let self, let c, !c.isLoggedIn, !c.closing else { return }
            self.logger.info("login timeout", metadata: ["conn": "\(c.id)"])
            self.close(c)
        }
        if !configuration.protocolVersion.isLegacy && configuration.offerStartTLS && !directTLS {
            // Wazo (15.20+) offers STARTTLS as soon as a client connects.
            c.startTLSPending = true
            reply(c, ["class": "starttls"])
            flush(c)
        }
        return c
    }

    func clientDisconnected(_ c: ClientConnection) {
        c.loginTimeout?.cancel()
        c.loginTimeout = nil
        let wasLoggedIn: Int? = if case .loggedIn(let u) = c.phase { u } else { nil }
        c.closing = true
        clients.removeAll { $0 === c }
        logger.info("client disconnected", metadata: ["conn": "\(c.id)", "sent": "\(c.messagesSent)"])
        if let user = wasLoggedIn, !shuttingDown {
            syncModel()
            model.userDisconnected(user)
            deliverAndFlush()
        }
        // A reader fewer may be what held the model back.
        if configuration.speed == .max && !stepping { continueSoon() }
        checkAllClosed()
    }

    /// At `--speed max` the model waits while nobody is logged in: a login after every reader
    /// left resumes it (the first login starts the clock instead, see `scheduleClockStart`).
    func resumeForNewReader() {
        guard configuration.speed == .max, case .running = clock, !stepping else { return }
        continueSoon()
    }

    func writabilityChanged(_ c: ClientConnection) {
        guard c.channel.isWritable else { return }
        if c.readingPaused {
            c.readingPaused = false
            try? c.channel.syncOptions?.setOption(.autoRead, value: true)
        }
        if configuration.speed == .max && !stepping { continueSoon() }
    }

    /// A client that keeps sending requests without reading the replies is not read from
    /// until it catches up: its requests wait in the kernel instead of replies piling up here.
    /// (Only far above the high-water mark: pausing on every writability change would starve
    /// the requests of a client that reads normally while the model keeps it busy.)
    private func pauseReadingIfFlooded(_ c: ClientConnection) {
        guard !c.readingPaused, !c.channel.isWritable else { return }
        let buffered = ((try? c.channel.syncOptions?.getOption(.bufferedWritableBytes)) ?? 0) + c.pending.readableBytes
        guard buffered > 4 * configuration.writeBufferHighWaterMark else { return }
        c.readingPaused = true
        try? c.channel.syncOptions?.setOption(.autoRead, value: false)
    }

    func received(_ buffer: ByteBuffer, from c: ClientConnection) {
        guard !c.closing else { return }
        buffer.withUnsafeReadableBytes { c.framer.append($0) }
        while !c.closing {
            let line: [UInt8]?
            do {
                line = try c.framer.nextLine()
            } catch {
                logger.info("closing connection", metadata: ["conn": "\(c.id)", "reason": "\(error)"])
                close(c)
                return
            }
            guard let line else { break }
            handleLine(line, from: c)
        }
        // One write for all the replies to what arrived together (a bootstrap sends hundreds).
        deliverAndFlush()
        pauseReadingIfFlooded(c)
    }

    /// Closes without a reply (bad input, login timeout).
    func close(_ c: ClientConnection) {
        guard !c.closing else { return }
        c.closing = true
        c.loginTimeout?.cancel()
        c.channel.close(promise: nil)
    }

    /// Sends an error reply, then closes once it is written (the real server's `closemenow`).
    func replyAndClose(_ c: ClientConnection, _ body: JSONObject) {
        guard !c.closing else { return }
        append(body, time: model.now, to: c)
        closeAfterPendingOutput(c)
    }

    /// Writes what is pending for the client, then closes once all of it (and everything
    /// written before) has reached the socket, or after `closeGraceSeconds` if the client does
    /// not read it: a client that stopped reading must not keep the server from finishing.
    private func closeAfterPendingOutput(_ c: ClientConnection) {
        guard !c.closing else { return }
        flush(c)
        c.closing = true
        c.loginTimeout?.cancel()
        let channel = c.channel
        guard let last = c.lastWrite else {
            channel.close(promise: nil)
            return
        }
        let loop = eventLoop.assumeIsolated()
        let forced = loop.scheduleTask(in: .milliseconds(Int64(closeGraceSeconds * 1000))) {
            channel.close(promise: nil)
        }
        last.assumeIsolated().whenComplete { _ in
            forced.cancel()
            channel.close(promise: nil)
        }
    }

    // MARK: - Output

    /// Serialises a message once, with `timenow`, into `scratch`.
    private func encode(_ body: JSONObject, time: Micros) {
        scratch.removeAll(keepingCapacity: true)
        JSON.serialize(.object(body), into: &scratch)
        // `{...}` -> `{...,"timenow":T}`: the server adds timenow when it encodes a message.
        scratch.removeLast()
        if !body.isEmpty { scratch.append(UInt8(ascii: ",")) }
        scratch.append(contentsOf: #""timenow":"#.utf8)
        JSON.serialize(.double(SimTime.seconds(time)), into: &scratch)
        scratch.append(UInt8(ascii: "}"))
        scratch.append(UInt8(ascii: "\n"))
    }

    private func append(_ body: JSONObject, time: Micros, to c: ClientConnection) {
        encode(body, time: time)
        c.pending.writeBytes(scratch)
        c.messagesSent += 1
    }

    /// A direct reply to one client, after what was produced for it before; written with the
    /// rest of the output at the end of the read that asked for it.
    func reply(_ c: ClientConnection, _ body: JSONObject) {
        guard !c.closing else { return }
        append(body, time: model.now, to: c)
    }

    /// Moves the model's outbox into the clients' pending output. Returns the largest number of
    /// bytes any one client received.
    @discardableResult
    private func drain() -> Int {
        guard !model.outbox.isEmpty else { return 0 }
        var most = 0
        for message in model.outbox {
            var encoded = false
            for c in clients where c.receivesBroadcasts {
                switch message.audience {
                case .everyone: break
                case .queueStatsSubscribers: if !c.subscribedToStats { continue }
                case .queueEntrySubscribers(let q): if !c.entrySubscriptions.contains(q) { continue }
                }
                if !encoded {
                    encode(message.body, time: message.time)
                    encoded = true
                }
                c.pending.writeBytes(scratch)
                c.messagesSent += 1
                most = max(most, c.pending.readableBytes)
            }
        }
        model.outbox.removeAll(keepingCapacity: true)
        return most
    }

    func flush(_ c: ClientConnection) {
        guard c.pending.readableBytes > 0, !c.closing else { return }
        let buffer = c.pending
        c.pending = c.channel.allocator.buffer(capacity: 0)
        c.lastWrite = c.channel.writeAndFlush(buffer)
    }

    private func flushAll() {
        for c in clients { flush(c) }
    }

    func deliverAndFlush() {
        drain()
        flushAll()
    }

    // MARK: - The clock

    /// The first successful login starts the simulated day after `clockStartDelaySeconds`, so
    /// a client that connected first bootstraps at the day's first instant and sees all of it,
    /// identically on every run.
    func scheduleClockStart() {
        guard case .stopped = clock, !clockStartScheduled else { return }
        clockStartScheduled = true
        let delay = TimeAmount.nanoseconds(Int64(max(0, configuration.clockStartDelaySeconds) * 1e9))
        eventLoop.assumeIsolated().scheduleTask(in: delay) { [weak self] in
            self?.startClockIfNeeded()
        }
    }

    func startClockIfNeeded() {
        guard case .stopped = clock else { return }
        clock = .running(realAnchor: .now(), simAnchor: model.now)
        logger.info("simulated clock started", metadata: [
            "at": "\(ISO8601Instant.format(micros: model.now, utcOffsetSeconds: configuration.utcOffsetSeconds))",
            "speed": "\(configuration.speed)",
        ])
        queueStep()
    }

    /// The simulated instant corresponding to now (finite speeds only).
    private func simulatedNow(realAnchor: NIODeadline, simAnchor: Micros, factor: Double) -> Micros {
        let elapsedNanos = (NIODeadline.now() - realAnchor).nanoseconds
        let sim = simAnchor + Micros(Double(elapsedNanos) / 1000 * factor)
        return min(sim, model.end)
    }

    /// Before answering a client at a finite speed: run the events that are due, so the reply's
    /// `timenow` is the current simulated time and nothing due is reported after it.
    func syncModel() {
        guard case .running(let realAnchor, let simAnchor) = clock, case .factor(let f) = configuration.speed else { return }
        model.advance(until: simulatedNow(realAnchor: realAnchor, simAnchor: simAnchor, factor: f))
        deliverAndFlush()
        if model.finished { dayOver() }
    }

    /// Runs a step as soon as possible (the clock starting).
    private func queueStep() {
        guard !immediateStepQueued else { return }
        immediateStepQueued = true
        eventLoop.assumeIsolated().execute { [weak self] in
            guard let self else { return }
            self.immediateStepQueued = false
            self.step()
        }
    }

    /// The next step after a busy one, once the event loop has polled the sockets (see
    /// `LoopYield` for why neither `execute` nor a short timer will do).
    private func continueSoon() {
        if let yielder {
            yielder.arm()
        } else if wakeUp == nil {
            wakeUp = eventLoop.assumeIsolated().scheduleTask(in: .microseconds(50)) { [weak self] in
                guard let self else { return }
                self.wakeUp = nil
                self.step()
            }
        }
    }

    /// Sets up the self-pipe `continueSoon` uses; without it, steps are spaced by a short timer.
    func attachYielder() throws {
        yielder = try LoopYield.make(on: eventLoop) { [weak self] in self?.step() }
    }

    private func step() {
        wakeUp?.cancel()
        wakeUp = nil
        stepping = true
        defer { stepping = false }
        guard case .running(let realAnchor, let simAnchor) = clock else { return }
        switch configuration.speed {
        case .max:
            // Only as fast as the slowest logged-in reader: nobody watching, or someone's
            // buffer full, and the model waits (resumed by a login or a writability change).
            let readers = clients.filter(\.isLoggedIn)
            guard !readers.isEmpty, readers.allSatisfy({ $0.channel.isWritable }) else { return }
            var produced = 0
            while produced < stepBudgetBytes && !model.finished {
                model.advance(until: model.end, maxEvents: 16)
                produced = max(produced, drain())
            }
            flushAll()
            if model.finished { dayOver() } else { continueSoon() }
        case .factor(let f):
            let target = simulatedNow(realAnchor: realAnchor, simAnchor: simAnchor, factor: f)
            let more = model.advance(until: target, maxEvents: 2048)
            deliverAndFlush()
            dropSlowClients()
            if model.finished {
                dayOver()
            } else if more {
                continueSoon()
            } else {
                let next = min(model.nextEventTime ?? model.end, model.end)
                let nanos = Double(next - simAnchor) * 1000 / f
                let deadline = realAnchor + .nanoseconds(Int64(min(nanos, Double(Int64.max / 2))))
                wakeUp = eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { [weak self] in
                    self?.step()
                }
            }
        }
    }

    /// At a finite speed the clock does not wait for anyone: a client that stopped reading is
    /// disconnected once its unsent output passes the bound, instead of growing without end.
    private func dropSlowClients() {
        for c in clients where !c.channel.isWritable {
            let buffered = (try? c.channel.syncOptions?.getOption(.bufferedWritableBytes)) ?? 0
            if buffered > configuration.dropClientAboveBufferedBytes {
                logger.warning("client too slow, disconnecting", metadata: ["conn": "\(c.id)", "buffered": "\(buffered)"])
                close(c)
            }
        }
    }

    private func dayOver() {
        if case .done = clock { return }
        clock = .done
        deliverAndFlush()
        truthFile?.close()
        if let truthFile, truthFile.failed {
            logger.error("could not write the whole truth file")
        }
        queueLogFile?.close()
        if let queueLogFile, queueLogFile.failed {
            logger.error("could not write the whole queue_log")
        }
        logger.info("simulated day over", metadata: ["events": "\(model.processedEvents)"])
        guard configuration.exitWhenDone else { return }
        shutdown()
    }

    /// Closes every connection once its output is written, then the listener.
    func shutdown() {
        guard !shuttingDown else { return }
        shuttingDown = true
        truthFile?.close()
        queueLogFile?.close()
        yielder?.close()
        yielder = nil
        for c in clients { closeAfterPendingOutput(c) }
        for channel in serverChannels { channel.close(promise: nil) }
        checkAllClosed()
    }

    private func checkAllClosed() {
        guard shuttingDown, clients.isEmpty else { return }
        finished.succeed(())
    }

    // MARK: - Introspection (tests, benchmarks)

    func statistics() -> SimulatorStatistics {
        // At a finite speed the clock runs between events: bring the model up to it, so the
        // reported time is the clock's, not that of the last event.
        syncModel()
        var buffered = 0
        for c in clients {
            buffered += c.pending.readableBytes
            buffered += (try? c.channel.syncOptions?.getOption(.bufferedWritableBytes)) ?? 0
        }
        let started: Bool = if case .stopped = clock { false } else { true }
        return SimulatorStatistics(
            simulatedTime: SimTime.seconds(model.now), clockStarted: started, dayOver: model.finished,
            connectedClients: clients.count, loggedInClients: clients.filter(\.isLoggedIn).count,
            messagesSent: clients.reduce(0) { $0 + $1.messagesSent }, bufferedOutboundBytes: buffered,
            modelEvents: model.processedEvents)
    }
}
