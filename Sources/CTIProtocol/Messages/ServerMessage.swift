/// One line from the CTI server, decoded.
///
/// The raw object is always kept: the journal records it as received, replay decodes it again,
/// and fields this type does not model (there are many, and they change between versions) stay
/// available. `kind` is the interpretation the collector acts on. Anything that does not have a
/// recognised shape is `.unknown` rather than an error, because the server adds classes and
/// keys between releases and a statistics recorder must keep going.
public struct ServerMessage: Sendable, Hashable {
    /// `timenow`: the server's clock when it sent the message (epoch seconds). Event times come
    /// from here when the status itself carries no time (see metrics.md).
    public let timenow: Double?
    /// The `class` key. Never `nil` for a message that went through `decode` (a line without
    /// a string `class` is a `DecodeError.noClass`); optional so that callers can build
    /// messages for tests without one.
    public let classname: String?
    /// The whole object as received, in received key order.
    public let raw: JSONObject
    public let kind: Kind

    public enum Kind: Sendable, Hashable {
        /// `login_id` reply: the session id to hash the password with (protocol 1.2), and the
        /// version the server echoes.
        case loginID(sessionID: String, version: String?)
        /// `login_pass` reply: the CTI profile ids (`capalist`); the first is sent back in
        /// `login_capas`.
        case loginPass(capaIDs: [Int], replyID: Int?)
        /// `login_capas` reply: login complete.
        case loginCapas(userID: String?, ipbxID: String?, appliname: String?, replyID: Int?)
        /// A `login_id`, `login_pass` or `login_capas` message with an `error_string`.
        /// `serverVersion` is set when the error is a protocol version mismatch
        /// (`xivoversion_client:<client>;<server>`, or `wazoversion_client:` from 17.16), so
        /// the client can retry with the server's version.
        case loginError(classname: String, errorString: String, serverVersion: String?)
        /// `getlist`/`listid`: the ids of a list.
        case listIDs(list: String, ipbx: String?, ids: [String])
        /// `getlist`/`updateconfig`: one object's configuration (possibly partial, e.g. a
        /// user's `{"enablednd": true}` after a service change).
        case config(list: String, ipbx: String?, id: String, config: JSONObject)
        /// `getlist`/`updatestatus`: one object's status, often partial (only changed keys).
        /// Never filled with defaults: merge it into the known state. For agents, full
        /// statuses come with an integer `tid` and partial ones with a string `tid`, hence
        /// `tidWasInteger`.
        case status(list: String, ipbx: String?, id: String, status: JSONObject, tidWasInteger: Bool)
        /// `getlist`/`addconfig`: objects created.
        case addConfig(list: String, ipbx: String?, ids: [String])
        /// `getlist`/`delconfig`: objects deleted (for channels: hung up).
        case delConfig(list: String, ipbx: String?, ids: [String])
        /// `getqueuesstats`: pushed (no `replyid`) or windowed on request (with `replyid`).
        case queueStats(replyID: Int?, stats: [QueueStatistics])
        /// `queueentryupdate`: the whole waiting list of one queue.
        case queueEntries(queueID: String?, queueName: String?, entries: [QueueEntry])
        /// `keepalive` reply.
        case keepalive(replyID: Int?)
        /// `getipbxlist` reply.
        case ipbxList([String])
        /// `sheet`: customer information on an incoming call.
        case sheet(channel: String?, payload: SheetPayload)
        case starttls(StartTLSSignal)
        /// A class we do not model, or a known class whose shape was not recognised.
        case unknown
    }

    public init(timenow: Double?, classname: String?, raw: JSONObject, kind: Kind) {
        self.timenow = timenow
        self.classname = classname
        self.raw = raw
        self.kind = kind
    }

    // MARK: Decoding

    /// Decodes one line (without its newline) straight from the receive buffer.
    public static func decode(_ line: UnsafeRawBufferPointer) throws(DecodeError) -> ServerMessage {
        let value: JSONValue
        do {
            value = try JSON.parse(line)
        } catch {
            throw .notJSON(error)
        }
        return try decode(value)
    }

    public static func decode(_ line: [UInt8]) throws(DecodeError) -> ServerMessage {
        let result: Result<ServerMessage, DecodeError> = line.withUnsafeBytes { raw in
            do throws(DecodeError) { return .success(try decode(raw)) } catch { return .failure(error) }
        }
        return try result.get()
    }

    public static func decode(_ line: ArraySlice<UInt8>) throws(DecodeError) -> ServerMessage {
        let result: Result<ServerMessage, DecodeError> = line.withUnsafeBytes { raw in
            do throws(DecodeError) { return .success(try decode(raw)) } catch { return .failure(error) }
        }
        return try result.get()
    }

    public static func decode(_ line: String) throws(DecodeError) -> ServerMessage {
        try decode(Array(line.utf8))
    }

