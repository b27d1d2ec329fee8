import Testing
@testable import CTIProtocol

/// Every server-to-client example of cti-protocol.rst and protocol-notes.md that the collector
/// relies on, pasted verbatim. Edits, all forced by pseudo-syntax in the documents, are marked
/// `EDIT:` next to the example.
@Suite("Server messages: documented examples")
struct ServerMessageDocExampleTests {
    private func decode(_ text: String) throws -> ServerMessage { try ServerMessage.decode(text) }

    // MARK: cti-protocol.rst, login

    @Test func rstLoginIDReply() throws {
        let m = try decode("""
           {
               "class": "login_id",
               "sessionid": "21UaGDfst7",
               "timenow": 1361268824.64,
               "xivoversion": "1.2"
           }
        """)
        #expect(m.kind == .loginID(sessionID: "21UaGDfst7", version: "1.2"))
        #expect(m.timenow == 1361268824.64)
        #expect(m.classname == "login_id")
    }

    @Test func rstLoginPassReplyAndCapaidUndefined() throws {
        let ok = try decode("""
           {
               "capalist": [
                   2
               ],
               "class": "login_pass",
               "replyid": 1646064863,
               "timenow": 1361268824.68
           }
        """)
        #expect(ok.kind == .loginPass(capaIDs: [2], replyID: 1646064863))
        let error = try decode("""
           {
               "error_string": "capaid_undefined",
               "class": "login_pass",
               "replyid": 1646064863,
               "timenow": 1361268824.68
           }
        """)
        #expect(error.kind == .loginError(classname: "login_pass", errorString: "capaid_undefined", serverVersion: nil))
    }

    @Test func rstLoginCapasReply() throws {
        // EDIT: added the comma missing after `"class": "login_capas"`, removed the
        // `/* a list of other status ... */` comment, and removed the trailing commas after the
        // `disconnected` entry and after `"appliname": "Client"`.
        let m = try decode("""
           {
              "class": "login_capas",
              "presence": "available",
              "userid": "3",
              "ipbxid": "xivo",
              "timenow": 1361440830.99,
              "replyid": 3,
              "capas": {
                       "regcommands": {},
                       "preferences": false,
                       "userstatus": {
                                   "available": { "color": "#08FD20",
                                                  "allowed": ["available", "away", "outtolunch", "donotdisturb", "berightback"],
                                                  "actions": {"enablednd": "false"}, "longname": "Disponible"
                                                 },
                                   "berightback": {  "color": "#FFB545",
                                                     "allowed": ["available", "away", "outtolunch", "donotdisturb", "berightback"],
                                                     "actions": {"enablednd": "false"}, "longname": "Bient\\u00f4t de retour"
                                                   },
                                   "disconnected": { "color": "#202020",
                                                     "actions": {"agentlogoff": ""}, "longname": "D\\u00e9connect\\u00e9"
                                                   }
                       },
                    "services": ["fwdrna", "fwdbusy", "fwdunc", "enablednd"],
                    "phonestatus": {
                                      "16": {"color": "#F7FF05", "longname": "En Attente"},
                                      "1":  {"color": "#FF032D", "longname": "En ligne OU appelle"},
                                      "0":  {"color": "#0DFF25", "longname": "Disponible"},
                                      "2":  {"color": "#FF0008", "longname": "Occup\\u00e9"},
                                      "-1": {"color": "#000000", "longname": "D\\u00e9sactiv\\u00e9"},
                                      "4":  {"color": "#FFFFFF", "longname": "Indisponible"},
                                      "-2": {"color": "#030303", "longname": "Inexistant"},
                                      "9":  {"color": "#FF0526", "longname": "(En Ligne OU Appelle) ET Sonne"},
                                      "8":  {"color": "#1B0AFF", "longname": "Sonne"}
                                   },
                    "ipbxcommands": {}
                 },
              "capaxlets": [["identity", "grid"], ["search", "tab"], ["customerinfo", "tab", "1"], ["fax", "tab", "2"], ["dial", "grid", "2"], ["tabber", "grid", "3"], ["history", "tab", "3"], ["remotedirectory", "tab", "4"], ["features", "tab", "5"], ["mylocaldir", "tab", "6"], ["conference", "tab", "7"]],
              "appliname": "Client"
           }
        """)
        #expect(m.kind == .loginCapas(userID: "3", ipbxID: "xivo", appliname: "Client", replyID: 3))
        // Unmodelled content is kept, decoded.
        let capas = try #require(m.raw["capas"]?.object)
        #expect(capas["userstatus"]?["berightback"]?["longname"] == "Bientôt de retour")
        #expect(capas["phonestatus"]?.object?.keys.first == "16")
    }

