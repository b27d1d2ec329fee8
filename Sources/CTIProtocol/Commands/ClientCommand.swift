/// A windowed statistics request for one queue (`getqueuesstats` with `on`).
public struct QueueStatsWindow: Sendable, Hashable {
    /// Queue id (the list id, not the name).
    public let queueID: String
    /// Seconds of history the counts cover.
    public let window: Int
    /// Seconds within which an answer counts for `Xivo-Qos`.
    public let xqos: Int

    public init(queueID: String, window: Int, xqos: Int) {
        self.queueID = queueID
        self.window = window
        self.xqos = xqos
    }
}

/// A command the collector sends to the server.
///
/// Shapes follow what the reference client sends (protocol-notes.md): the server looks keys up
/// by name, so key order does not matter, but `class` comes first for readable logs.
public enum ClientCommand: Sendable, Hashable {
    /// `login_id`. The version key depends on the version (see `CTIProtocolVersion`).
    case loginID(commandID: Int, userlogin: String, ident: String, company: String = "default",
                 version: CTIProtocolVersion)
    /// `login_pass`: `hashedpassword` for 1.x (needs the session id from the `login_id`
    /// reply), `password` in clear for 2.x.
    case loginPass(commandID: Int, password: String, sessionID: String, version: CTIProtocolVersion)
    /// `login_capas`: all four of `capaid`, `state`, `lastconnwins`, `loginkind` are required
    /// by the server.
    case loginCapas(commandID: Int, capaID: Int, state: String = "available", lastconnwins: Bool = false,
                    loginkind: String = "user")
    /// `getlist`/`listid`: ids of a list (`users`, `phones`, `agents`, `queues`, ...).
    case listID(commandID: Int, listname: String, ipbx: String = "xivo")
    /// `getlist`/`updateconfig`: one object's configuration.
    case updateConfig(commandID: Int, listname: String, ipbx: String = "xivo", id: String)
    /// `getlist`/`updatestatus`: one object's status.
    case updateStatus(commandID: Int, listname: String, ipbx: String = "xivo", id: String)
    case getIPBXList(commandID: Int)
    /// Start the pushed `getqueuesstats` stream (no direct reply).
    case subscribeToQueuesStats(commandID: Int)
    /// Windowed statistics for the given queues (reply carries `replyid`).
    case getQueuesStats(commandID: Int, windows: [QueueStatsWindow])
    /// `subscribe` to `queueentryupdate` for one queue. The server runs `int()` on the id, and
    /// the reference client sends an integer, so a numeric id is sent as a number.
    case subscribeQueueEntryUpdate(commandID: Int, queueID: String)
    case keepalive(commandID: Int)
    /// The answer to the server's `{"class":"starttls"}` offer.
    case startTLS(accept: Bool = true)
    /// Anything else, sent as given.
    case custom(JSONObject)

    /// The command as a JSON object.
    public var object: JSONObject {
        switch self {
        case let .loginID(commandID, userlogin, ident, company, version):
            var o: JSONObject = ["class": "login_id", "commandid": .int(Int64(commandID)),
                                 "company": .string(company), "ident": .string(ident),
                                 "userlogin": .string(userlogin)]
            if version.sendsWazoVersionKey { o["wazoversion"] = .string(version.rawValue) }
            o["xivoversion"] = .string(version.rawValue)
            return o
        case let .loginPass(commandID, password, sessionID, version):
            var o: JSONObject = ["class": "login_pass", "commandid": .int(Int64(commandID))]
            if version.usesHashedPassword {
                o["hashedpassword"] = .string(LoginHash.hashedPassword(sessionID: sessionID, password: password))
            } else {
                o["password"] = .string(password)
            }
            return o
        case let .loginCapas(commandID, capaID, state, lastconnwins, loginkind):
            return ["class": "login_capas", "commandid": .int(Int64(commandID)), "capaid": .int(Int64(capaID)),
                    "state": .string(state), "lastconnwins": .bool(lastconnwins), "loginkind": .string(loginkind)]
        case let .listID(commandID, listname, ipbx):
            return ["class": "getlist", "commandid": .int(Int64(commandID)), "function": "listid",
                    "listname": .string(listname), "tipbxid": .string(ipbx)]
        case let .updateConfig(commandID, listname, ipbx, id):
            return ["class": "getlist", "commandid": .int(Int64(commandID)), "function": "updateconfig",
                    "listname": .string(listname), "tipbxid": .string(ipbx), "tid": .string(id)]
        case let .updateStatus(commandID, listname, ipbx, id):
            return ["class": "getlist", "commandid": .int(Int64(commandID)), "function": "updatestatus",
                    "listname": .string(listname), "tipbxid": .string(ipbx), "tid": .string(id)]
        case let .getIPBXList(commandID):
            return ["class": "getipbxlist", "commandid": .int(Int64(commandID))]
        case let .subscribeToQueuesStats(commandID):
            return ["class": "subscribetoqueuesstats", "commandid": .int(Int64(commandID))]
        case let .getQueuesStats(commandID, windows):
            var on = JSONObject()
            for w in windows {
                // Strings, as the reference client sends them.
                on[w.queueID] = ["window": .string(String(w.window)), "xqos": .string(String(w.xqos))]
            }
            return ["class": "getqueuesstats", "commandid": .int(Int64(commandID)), "on": .object(on)]
        case let .subscribeQueueEntryUpdate(commandID, queueID):
            let id: JSONValue = Int64(queueID).map { .int($0) } ?? .string(queueID)
            return ["class": "subscribe", "commandid": .int(Int64(commandID)),
                    "message": "queueentryupdate", "queueid": id]
        case let .keepalive(commandID):
            return ["class": "keepalive", "commandid": .int(Int64(commandID))]
        case let .startTLS(accept):
            return ["class": "starttls", "status": .bool(accept)]
        case let .custom(object):
            return object
        }
    }

    /// One line ready for the socket: compact ASCII JSON followed by `\n`.
    public func encode() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(160)
        JSON.serialize(.object(object), into: &out)
        out.append(0x0A)
        return out
    }
}
