import CTIProtocol

/// What one session needs to know to drive the protocol.
struct SessionSettings: Sendable {
    var user: String
    var password: Password
    var version: CTIProtocolVersion
    var tls: TLSMode
    var ident: String
    var company: String
    var lists: [String]
    var statsWindowSeconds: Int
    var statsQoSSeconds: Int
    var keepaliveInterval: Double
    var idleTimeout: Double
    var statsPollInterval: Double
    var startTLSOfferWait: Double

    init(configuration: CollectorConfiguration, version: CTIProtocolVersion) {
        user = configuration.user
        password = configuration.password
        self.version = version
        tls = configuration.tls
        ident = configuration.ident
        company = configuration.company
        lists = configuration.lists
        statsWindowSeconds = configuration.statsWindowSeconds
        statsQoSSeconds = configuration.statsQoSSeconds
        keepaliveInterval = configuration.timing.keepaliveInterval
        idleTimeout = configuration.timing.idleTimeout
        statsPollInterval = configuration.timing.statsPollInterval
        startTLSOfferWait = configuration.timing.startTLSOfferWait
    }
}

/// The protocol logic of one collection session, with no I/O: it is fed the decoded lines it
/// asks for and the timer ticks, with the local time, and answers with what to do.
///
/// Login: (STARTTLS) -> `login_id` -> `login_pass` -> `login_capas`. Then the bootstrap is sent
/// as its inputs become known, never waiting for replies in lock-step (`getlist` replies carry
/// no `replyid`): `getipbxlist`, `listid` of every list and `subscribetoqueuesstats` at once;
/// each `listid` reply (or `addconfig` push) brings that list's `updateconfig`/`updatestatus`
/// requests, and for queues the `queueentryupdate` subscriptions and the first windowed poll.
struct SessionMachine {
    enum Phase: Equatable {
        /// `--tls auto|require`: waiting for the offer a 15.20+ server sends on connect.
        case awaitingOffer(deadline: Double)
        case awaitingTLSEcho
        case awaitingLoginID
        case awaitingLoginPass
        case awaitingLoginCapas
        case loggedIn
        case ended
    }

    enum Ending: Equatable {
        case idleTimeout
        case loginRefused(String)
        /// The server named its version in a mismatch error.
        case versionMismatch(serverVersion: String)
        case tlsNotOffered
        case tlsRefused
    }

    enum Action: Equatable {
        case send([ClientCommand])
        /// Insert TLS in the pipeline now, before anything else is sent.
        case startTLS
        case loggedIn(protocolVersion: CTIProtocolVersion, tls: Bool)
        case end(Ending)
    }

    let settings: SessionSettings
    private(set) var phase: Phase = .awaitingLoginID
    private(set) var tlsActive = false
    private var nextCommandID = 1
    /// When the latest keepalive was due (local clock; the login counts as one).
    private var lastKeepalive: Double = 0
    /// When we last wrote commands (local clock), the latest few: what the server owes an answer.
    private var recentSends: [Double] = []
    private var lastPoll: Double?
    /// The PBX the user logged in to (`login_capas` reply), used in `getlist` requests.
    private var ipbx = "xivo"
    /// Known queue ids in the order they became known: what the polls ask for.
    private(set) var queues: [String] = []
    private var queueSet: Set<String> = []

    init(settings: SessionSettings) {
        self.settings = settings
    }

    /// Whether the read loop must decode every line for us (during the login), or only the
    /// lines that can carry ids (`listid`, `addconfig`, `delconfig`).
    var needsEveryLine: Bool { phase != .loggedIn }

    /// Whether `receive` can act on `message`: every message before the login, only the lists
    /// of ids after it (the rest is only recorded).
    func acts(on message: ServerMessage) -> Bool {
        if needsEveryLine { return true }
        switch message.kind {
        case .listIDs, .addConfig, .delConfig: return true
        default: return false
        }
    }

    var isLoggedIn: Bool { phase == .loggedIn }

    mutating func start(now: Double) -> [Action] {
        noteSends(starting(now: now), at: now)
    }

