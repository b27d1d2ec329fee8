/// One line from a CTI client, decoded: what the simulator's server side needs.
///
/// The real server closes the connection without a reply on invalid JSON, a blank line, a
/// non-object or a missing `class` (the `DecodeError`s), and also when a known command lacks a
/// field it requires (`.malformed`); it ignores unknown classes (`.unknown`).
public struct ClientMessage: Sendable, Hashable {
    public let classname: String
    /// `commandid`, echoed by the server as `replyid` in the replies that have one.
    public let commandID: Int?
    /// The whole object as received.
    public let fields: JSONObject
    public let kind: Kind

    public enum Kind: Sendable, Hashable {
        /// `version` is `wazoversion` if present, else `xivoversion`, as the server reads it.
        case loginID(userlogin: String, company: String, ident: String, version: String?)
        /// 1.x clients send `hashedpassword`, 2.x clients `password`.
        case loginPass(hashedPassword: String?, password: String?)
        /// `capaid` goes through `int()` on the server: `3` and `"3"` both work.
        case loginCapas(capaID: Int, state: String, lastconnwins: Bool?, loginkind: String)
        /// `getlist` with `function` `listid`, `updateconfig` or `updatestatus`.
        case getList(function: String, listname: String, ipbx: String?, id: String?)
        case getIPBXList
        case subscribeToQueuesStats
        /// Without `on`: no windows (the server then answers nothing useful).
        case getQueuesStats(windows: [QueueStatsWindow])
        /// `subscribe`; `queueID` set for `queueentryupdate` (sent as an integer or a string).
        case subscribe(message: String, queueID: String?)
        case keepalive
        /// The client's answer to the STARTTLS offer.
        case starttls(status: Bool)
        /// `availstate`, which the reference client sends before login (and which the server
        /// then ignores).
        case availstate(String?)
        /// A known class without a field the server requires: the server would drop the
        /// connection (its handler raises on the missing key).
        case malformed(reason: String)
        case unknown
    }

    public init(classname: String, commandID: Int?, fields: JSONObject, kind: Kind) {
        self.classname = classname
        self.commandID = commandID
        self.fields = fields
        self.kind = kind
    }

    // MARK: Decoding

    public static func decode(_ line: UnsafeRawBufferPointer) throws(DecodeError) -> ClientMessage {
        let value: JSONValue
        do {
            value = try JSON.parse(line)
        } catch {
            throw .notJSON(error)
        }
        guard case .object(let object) = value else { throw .notAnObject }
        return try decode(object)
    }

    public static func decode(_ line: [UInt8]) throws(DecodeError) -> ClientMessage {
        let result: Result<ClientMessage, DecodeError> = line.withUnsafeBytes { raw in
            do throws(DecodeError) { return .success(try decode(raw)) } catch { return .failure(error) }
        }
        return try result.get()
    }

    public static func decode(_ line: String) throws(DecodeError) -> ClientMessage {
        try decode(Array(line.utf8))
    }

    public static func decode(_ object: JSONObject) throws(DecodeError) -> ClientMessage {
        guard let classname = object["class"]?.string else { throw .noClass }
        return ClientMessage(classname: classname, commandID: object.int("commandid"), fields: object,
                             kind: classify(classname, object))
    }

    static func classify(_ classname: String, _ m: JSONObject) -> Kind {
        func missing(_ key: String) -> Kind { .malformed(reason: "\(classname) without \(key)") }
        switch classname {
        case "login_id":
            guard let userlogin = m.text("userlogin") else { return missing("userlogin") }
            guard let company = m.text("company") else { return missing("company") }
            guard let ident = m.text("ident") else { return missing("ident") }
            return .loginID(userlogin: userlogin, company: company, ident: ident,
                            version: m.text("wazoversion") ?? m.text("xivoversion"))
        case "login_pass":
            let hashed = m.text("hashedpassword")
            let clear = m.text("password")
            if hashed == nil && clear == nil { return missing("hashedpassword or password") }
            return .loginPass(hashedPassword: hashed, password: clear)
        case "login_capas":
            guard let capa = m["capaid"] else { return missing("capaid") }
            guard let capaID = capa.intLike else { return .malformed(reason: "login_capas with a non-integer capaid") }
            guard let state = m.text("state") else { return missing("state") }
            guard m["lastconnwins"] != nil else { return missing("lastconnwins") }
            guard let loginkind = m.text("loginkind") else { return missing("loginkind") }
            return .loginCapas(capaID: capaID, state: state, lastconnwins: m.flag("lastconnwins"), loginkind: loginkind)
        case "getlist":
            guard let function = m.text("function") else { return missing("function") }
            guard let listname = m.text("listname") else { return missing("listname") }
            if function != "listid" && m["tid"] == nil { return missing("tid") }
            return .getList(function: function, listname: listname, ipbx: m.text("tipbxid"), id: m.id("tid"))
        case "getipbxlist":
            return .getIPBXList
        case "subscribetoqueuesstats":
            return .subscribeToQueuesStats
        case "getqueuesstats":
            var windows: [QueueStatsWindow] = []
            if let on = m.object("on") {
                for (queueID, spec) in on {
                    guard let spec = spec.object,
                          let window = spec["window"]?.intLike, let xqos = spec["xqos"]?.intLike
                    else { return .malformed(reason: "getqueuesstats with a bad window for queue \(queueID)") }
                    windows.append(QueueStatsWindow(queueID: queueID, window: window, xqos: xqos))
                }
            }
            return .getQueuesStats(windows: windows)
        case "subscribe":
            guard let message = m.text("message") else { return missing("message") }
            if message == "queueentryupdate" {
                guard let queue = m["queueid"] else { return missing("queueid") }
                guard queue.intLike != nil, let id = queue.idString else {
                    return .malformed(reason: "subscribe with a non-integer queueid")
                }
                return .subscribe(message: message, queueID: id)
            }
            return .subscribe(message: message, queueID: m.id("queueid"))
        case "keepalive":
            return .keepalive
        case "starttls":
            guard let status = m.flag("status") else { return missing("status") }
            return .starttls(status: status)
        case "availstate":
            return .availstate(m.text("availstate"))
        default:
            return .unknown
        }
    }
}