    @Test func rstUserConfigAndStatusAfterLogin() throws {
        let config = try decode("""
           {
              "function": "updateconfig",
              "listname": "users",
              "tipbxid": "xivo",
              "timenow": 1361440830.99,
              "tid": "3",
              "config": {"enablednd": false},
              "class": "getlist"
           }
        """)
        #expect(config.kind == .config(list: "users", ipbx: "xivo", id: "3", config: ["enablednd": false]))
        let status = try decode("""
           {
              "function": "updatestatus",
              "listname": "users",
              "status": {"availstate": "available"},
              "tipbxid": "xivo",
              "tid": "3",
              "class": "getlist",
              "timenow": 1361440830.99
           }
        """)
        #expect(status.kind == .status(list: "users", ipbx: "xivo", id: "3", status: ["availstate": "available"],
                                       tidWasInteger: false))
        #expect(status.timenow == 1361440830.99)
    }

    // MARK: cti-protocol.rst, unsolicited

    @Test func rstSheetIsDecodedButItsTruncatedPayloadIsAnErrorNotACrash() throws {
        let m = try decode("""
           {
              "timenow": 1361444639.61,
              "class": "sheet",
              "compressed": true,
              "serial": "xml",
              "payload": "AAADnnicndPBToNAEAbgV1n3XgFN1AP...................",
              "channel": "SIP/e6fhff-00000007"
           }
        """)
        guard case .sheet(let channel, let payload) = m.kind else {
            Issue.record("not a sheet: \(m.kind)")
            return
        }
        #expect(channel == "SIP/e6fhff-00000007")
        #expect(payload.compressed)
        #expect(payload.serial == "xml")
        #expect(throws: SheetError.invalidBase64) { try payload.text() }
    }

    @Test func rstPhoneStatusPushes() throws {
        // EDIT: the document elides the common fields as `{ ... ` / `{.... `; they are restored
        // from the lines above the examples (class, function, listname, tipbxid), and the
        // trailing commas before `}` are removed.
        let lines = [
            #"{"class": "getlist", "function": "updatestatus", "listname": "phones", "tipbxid": "xivo", "status": {"channels": ["SIP/x2gjtw-0000000b"]}, "tid": "3"}"#,
            #"{"class": "getlist", "function": "updatestatus", "listname": "phones", "tipbxid": "xivo", "status": {"channels": ["SIP/x2gjtw-0000000b"], "queues": [], "hintstatus": "0", "groups": []}, "tid": "3"}"#,
            #"{"class": "getlist", "function": "updatestatus", "listname": "phones", "tipbxid": "xivo", "status": {"hintstatus": "8"}, "tid": "3"}"#,
        ]
        let kinds = try lines.map { try decode($0).kind }
        #expect(kinds[0] == .status(list: "phones", ipbx: "xivo", id: "3",
                                    status: ["channels": ["SIP/x2gjtw-0000000b"]], tidWasInteger: false))
        #expect(kinds[2] == .status(list: "phones", ipbx: "xivo", id: "3", status: ["hintstatus": "8"], tidWasInteger: false))
    }

    @Test func rstChannelStatusPushes() throws {
        // EDIT: the examples show only `status` and `tid` (and sometimes `class`); the common
        // fields listed above them (class getlist, function updatestatus, listname channels,
        // tipbxid xivo) are prepended.
        let prefix = #"{"class": "getlist", "function": "updatestatus", "listname": "channels", "tipbxid": "xivo", "#
        let bodies = [
            #""status": {"timestamp": 1361447017.22, "holded": false, "commstatus": "ready", "parked": false, "state": "Down"}, "tid": "SIP/barometrix_jyldev-0000000a"}"#,
            #""status": {"timestamp": 1361447017.29, "holded": false, "commstatus": "ready", "parked": false, "state": "Unknown"}, "tid": "SIP/x2gjtw-0000000b"}"#,
            #""status": {"talkingto_kind": "channel", "direction": "out", "timestamp": 1361447017.29, "holded": false, "talkingto_id": "SIP/x2gjtw-0000000b", "state": "Ring", "parked": false, "commstatus": "calling"}, "tid": "SIP/barometrix_jyldev-0000000a"}"#,
            #""status": {"direction": "in", "timestamp": 1361447017.29, "holded": false, "talkingto_id": "SIP/barometrix_jyldev-0000000a", "state": "Down", "parked": false, "commstatus": "ringing"}, "tid": "SIP/x2gjtw-0000000b"}"#,
        ]
        var views: [(String, ChannelStatus)] = []
        for body in bodies {
            guard case .status("channels", "xivo", let id, let status, false) = try decode(prefix + body).kind else {
                Issue.record("not a channel status: \(body)")
                continue
            }
            views.append((id, ChannelStatus(from: status)))
        }
        try #require(views.count == 4)
        #expect(views[0].0 == "SIP/barometrix_jyldev-0000000a")
        #expect(views[0].1.timestamp == 1361447017.22)
        #expect(views[0].1.commstatus == "ready")
        #expect(views[0].1.direction == nil)
        #expect(views[0].1.talkingtoID == .absent)
        #expect(views[2].1.commstatus == "calling")
        #expect(views[2].1.direction == "out")
        #expect(views[2].1.talkingtoID == .present("SIP/x2gjtw-0000000b"))
        #expect(views[2].1.talkingtoKind == .present("channel"))
        #expect(views[2].1.state == "Ring")
        #expect(views[2].1.holded == false)
        #expect(views[2].1.parked == false)
        #expect(views[3].1.commstatus == "ringing")
        #expect(views[3].1.direction == "in")
        #expect(views[3].1.isLinked == false)
    }

    // MARK: cti-protocol.rst, configuration

    @Test func rstListIDReplies() throws {
        let users = try decode("""
           {
              "class": "getlist",
              "function": "listid", "listname": "users",
              "list": ["11", "12", "14", "17", "1", "3", "2", "4", "9"],
              "tipbxid": "xivo","timenow": 1362735061.17
              }
        """)
        #expect(users.kind == .listIDs(list: "users", ipbx: "xivo", ids: ["11", "12", "14", "17", "1", "3", "2", "4", "9"]))
        let phones = try decode("""
           {"class": "getlist", "function": "listid", "list": ["1", "3", "2", "5", "14", "7", "6", "9", "8"],
              "listname": "phones", "timenow": 1364994093.38, "tipbxid": "xivo"}
        """)
        #expect(phones.kind == .listIDs(list: "phones", ipbx: "xivo", ids: ["1", "3", "2", "5", "14", "7", "6", "9", "8"]))
        let queues = try decode("""
           {"function": "listid", "listname": "queues", "tipbxid": "xivo",
                 "list": ["1", "10", "3", "2", "5", "4", "7", "6", "9", "8"], "timenow": 1382704649.64, "class": "getlist"}
        """)
        #expect(queues.kind == .listIDs(list: "queues", ipbx: "xivo", ids: ["1", "10", "3", "2", "5", "4", "7", "6", "9", "8"]))
        let members = try decode("""
           {"function": "listid", "listname": "queuemembers", "tipbxid": "xivo",
              "list": ["Agent/2501,blue", "Agent/2500,yellow", "Agent/2002,yellow", "Agent/2003,__switchboard",
                       "Agent/2003,blue", "Agent/108,blue", "Agent/2002,blue"],
              "timenow": 1382717016.23,
              "class": "getlist"}
        """)
        #expect(members.kind == .listIDs(list: "queuemembers", ipbx: "xivo", ids: [
            "Agent/2501,blue", "Agent/2500,yellow", "Agent/2002,yellow", "Agent/2003,__switchboard",
            "Agent/2003,blue", "Agent/108,blue", "Agent/2002,blue"]))
        #expect(members.timenow == 1382717016.23)
    }

    @Test func rstUserConfig() throws {
        let m = try decode("""
           {
              "class": "getlist",
              "function": "updateconfig",
              "listname": "users",
              "tid": "17",
              "tipbxid": "xivo",
              "timenow": 1362741166.4,
              "config": {
                    "enablednd": 0, "destrna": "", "enablerna": 0,  "enableunc": 0, "destunc": "", "destbusy": "", "enablebusy": 0, "enablexfer": 1,
                    "firstname": "Alice",  "lastname": "Bouzat", "fullname": "Alice Bouzat",
                    "voicemailid": null, "incallfilter": 0,  "enablevoicemail": 0,   "profileclient": null, "agentid": 2, "enableclient": 1, "linelist": ["7"], "mobilephonenumber": ""}
               }
        """)
        guard case .config("users", "xivo", "17", let config) = m.kind else {
            Issue.record("not a user config: \(m.kind)")
            return
        }
        let user = UserConfig(from: config)
        #expect(user.fullname == "Alice Bouzat")
        #expect(user.firstname == "Alice")
        #expect(user.lastname == "Bouzat")
        #expect(user.agentID == "2")
        #expect(user.lineIDs == ["7"])
        #expect(config["voicemailid"] == .null)
        #expect(config.count == 19)
    }

    @Test func rstPhoneConfig() throws {
        let m = try decode("""
           {"class": "getlist",
              "config": {"allowtransfer": null, "context": "default", "identity": "SIP/ihvbur", "iduserfeatures": 1,
                             "initialized": null, "number": "1000", "protocol": "sip"},
              "function": "updateconfig", "listname": "phones", "tid": "3", "timenow": 1364994093.43, "tipbxid": "xivo"}
        """)
        guard case .config("phones", "xivo", "3", let config) = m.kind else {
            Issue.record("not a phone config: \(m.kind)")
            return
        }
        let phone = PhoneConfig(from: config)
        #expect(phone.identity == "SIP/ihvbur")
        #expect(phone.number == "1000")
        #expect(phone.userID == "1")
        #expect(phone.context == "default")
        #expect(phone.protocolName == "sip")
        #expect(phone.owns(channel: "SIP/ihvbur-0000000b"))
        #expect(!phone.owns(channel: "SIP/ihvburx-0000000b"))
    }

    @Test func rstQueueConfig() throws {
        let m = try decode("""
           {
            "function": "updateconfig", "listname": "queues", "tipbxid": "xivo", "timenow": 1382704649.69, "tid": "3",
              "config":
                 {"displayname": "red", "name": "red", "context": "default", "number": "3002"},
            "class": "getlist"}
        """)
        guard case .config("queues", "xivo", "3", let config) = m.kind else {
            Issue.record("not a queue config: \(m.kind)")
            return
        }
        #expect(QueueConfig(from: config) == QueueConfig(from: ["name": "red", "number": "3002",
                                                                 "displayname": "red", "context": "default"]))
        #expect(QueueConfig(from: config).number == "3002")
    }

    // MARK: cti-protocol.rst, status

    @Test func rstUserPhoneQueueStatuses() throws {
        let user = try decode("""
           {"class": "getlist",
              "function": "updatestatus",
              "listname": "users",
              "status": {"availstate": "outtolunch", "connection": "yes"},
                    "tid": "1", "timenow": 1364994093.48, "tipbxid": "xivo"}
        """)
        #expect(user.kind == .status(list: "users", ipbx: "xivo", id: "1",
                                     status: ["availstate": "outtolunch", "connection": "yes"], tidWasInteger: false))
        let phone = try decode("""
           {"class": "getlist", "function": "updatestatus", "listname": "phones",
              "status": {"channels": [], "groups": [], "hintstatus": "0", "queues": []},
              "tid": "1", "timenow": 1364994093.48, "tipbxid": "xivo"}
        """)
        #expect(phone.kind == .status(list: "phones", ipbx: "xivo", id: "1",
                                      status: ["channels": [], "groups": [], "hintstatus": "0", "queues": []],
                                      tidWasInteger: false))
        let queue = try decode("""
           {"function": "updatestatus", "listname": "queues", "tipbxid": "xivo", "timenow": 1382710430.54,
              "status": {"agentmembers": ["1","5"], "phonemembers": ["8"]},
              "tid": "8", "class": "getlist"}
        """)
        #expect(queue.kind == .status(list: "queues", ipbx: "xivo", id: "8",
                                      status: ["agentmembers": ["1", "5"], "phonemembers": ["8"]], tidWasInteger: false))
    }

    @Test func rstAgentStatusFull() throws {
        let m = try decode("""
           {"class": "getlist",
            "listname": "agents",
            "function": "updatestatus",
            "tipbxid": "xivo",
            "tid": 635,
            "status": {
                "availability": "logged_out",
                 "availability_since": 1370868774.74,
                 "channel": null,
                 "groups": [],
                 "on_call_acd": false,
                 "on_call_nonacd": false,
                 "on_wrapup": false,
                 "phonenumber": null,
                 "queues": [
                     "113"
                 ]
             }}
        """)
        guard case .status("agents", "xivo", "635", let status, let tidWasInteger) = m.kind else {
            Issue.record("not an agent status: \(m.kind)")
            return
        }
        #expect(tidWasInteger)
        #expect(m.timenow == nil)
        let agent = AgentStatus(from: status)
        #expect(agent.availability == "logged_out")
        #expect(agent.availabilityKind == .loggedOut)
        #expect(agent.availabilitySince == 1370868774.74)
        #expect(agent.channel == .null)
        #expect(agent.phoneNumber == .null)
        #expect(agent.onCallACD == false)
        #expect(agent.onWrapup == false)
        #expect(agent.queues == ["113"])
        #expect(agent.isComplete)
    }

    @Test func rstAgentLoginMessages() throws {
        let member = try decode("""
           {"function": "updateconfig", "listname": "queuemembers", "tipbxid": "xivo",
              "timenow": 1362664323.94, "tid": "Agent/2002,blue",
              "config": {"paused": "0", "penalty": "0", "membership": "static", "status": "1", "lastcall": "",
                          "interface": "Agent/2002", "queue_name": "blue", "callstaken": "0"},
            "class": "getlist"
              }
        """)
        guard case .config("queuemembers", "xivo", "Agent/2002,blue", let config) = member.kind else {
            Issue.record("not a queue member config: \(member.kind)")
            return
        }
        let view = QueueMemberConfig(from: config)
        #expect(view.paused == "0")
        #expect(view.isPaused == false)
        #expect(view.penalty == "0")
        #expect(view.membership == "static")
        #expect(view.status == "1")
        #expect(view.lastcall == "")
        #expect(view.interface == "Agent/2002")
        #expect(view.queueName == "blue")
        #expect(view.callstaken == "0")

        // This older (pre-13.x) full status has `on_call` instead of `on_call_acd`/`on_wrapup`:
        // the view reports them as absent rather than inventing `false`.
        let agent = try decode("""
           {"function": "updatestatus", "listname": "agents", "tipbxid": "xivo",
              "timenow": 1362664323.94,
              "status": {"availability_since": 1362664323.94,
                          "queues": [], "phonenumber": "1001", "on_call": false, "groups": [],
                          "availability": "available", "channel": null},
              "tid": 7, "class": "getlist"
                 }
        """)
        guard case .status("agents", "xivo", "7", let status, true) = agent.kind else {
            Issue.record("not a full agent status: \(agent.kind)")
            return
        }
        let view2 = AgentStatus(from: status)
        #expect(view2.availabilityKind == .available)
        #expect(view2.phoneNumber == .present("1001"))
        #expect(view2.queues == [])
        #expect(view2.onCallACD == nil)
        #expect(view2.onWrapup == nil)
        #expect(!view2.isComplete)
    }

    // MARK: cti-protocol.rst, statistics and others

    @Test func rstQueueStatsPushes() throws {
        let a = try decode("""
           {"stats": {"10": {"Xivo-LoggedAgents": 0}},
              "class": "getqueuesstats", "timenow": 1384509582.88}
        """)
        #expect(a.kind == .queueStats(replyID: nil, stats: [
            QueueStatistics(queueID: "10", values: [.init(key: "Xivo-LoggedAgents", value: .number(0))]),
        ]))
        #expect(a.timenow == 1384509582.88)
        let b = try decode("""
           {"stats": {"1": {"Xivo-WaitingCalls": 0}},
              "class": "getqueuesstats", "timenow": 1384509582.89}
        """)
        #expect(b.kind == .queueStats(replyID: nil, stats: [
            QueueStatistics(queueID: "1", values: [.init(key: "Xivo-WaitingCalls", value: .number(0))]),
        ]))
        let c = try decode("""
           {"stats": {"1": {"Xivo-TalkingAgents": "0", "Xivo-AvailableAgents": "1", "Xivo-EWT": "6"}},
              "class": "getqueuesstats", "timenow": 1384512350.25}
        """)
        #expect(c.kind == .queueStats(replyID: nil, stats: [
            QueueStatistics(queueID: "1", values: [
                .init(key: "Xivo-TalkingAgents", value: .number(0)),
                .init(key: "Xivo-AvailableAgents", value: .number(1)),
                .init(key: "Xivo-EWT", value: .number(6)),
            ]),
        ]))
    }

    @Test func rstUnmodelledClassesAreKeptAsUnknown() throws {
        let history = try decode("""
           {
              "class": "history",
              "history": [
                 {"calldate": "2013-03-29T08:44:35.273998", "duration": 0.148765, "fullname": "*844201"},
                 {"calldate": "2013-03-28T16:56:48.071213", "duration": 58.134744, "fullname": "41400"}
              ],
              "mode": 0, "replyid": 529422441, "timenow": 1364571477.33
           }
        """)
        #expect(history.kind == .unknown)
        #expect(history.classname == "history")
        #expect(history.timenow == 1364571477.33)
        #expect(history.raw["history"]?.array?.count == 2)
        let ipbx = try decode("""
           {"class": "ipbxcommand", "error_string": "agent_login_exten_in_use", "timenow": 1362664158.14}
        """)
        #expect(ipbx.kind == .unknown)
        #expect(ipbx.raw["error_string"] == "agent_login_exten_in_use")
    }

    // MARK: protocol-notes.md

    @Test func notesLogin12() throws {
        // EDIT: `"timenow":...` is given the value of the rst example; `"capaxlets":[...]` and
        // `"capas":{...}` become `[]` and `{}`.
        let id = try decode(#"{"class":"login_id","sessionid":"21UaGDfst7","xivoversion":"1.2","timenow":1361268824.64}"#)
        #expect(id.kind == .loginID(sessionID: "21UaGDfst7", version: "1.2"))
        let pass = try decode(#"{"class":"login_pass","replyid":2,"capalist":[3],"timenow":1361268824.68}"#)
        #expect(pass.kind == .loginPass(capaIDs: [3], replyID: 2))
        let capas = try decode(#"{"class":"login_capas","replyid":3,"ipbxid":"xivo","userid":"12","appliname":"Supervisor","capaxlets":[],"capas":{}}"#)
        #expect(capas.kind == .loginCapas(userID: "12", ipbxID: "xivo", appliname: "Supervisor", replyID: 3))
    }

    @Test func notesVersionMismatchAndLoginErrors() throws {
        // EDIT: `<client>;<server>` filled in with real versions.
        let old = try decode(#"{"class":"login_id","error_string":"xivoversion_client:2.0;1.2"}"#)
        #expect(old.kind == .loginError(classname: "login_id", errorString: "xivoversion_client:2.0;1.2", serverVersion: "1.2"))
        let new = try decode(#"{"class":"login_id","error_string":"wazoversion_client:1.2;2.3","timenow":1550000000.1}"#)
        #expect(new.kind == .loginError(classname: "login_id", errorString: "wazoversion_client:1.2;2.3", serverVersion: "2.3"))
        let password = try decode(#"{"class":"login_id","error_string":"login_password"}"#)
        #expect(password.kind == .loginError(classname: "login_id", errorString: "login_password", serverVersion: nil))
        let missing = try decode(#"{"class":"login_pass","error_string":"missing:hashedpassword","replyid":2}"#)
        #expect(missing.kind == .loginError(classname: "login_pass", errorString: "missing:hashedpassword", serverVersion: nil))
        let capa = try decode(#"{"class":"login_capas","error_string":"wrong cti_profile_id"}"#)
        #expect(capa.kind == .loginError(classname: "login_capas", errorString: "wrong cti_profile_id", serverVersion: nil))
    }

    @Test func notesStartTLS() throws {
        #expect(try decode(#"{"class":"starttls"}"#).kind == .starttls(.offered))
        #expect(try decode(#"{"class":"starttls","starttls":true}"#).kind == .starttls(.answered(true)))
        #expect(try decode(#"{"class":"starttls","starttls":false}"#).kind == .starttls(.answered(false)))
    }

    @Test func notesKeepaliveAndIPBXList() throws {
        let keepalive = try decode(#"{"class":"keepalive","replyid":7,"warning_string":"unimplemented"}"#)
        #expect(keepalive.kind == .keepalive(replyID: 7))
        #expect(keepalive.raw["warning_string"] == "unimplemented")
        #expect(try decode(#"{"class":"getipbxlist","ipbxlist":["xivo"]}"#).kind == .ipbxList(["xivo"]))
    }

    @Test func notesAgentStatus() throws {
        let m = try decode("""
        {"class":"getlist","listname":"agents","function":"updatestatus","tipbxid":"xivo","tid":7,
         "status":{"availability":"available","availability_since":1550000000.9,"phonenumber":"1001",
         "channel":null,"on_call_acd":false,"on_wrapup":false,"queues":["3","5"]}}
        """)
        guard case .status("agents", "xivo", "7", let status, true) = m.kind else {
            Issue.record("not a full agent status: \(m.kind)")
            return
        }
        let view = AgentStatus(from: status)
        #expect(view.availabilityKind == .available)
        #expect(view.availabilitySince == 1550000000.9)
        #expect(view.phoneNumber.value == "1001")
        #expect(view.channel == .null)
        #expect(view.queues == ["3", "5"])
        #expect(view.isComplete)
    }

    @Test func notesChannelUpdateAndHangup() throws {
        let update = try decode("""
        {"class":"getlist","function":"updatestatus","listname":"channels","tipbxid":"xivo","tid":"SIP/abc-0000000a",
         "status":{"direction":"out","commstatus":"calling","state":"Ring","talkingto_kind":"channel",
         "talkingto_id":"SIP/xyz-0000000b","holded":false,"parked":false,"timestamp":1361447017.29}}
        """)
        guard case .status("channels", "xivo", "SIP/abc-0000000a", let status, false) = update.kind else {
            Issue.record("not a channel status: \(update.kind)")
            return
        }
        let view = ChannelStatus(from: status)
        #expect(view.timestamp == 1361447017.29)
        #expect(view.talkingtoID.value == "SIP/xyz-0000000b")
        let hangup = try decode(#"{"class":"getlist","function":"delconfig","listname":"channels","tipbxid":"xivo","list":["SIP/abc-0000000a"]}"#)
        #expect(hangup.kind == .delConfig(list: "channels", ipbx: "xivo", ids: ["SIP/abc-0000000a"]))
    }

    @Test func notesQueueStats() throws {
        let int = try decode(#"{"class":"getqueuesstats","stats":{"3":{"Xivo-LoggedAgents":2}}}"#)
        #expect(int.kind == .queueStats(replyID: nil, stats: [
            QueueStatistics(queueID: "3", values: [.init(key: "Xivo-LoggedAgents", value: .number(2))])]))
        let strings = try decode(#"{"class":"getqueuesstats","stats":{"3":{"Xivo-AvailableAgents":"1","Xivo-EWT":"6","Xivo-TalkingAgents":"0"}}}"#)
        guard case .queueStats(nil, let stats) = strings.kind else {
            Issue.record("not queue stats")
            return
        }
        #expect(stats.first?["Xivo-EWT"] == .number(6))
        #expect(stats.first?.values.map(\.key) == ["Xivo-AvailableAgents", "Xivo-EWT", "Xivo-TalkingAgents"])
        let waiting = try decode(#"{"class":"getqueuesstats","stats":{"3":{"Xivo-WaitingCalls":2,"Xivo-LongestWaitTime":37}}}"#)
        #expect(waiting.kind == .queueStats(replyID: nil, stats: [
            QueueStatistics(queueID: "3", values: [.init(key: "Xivo-WaitingCalls", value: .number(2)),
                                                   .init(key: "Xivo-LongestWaitTime", value: .number(37))])]))
        let emptied = try decode(#"{"class":"getqueuesstats","stats":{"3":{"Xivo-WaitingCalls":0}}}"#)
        #expect(emptied.kind == .queueStats(replyID: nil, stats: [
            QueueStatistics(queueID: "3", values: [.init(key: "Xivo-WaitingCalls", value: .number(0))])]))
    }

    @Test func notesWindowedQueueStats() throws {
        let m = try decode("""
        {"class":"getqueuesstats","replyid":9,"stats":{"3":{"Xivo-Join":"5","Xivo-Link":"7","Xivo-Lost":"11",
           "Xivo-Rate":"33","Xivo-Qos":"66","Xivo-Holdtime-avg":"33","Xivo-Holdtime-max":"345"}}}
        """)
        #expect(m.kind == .queueStats(replyID: 9, stats: [QueueStatistics(queueID: "3", values: [
            .init(key: "Xivo-Join", value: .number(5)), .init(key: "Xivo-Link", value: .number(7)),
            .init(key: "Xivo-Lost", value: .number(11)), .init(key: "Xivo-Rate", value: .number(33)),
            .init(key: "Xivo-Qos", value: .number(66)), .init(key: "Xivo-Holdtime-avg", value: .number(33)),
            .init(key: "Xivo-Holdtime-max", value: .number(345)),
        ])]))
    }

    @Test func notesQueueEntries() throws {
        let m = try decode("""
        {"class":"queueentryupdate","state":{"queue_name":"blue","queue_id":3,
         "entries":[{"position":1,"name":"Alice","number":"5551234","join_time":1550000000.2,"uniqueid":"1550000000.42"}]}}
        """)
        #expect(m.kind == .queueEntries(queueID: "3", queueName: "blue", entries: [
            QueueEntry(position: 1, name: "Alice", number: "5551234", joinTime: 1550000000.2, uniqueID: "1550000000.42"),
        ]))
    }
}