    mutating func receive(_ message: ServerMessage, now: Double) -> [Action] {
        noteSends(received(message, now: now), at: now)
    }

    /// Remembers when commands went out, for the idle rule.
    private mutating func noteSends(_ actions: [Action], at now: Double) -> [Action] {
        if actions.contains(where: { if case .send = $0 { return true } else { return false } }) {
            recentSends.append(now)
            if recentSends.count > 8 { recentSends.removeFirst() }
        }
        return actions
    }

    private mutating func starting(now: Double) -> [Action] {
        switch settings.tls {
        case .off:
            phase = .awaitingLoginID
            return [.send([loginID()])]
        case .direct:
            // TLS is in the pipeline from the connect: `login_id` waits for the handshake there.
            tlsActive = true
            phase = .awaitingLoginID
            return [.send([loginID()])]
        case .auto, .require:
            break
        }
        phase = .awaitingOffer(deadline: now + settings.startTLSOfferWait)
        return []
    }

    private mutating func received(_ message: ServerMessage, now: Double) -> [Action] {
        switch phase {
        case .ended:
            return []

        case .awaitingOffer:
            if case .starttls(.offered) = message.kind {
                phase = .awaitingTLSEcho
                return [.send([.startTLS(accept: true)])]
            }
            // A server that speaks first without offering TLS: it will not offer it.
            return proceedWithoutTLS(offered: false)

        case .awaitingTLSEcho:
            guard case .starttls(.answered(let accepted)) = message.kind else { return [] }
            if accepted {
                tlsActive = true
                phase = .awaitingLoginID
                return [.startTLS, .send([loginID()])]
            }
            return proceedWithoutTLS(offered: true)

        case .awaitingLoginID:
            switch message.kind {
            case .loginID(let sessionID, _):
                phase = .awaitingLoginPass
                let command = ClientCommand.loginPass(
                    commandID: takeCommandID(), password: settings.password.revealed,
                    sessionID: sessionID, version: settings.version)
                return [.send([command])]
            case let .loginError(_, errorString, serverVersion):
                return refused(errorString, serverVersion: serverVersion)
            default:
                return []
            }

        case .awaitingLoginPass:
            switch message.kind {
            case .loginPass(let capaIDs, _):
                guard let capaID = capaIDs.first else {
                    return end(.loginRefused("no CTI profile offered (empty capalist)"))
                }
                phase = .awaitingLoginCapas
                return [.send([.loginCapas(commandID: takeCommandID(), capaID: capaID)])]
            case let .loginError(_, errorString, serverVersion):
                return refused(errorString, serverVersion: serverVersion)
            default:
                return []
            }

        case .awaitingLoginCapas:
            switch message.kind {
            case .loginCapas(_, let ipbxID, _, _):
                if let ipbxID, !ipbxID.isEmpty { ipbx = ipbxID }
                phase = .loggedIn
                lastKeepalive = now
                return [.loggedIn(protocolVersion: settings.version, tls: tlsActive), .send(bootstrap())]
            case let .loginError(_, errorString, serverVersion):
                return refused(errorString, serverVersion: serverVersion)
            default:
                return []
            }

        case .loggedIn:
            switch message.kind {
            case let .listIDs(list, listIPBX, ids), let .addConfig(list, listIPBX, ids):
                return objectsKnown(list: list, ipbx: listIPBX, ids: ids, now: now)
            case let .delConfig(list, _, ids) where list == "queues":
                for id in ids where queueSet.remove(id) != nil {
                    queues.removeAll { $0 == id }
                }
                return []
            default:
                return []
            }
        }
    }

    /// A timer tick, processed at `now`.
    ///
    /// Idle: no line for `idleTimeout` (two keepalive intervals) as seen where lines arrive,
    /// and something we sent after the last line (a keepalive, a login step, a request) left
    /// unanswered for a whole interval: a read loop that fell behind, and so sent nothing,
    /// does not blame the server for a silence it was never asked to break.
    mutating func tick(_ tick: SessionTick, now: Double) -> [Action] {
        if phase == .ended { return [] }
        if tick.firedAt - tick.serverQuietSince >= settings.idleTimeout {
            let unanswered = recentSends.contains {
                $0 >= tick.serverQuietSince && tick.firedAt - $0 >= settings.keepaliveInterval
            }
            if unanswered {
                return end(.idleTimeout)
            }
        }
        return noteSends(scheduled(tick, now: now), at: now)
    }