    /// Interprets an already-parsed value (e.g. a journal row parsed elsewhere).
    public static func decode(_ value: JSONValue) throws(DecodeError) -> ServerMessage {
        guard case .object(let object) = value else { throw .notAnObject }
        return try decode(object)
    }

    public static func decode(_ object: JSONObject) throws(DecodeError) -> ServerMessage {
        guard let classname = object["class"]?.string else { throw .noClass }
        return ServerMessage(
            timenow: object.double("timenow"),
            classname: classname,
            raw: object,
            kind: classify(classname, object))
    }

    static func classify(_ classname: String, _ m: JSONObject) -> Kind {
        switch classname {
        case "login_id", "login_pass", "login_capas":
            if let error = m["error_string"] {
                let text = error.textLike ?? error.description
                return .loginError(classname: classname, errorString: text,
                                   serverVersion: serverVersion(fromError: text))
            }
            switch classname {
            case "login_id":
                guard let session = m.text("sessionid") else { return .unknown }
                return .loginID(sessionID: session,
                                version: m.text("wazoversion") ?? m.text("xivoversion"))
            case "login_pass":
                guard case .array(let list)? = m["capalist"] else { return .unknown }
                return .loginPass(capaIDs: list.compactMap(\.intLike), replyID: m.int("replyid"))
            default:
                return .loginCapas(userID: m.id("userid"), ipbxID: m.text("ipbxid"),
                                   appliname: m.text("appliname"), replyID: m.int("replyid"))
            }
        case "getlist":
            return classifyGetList(m)
        case "getqueuesstats":
            guard let stats = m.object("stats") else { return .unknown }
            var queues: [QueueStatistics] = []
            queues.reserveCapacity(stats.count)
            for (queueID, perQueue) in stats {
                guard let values = perQueue.object else { return .unknown }
                queues.append(QueueStatistics(
                    queueID: queueID,
                    values: values.map { QueueStatistics.Stat(key: $0.key, value: QueueStatValue($0.value)) }))
            }
            return .queueStats(replyID: m.int("replyid"), stats: queues)
        case "queueentryupdate":
            guard let state = m.object("state"), case .array(let list)? = state["entries"] else { return .unknown }
            var entries: [QueueEntry] = []
            entries.reserveCapacity(list.count)
            for element in list {
                guard let entry = element.object else { return .unknown }
                entries.append(QueueEntry(from: entry))
            }
            return .queueEntries(queueID: state.id("queue_id"), queueName: state.text("queue_name"), entries: entries)
        case "keepalive":
            return .keepalive(replyID: m.int("replyid"))
        case "getipbxlist":
            guard let list = m.ids("ipbxlist") else { return .unknown }
            return .ipbxList(list)
        case "sheet":
            guard let payload = m.string("payload") else { return .unknown }
            return .sheet(channel: m.text("channel"),
                          payload: SheetPayload(base64: payload, compressed: m.flag("compressed") ?? false,
                                                serial: m.text("serial")))
        case "starttls":
            if let answer = m["starttls"] {
                guard let accepted = answer.boolLike else { return .unknown }
                return .starttls(.answered(accepted))
            }
            return .starttls(.offered)
        default:
            return .unknown
        }
    }

    static func classifyGetList(_ m: JSONObject) -> Kind {
        guard let function = m.string("function"), let list = m.text("listname") else { return .unknown }
        let ipbx = m.text("tipbxid")
        switch function {
        case "listid":
            guard let ids = m.ids("list") else { return .unknown }
            return .listIDs(list: list, ipbx: ipbx, ids: ids)
        case "addconfig":
            guard let ids = m.ids("list") else { return .unknown }
            return .addConfig(list: list, ipbx: ipbx, ids: ids)
        case "delconfig":
            guard let ids = m.ids("list") else { return .unknown }
            return .delConfig(list: list, ipbx: ipbx, ids: ids)
        case "updateconfig":
            guard let id = m.id("tid"), let config = m.object("config") else { return .unknown }
            return .config(list: list, ipbx: ipbx, id: id, config: config)
        case "updatestatus":
            guard let tid = m["tid"], let id = tid.idString, let status = m.object("status") else { return .unknown }
            var wasInteger = false
            if case .int = tid { wasInteger = true }
            return .status(list: list, ipbx: ipbx, id: id, status: status, tidWasInteger: wasInteger)
        default:
            return .unknown
        }
    }

    /// `xivoversion_client:2.0;1.2` -> `1.2` (also `wazoversion_client:`).
    static func serverVersion(fromError text: String) -> String? {
        for prefix in ["xivoversion_client:", "wazoversion_client:"] where text.hasPrefix(prefix) {
            guard let semicolon = text.firstIndex(of: ";") else { return nil }
            let version = text[text.index(after: semicolon)...]
            return version.isEmpty ? nil : String(version)
        }
        return nil
    }
}
