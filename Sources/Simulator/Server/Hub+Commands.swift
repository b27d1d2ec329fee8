import CTIProtocol
import NIOSSL

// What the server does with each client line: xivo_cti's interface_cti (login, the
// before-login filter), cti_command (login_pass/login_capas in 1.2, REGCOMMANDS), the
// CTICommandHandler commands (getlist, subscribe, subscribetoqueuesstats) and innerdata's
// getlist handlers.

extension Hub {
    /// Classes accepted before login (interface_cti `no_auth_commands`); anything else is
    /// ignored until `login_pass` succeeds.
    private static let beforeLogin: Set<String> = ["login_id", "login_pass", "login_capas", "starttls"]
    /// cti_command REGCOMMANDS: answered with `notloggedyet` (and a close) before `login_capas`.
    private static let regCommands: Set<String> = [
        "getipbxlist", "keepalive", "faxsend", "filetransfer", "chitchat", "getqueuesstats", "ipbxcommand",
    ]

    func handleLine(_ line: [UInt8], from c: ClientConnection) {
        // Invalid JSON, a blank line, a non-object or no class: the real server's decoder raises
        // and the connection is dropped without a word.
        guard case .object(let msg)? = try? JSON.parse(line), let classValue = msg["class"] else {
            logger.info("closing connection on bad input", metadata: ["conn": "\(c.id)"])
            close(c)
            return
        }
        let klass = classValue.string ?? ""
        syncModel()
        guard !c.closing else { return }
        switch c.phase {
        case .connected, .identified:
            guard Self.beforeLogin.contains(klass) else { return }
        case .authenticated, .loggedIn:
            break
        }
        switch klass {
        case "login_id": loginID(msg, c)
        case "login_pass": loginPass(msg, c)
        case "login_capas": loginCapas(msg, c)
        case "starttls": startTLS(msg, c)
        case "getlist": getlist(msg, c)
        case "subscribetoqueuesstats": subscribeToQueuesStats(c)
        case "subscribe": subscribe(msg, c)
        case "availstate": availstate(msg, c)
        default:
            if Self.regCommands.contains(klass) { regCommand(klass, msg, c) }
            // Unknown classes are ignored.
        }
    }

    // MARK: Login

    /// Python truthiness of `commandid`: the server only adds `replyid` for a true value.
    private func replyID(_ msg: JSONObject) -> JSONValue? {
        guard let id = msg["commandid"] else { return nil }
        switch id {
        case .null: return nil
        case .bool(let b): return b ? id : nil
        case .int(let i): return i != 0 ? id : nil
        case .double(let d): return d != 0 ? id : nil
        case .string(let s): return s.isEmpty ? nil : id
        case .array(let a): return a.isEmpty ? nil : id
        case .object(let o): return o.isEmpty ? nil : id
        }
    }

    /// A reply in cti_command's shape: class, then replyid when the command had a true one.
    private func base(_ klass: String, _ msg: JSONObject) -> JSONObject {
        var o: JSONObject = ["class": .string(klass)]
        if let r = replyID(msg) { o["replyid"] = r }
        return o
    }

    /// `'%s' % value` in Python, for the version in the mismatch error.
    private func pythonText(_ v: JSONValue?) -> String {
        switch v {
        case nil, .null?: return "None"
        case .string(let s)?: return s
        case .bool(let b)?: return b ? "True" : "False"
        case .int(let i)?: return String(i)
        case .double(let d)?: return String(d)
        case let other?: return other.description
        }
    }

    private func loginID(_ msg: JSONObject, _ c: ClientConnection) {
        guard case .connected = c.phase else { return }  // the callback is deregistered after one
        // Logged with whether it came over TLS: tests check that nothing is sent in clear.
        logger.info("login_id received", metadata: ["conn": "\(c.id)", "tls": "\(c.tlsActive)"])
        // `company`, `ident` and `userlogin` are required: without them the command is not built.
        guard msg["company"] != nil, msg["ident"] != nil, let loginValue = msg["userlogin"] else { return }
        let server = configuration.protocolVersion.rawValue
        let version = msg["wazoversion"].flatMap { $0.isNull ? nil : $0 } ?? msg["xivoversion"]
        guard version?.string == server else {
            let prefix = configuration.protocolVersion.isLegacy ? "xivoversion_client" : "wazoversion_client"
            replyAndClose(c, ["class": "login_id", "error_string": .string("\(prefix):\(pythonText(version));\(server)")])
            return
        }
        let login = loginValue.string ?? ""
        let user = model.ctiUser(login: login)
        if configuration.protocolVersion.isLegacy && user == nil {
            // 1.2 looks the user up at login_id; 2.x only learns at login_pass (from xivo-auth).
            replyAndClose(c, ["class": "login_id", "error_string": "login_password"])
            return
        }
        let sessionID = newSessionID()
        c.phase = .identified(sessionID: sessionID, login: login, userId: user?.id)
        reply(c, ["class": "login_id", "sessionid": .string(sessionID), "xivoversion": .string(server)])
    }