    private mutating func scheduled(_ tick: SessionTick, now: Double) -> [Action] {
        switch phase {
        // The tick's own time: an offer that arrived before it is ahead of it in the stream,
        // however late the read loop gets to both.
        case .awaitingOffer(let deadline) where tick.firedAt >= deadline:
            return proceedWithoutTLS(offered: false)
        case .loggedIn:
            var commands: [ClientCommand] = []
            if now - lastKeepalive >= settings.keepaliveInterval {
                lastKeepalive = now
                commands.append(.keepalive(commandID: takeCommandID()))
            }
            if let lastPoll, !queues.isEmpty, now - lastPoll >= settings.statsPollInterval {
                commands.append(poll(now: now))
            }
            return commands.isEmpty ? [] : [.send(commands)]
        default:
            return []
        }
    }

    // MARK: Steps

    private mutating func proceedWithoutTLS(offered: Bool) -> [Action] {
        if settings.tls == .require {
            return end(offered ? .tlsRefused : .tlsNotOffered)
        }
        phase = .awaitingLoginID
        return [.send([loginID()])]
    }

    private mutating func refused(_ errorString: String, serverVersion: String?) -> [Action] {
        if let serverVersion, serverVersion != settings.version.rawValue {
            return end(.versionMismatch(serverVersion: serverVersion))
        }
        return end(.loginRefused(errorString))
    }

    private mutating func end(_ ending: Ending) -> [Action] {
        phase = .ended
        return [.end(ending)]
    }

    private mutating func loginID() -> ClientCommand {
        .loginID(commandID: takeCommandID(), userlogin: settings.user, ident: settings.ident,
                 company: settings.company, version: settings.version)
    }

    private mutating func bootstrap() -> [ClientCommand] {
        var commands: [ClientCommand] = [.getIPBXList(commandID: takeCommandID())]
        for list in settings.lists {
            commands.append(.listID(commandID: takeCommandID(), listname: list, ipbx: ipbx))
        }
        commands.append(.subscribeToQueuesStats(commandID: takeCommandID()))
        return commands
    }

    /// Ids of a list became known (a `listid` reply or an `addconfig` push): ask for each
    /// object's configuration and status; for new queues, subscribe to their waiting lists and
    /// poll their windowed statistics now.
    private mutating func objectsKnown(list: String, ipbx listIPBX: String?, ids: [String], now: Double) -> [Action] {
        guard settings.lists.contains(list), !ids.isEmpty else { return [] }
        let target = listIPBX.flatMap { $0.isEmpty ? nil : $0 } ?? ipbx
        var commands: [ClientCommand] = []
        commands.reserveCapacity(ids.count * 2 + 1)
        for id in ids {
            commands.append(.updateConfig(commandID: takeCommandID(), listname: list, ipbx: target, id: id))
            commands.append(.updateStatus(commandID: takeCommandID(), listname: list, ipbx: target, id: id))
        }
        if list == "queues" {
            var added = false
            for id in ids where queueSet.insert(id).inserted {
                queues.append(id)
                commands.append(.subscribeQueueEntryUpdate(commandID: takeCommandID(), queueID: id))
                added = true
            }
            if added { commands.append(poll(now: now)) }
        }
        return [.send(commands)]
    }

    private mutating func poll(now: Double) -> ClientCommand {
        lastPoll = now
        let windows = queues.map {
            QueueStatsWindow(queueID: $0, window: settings.statsWindowSeconds, xqos: settings.statsQoSSeconds)
        }
        return .getQueuesStats(commandID: takeCommandID(), windows: windows)
    }

    private mutating func takeCommandID() -> Int {
        defer { nextCommandID += 1 }
        return nextCommandID
    }
}
