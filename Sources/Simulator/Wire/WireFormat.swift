import CTIProtocol

// The shapes of the server's messages, as `xivo_cti` builds them (CTIMessageFormatter,
// cti_anylist, innerdata, the statistics and queue-entry encoders). Kept apart from the model
// so the model decides *what* happens and this file alone decides *how it looks on the wire*.
// `timenow` is added by the server when it encodes a message, not here.

enum Wire {
    static let ipbxid: JSONValue = "xivo"

    static func time(_ t: Micros) -> JSONValue { .double(SimTime.seconds(t)) }

    static func strings(_ ids: [Int]) -> JSONValue { .array(ids.map { .string(String($0)) }) }

    static func getlist(_ listname: String, _ function: String) -> JSONObject {
        ["class": "getlist", "listname": .string(listname), "function": .string(function), "tipbxid": ipbxid]
    }

    /// `updatestatus` push or reply. `tid` is an integer for full agent statuses and a string
    /// everywhere else, as in the real server.
    static func updateStatus(_ listname: String, tid: JSONValue, status: JSONValue) -> JSONObject {
        var o = getlist(listname, "updatestatus")
        o["tid"] = tid
        o["status"] = status
        return o
    }

    static func updateConfig(_ listname: String, tid: JSONValue, config: JSONValue) -> JSONObject {
        var o = getlist(listname, "updateconfig")
        o["tid"] = tid
        o["config"] = config
        return o
    }

    static func listChange(_ listname: String, _ function: String, ids: [String]) -> JSONObject {
        var o = getlist(listname, function)
        o["list"] = .array(ids.map { .string($0) })
        return o
    }

    // MARK: Agents

    /// The whole `xod_status['agents'][id]` dictionary, as the availability notifier sends it.
    static func agentStatus(_ a: AgentRuntime) -> JSONObject {
        var nonacd: JSONValue = .null
        if let n = a.nonAcd {
            // A Python namedtuple (direction, is_internal) encodes as a JSON array.
            nonacd = [.string(n.incoming ? "incoming" : "outgoing"), .bool(n.isInternal)]
        }
        return [
            "phonenumber": a.phonenumber.map { .string($0) } ?? .null,
            "channel": .null,
            "availability": .string(a.availability),
            "availability_since": time(a.availabilitySince),
            "nonacd_call_status": nonacd,
            "on_call_acd": .bool(a.onCallAcd),
            "on_wrapup": .bool(a.onWrapup),
            "queues": strings(a.queues),
            "groups": [],
        ]
    }

    static func agentConfig(_ c: AgentDefinition) -> JSONObject {
        ["context": "default", "firstname": .string(c.firstname), "lastname": .string(c.lastname),
         "number": .string(c.number)]
    }

    // MARK: Users and phones

    static func userConfig(_ u: UserDefinition) -> JSONObject {
        [
            "firstname": .string(u.firstname), "lastname": .string(u.lastname),
            "fullname": .string(u.fullname), "mobilephonenumber": "",
            "profileclient": .null, "enableclient": .int(u.loginClient == nil ? 0 : 1),
            "agentid": u.agentId.map { .int(Int64($0)) } ?? .null, "voicemailid": .null,
            "enablerna": 0, "enableunc": 0, "enablebusy": 0,
            "destrna": "", "destunc": "", "destbusy": "",
            "enablevoicemail": 0, "enablednd": 0, "enablexfer": 1, "incallfilter": 0,
            "linelist": u.phoneId.map { [.string(String($0))] } ?? [],
        ]
    }

    static func phoneConfig(_ p: PhoneDefinition) -> JSONObject {
        ["context": .string(p.context), "protocol": "sip", "number": .string(p.number),
         "iduserfeatures": .int(Int64(p.userId)), "identity": .string(p.identity),
         "initialized": .null, "allowtransfer": .null]
    }

    static func phoneStatus(_ p: PhoneRuntime) -> JSONObject {
        ["hintstatus": .string(p.hint), "channels": .array(p.channels.map { .string($0) }),
         "queues": [], "groups": []]
    }

    // MARK: Queues and members

    static func queueConfig(_ q: QueueDefinition) -> JSONObject {
        ["context": .string(q.context), "name": .string(q.name), "displayname": .string(q.displayName),
         "number": .string(q.number)]
    }

    /// `QueueMember.to_cti_config()`: every value a string, `lastcall` local `HH:MM:SS`.
    static func memberConfig(queue: QueueDefinition, agent: AgentDefinition, _ m: MemberRuntime,
                             utcOffsetSeconds: Int) -> JSONObject {
        [
            "queue_name": .string(queue.name), "interface": .string(agent.interface),
            "membership": "static", "callstaken": .string(String(m.callsTaken)),
            "paused": m.paused ? "1" : "0", "penalty": .string(String(m.penalty)),
            "status": .string(m.status),
            "lastcall": .string(m.lastCall.map { SimTime.localClock($0, utcOffsetSeconds: utcOffsetSeconds) } ?? ""),
        ]
    }

    // MARK: Channels

    /// Every property, nulls included (`getlist updatestatus` on a channel).
    static func channelProperties(_ c: ChannelRuntime) -> JSONObject {
        var o: JSONObject = [
            "holded": false, "parked": false, "commstatus": .string(c.commstatus),
            "timestamp": time(c.timestamp),
            "talkingto_kind": c.talkingtoKind.map { .string($0) } ?? .null,
            "talkingto_id": c.talkingtoId.map { .string($0) } ?? .null,
            "state": .string(c.state),
        ]
        if let d = c.direction { o["direction"] = .string(d) }
        if let p = c.peerdisplay { o["peerdisplay"] = .string(p) }
        return o
    }

    /// What a channel update pushes: the server diffs against an empty status, so every
    /// property that is not None goes out.
    static func channelPush(_ c: ChannelRuntime) -> JSONObject {
        var o = JSONObject()
        if let d = c.direction { o["direction"] = .string(d) }
        o["commstatus"] = .string(c.commstatus)
        o["state"] = .string(c.state)
        if let k = c.talkingtoKind { o["talkingto_kind"] = .string(k) }
        if let t = c.talkingtoId { o["talkingto_id"] = .string(t) }
        if let p = c.peerdisplay { o["peerdisplay"] = .string(p) }
        o["holded"] = false
        o["parked"] = false
        o["timestamp"] = time(c.timestamp)
        return o
    }

    // MARK: Queue statistics and entries

    static func queueStats(queueId: Int, _ values: [(String, JSONValue)]) -> JSONObject {
        var inner = JSONObject()
        for (k, v) in values { inner[k] = v }
        return ["class": "getqueuesstats", "stats": [String(queueId): .object(inner)]]
    }

    static func queueEntryUpdate(queue: QueueDefinition, entries: [VisitRuntime]) -> JSONObject {
        var list: [JSONValue] = []
        list.reserveCapacity(entries.count)
        for (i, e) in entries.enumerated() {
            list.append([
                "position": .int(Int64(i + 1)), "name": .string(e.name), "number": .string(e.number),
                "join_time": time(e.join), "uniqueid": .string(e.uniqueid),
            ])
        }
        return [
            "class": "queueentryupdate",
            "state": ["queue_name": .string(queue.name), "queue_id": .int(Int64(queue.id)),
                      "entries": .array(list)],
        ]
    }
}