    /// `''.join(random.sample(ALPHANUMS, 10))`: ten distinct alphanumerics.
    private func newSessionID() -> String {
        var pool = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        var out = ""
        for _ in 0..<10 {
            let i = sessionRNG.below(pool.count)
            out.append(pool.remove(at: i))
        }
        return out
    }

    private func loginPass(_ msg: JSONObject, _ c: ClientConnection) {
        guard case .identified(let sessionID, let login, let userId) = c.phase else { return }
        let user = userId.map { model.directory.user($0) }
        if configuration.protocolVersion.isLegacy {
            guard let given = msg["hashedpassword"] else {
                var o = base("login_pass", msg)
                o["error_string"] = "missing:hashedpassword"
                replyAndClose(c, o)
                return
            }
            guard let user, let password = user.passwordClient,
                  given.string == LoginHash.hashedPassword(sessionID: sessionID, password: password)
            else {
                var o = base("login_pass", msg)
                o["error_string"] = "login_password"
                replyAndClose(c, o)
                return
            }
            c.phase = .authenticated(userId: user.id)
            var o = base("login_pass", msg)
            o["capalist"] = [.int(Int64(user.ctiProfileId ?? Directory.supervisorProfile))]
            reply(c, o)
        } else {
            // 2.x: the clear password goes to xivo-auth; the reply carries no replyid.
            guard let given = msg["password"] else { return }
            guard let user, user.loginClient == login, let password = user.passwordClient, given.string == password else {
                replyAndClose(c, ["class": "login_pass", "error_string": "login_password"])
                return
            }
            c.phase = .authenticated(userId: user.id)
            reply(c, ["class": "login_pass", "capalist": [.int(Int64(user.ctiProfileId ?? Directory.supervisorProfile))]])
        }
    }

    /// `int(capaid)` in Python: integers, integral text, and floats truncated.
    private func pythonInt(_ v: JSONValue) -> Int? {
        switch v {
        case .int(let i): return Int(exactly: i)
        case .double(let d): return d.isFinite && abs(d) < 1e15 ? Int(d) : nil
        case .bool(let b): return b ? 1 : 0
        case .string(let s):
            let t = s.trimmingWhitespace()
            return Int(t.hasPrefix("+") ? String(t.dropFirst()) : t)
        default: return nil
        }
    }

    private func loginCapas(_ msg: JSONObject, _ c: ClientConnection) {
        guard case .authenticated(let userId) = c.phase else { return }
        let missing = ["state", "capaid", "lastconnwins", "loginkind"].filter { msg[$0] == nil }
        guard missing.isEmpty else {
            var o = base("login_capas", msg)
            o["error_string"] = .string("missing:" + missing.joined(separator: ","))
            replyAndClose(c, o)
            return
        }
        guard let capaValue = msg["capaid"], let capaid = pythonInt(capaValue) else { return }
        let user = model.directory.user(userId)
        guard Directory.profiles[capaid] != nil else {
            var o = base("login_capas", msg)
            o["error_string"] = "unknown cti_profile_id"
            replyAndClose(c, o)
            return
        }
        guard capaid == user.ctiProfileId else {
            var o = base("login_capas", msg)
            o["error_string"] = "wrong cti_profile_id"
            replyAndClose(c, o)
            return
        }
        c.phase = .loggedIn(userId: userId)
        c.loginTimeout?.cancel()
        c.loginTimeout = nil
        var o = base("login_capas", msg)
        for (k, v) in LoginCapas.reply(userId: userId, profile: capaid) { o[k] = v }
        reply(c, o)
        model.userLoggedIn(userId, state: msg["state"]?.string ?? "available")
        logger.info("client logged in", metadata: ["conn": "\(c.id)", "user": "\(user.loginClient ?? "?")"])
        scheduleClockStart()
        resumeForNewReader()
    }

    /// The real server echoes the client's `status` and, for `true`, wraps the socket right
    /// after that reply (`upgrade_ssl` on its task queue). Without a certificate the simulator
    /// answers `false` instead, and the client stays in clear text.
    private func startTLS(_ msg: JSONObject, _ c: ClientConnection) {
        guard c.startTLSPending else { return }
        c.startTLSPending = false
        let asked = msg["status"]?.bool == true
        guard asked, let tlsContext else {
            reply(c, ["class": "starttls", "starttls": false])
            return
        }
        reply(c, ["class": "starttls", "starttls": true])
        // The echo goes out in clear: written now, it is past the pipeline before the TLS
        // handler is put in front of it (everything here runs on the channel's event loop).
        flush(c)
        guard c.framer.pendingByteCount == 0 else {
            // Clear text after its own `status: true`: what follows cannot be a handshake.
            logger.info("clear text after STARTTLS, closing", metadata: ["conn": "\(c.id)"])
            close(c)
            return
        }
        do {
            try c.channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tlsContext), position: .first)
            c.tlsActive = true
            logger.info("STARTTLS: TLS handshake started", metadata: ["conn": "\(c.id)"])
        } catch {
            logger.warning("STARTTLS failed", metadata: ["conn": "\(c.id)", "reason": "\(error)"])
            close(c)
        }
    }

    // MARK: After login

    private func regCommand(_ klass: String, _ msg: JSONObject, _ c: ClientConnection) {
        guard c.isLoggedIn else {
            var o = base(klass, msg)
            o["error_string"] = "notloggedyet"
            replyAndClose(c, o)
            return
        }
        var o = base(klass, msg)
        switch klass {
        case "getipbxlist":
            o["ipbxlist"] = ["xivo"]
        case "getqueuesstats":
            guard let on = msg["on"] else {
                o["warning_string"] = "return_is_none"
                break
            }
            // `for queue_id, params in on.iteritems()` with int(params['xqos']) etc.: anything
            // malformed raises and the command is dropped.
            guard case .object(let requested) = on else { return }
            var stats = JSONObject()
            for (queueKey, params) in requested {
                guard let xqos = params["xqos"].flatMap(pythonInt), let window = params["window"].flatMap(pythonInt) else { return }
                stats[queueKey] = .object(model.windowedStatistics(
                    queue: Int(queueKey) ?? 0, window: Int64(window), xqos: Int64(xqos), conn: c.id))
            }
            // Even an empty `on` gets `{"stats":{}}`: the encoder's dict is never empty.
            o["stats"] = .object(stats)
        case "keepalive", "filetransfer":
            // No regcommand_keepalive in the server: the generic answer.
            o["warning_string"] = "unimplemented"
        default:
            o["warning_string"] = "return_is_none"
        }
        reply(c, o)
    }

    private func getlist(_ msg: JSONObject, _ c: ClientConnection) {
        guard let function = msg["function"]?.string, let listname = msg["listname"]?.string else { return }
        let tid = msg["tid"] ?? .null
        switch function {
        case "listid":
            guard let ids = model.listIds(listname), listname != "channels" else { return }
            var o = Wire.getlist(listname, "listid")
            o["list"] = .array(ids.map { .string($0) })
            reply(c, o)
        case "updateconfig":
            guard let config = model.config(listname, tid: tid) else { return }
            reply(c, Wire.updateConfig(listname, tid: tid, config: config))
        case "updatestatus":
            guard let status = model.status(listname, tid: tid) else { return }
            reply(c, Wire.updateStatus(listname, tid: tid, status: status))
        default:
            return
        }
    }

    private func subscribeToQueuesStats(_ c: ClientConnection) {
        c.subscribedToStats = true
        for o in model.firstStatistics(conn: c.id) { reply(c, o) }
        // The QueueSummary answers arrive later and go to every subscriber.
        model.summariesAfterSubscribe(conn: c.id)
    }

    private func subscribe(_ msg: JSONObject, _ c: ClientConnection) {
        guard msg["message"]?.string == "queueentryupdate", let q = msg["queueid"].flatMap(pythonInt) else { return }
        c.entrySubscriptions.insert(q)
        if let snapshot = model.entriesSnapshot(queue: q) { reply(c, snapshot) }
    }

    private func availstate(_ msg: JSONObject, _ c: ClientConnection) {
        guard let user = c.userId, let state = msg["availstate"]?.string else { return }
        model.setPresence(user, state: state)
    }
}

extension String {
    func trimmingWhitespace() -> String {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s.removeFirst() }
        while let l = s.last, l.isWhitespace { s.removeLast() }
        return String(s)
    }
}
