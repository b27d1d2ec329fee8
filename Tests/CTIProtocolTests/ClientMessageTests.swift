import Testing
@testable import CTIProtocol

/// The simulator's view of client commands, from the documents' client examples.
@Suite("Client messages")
struct ClientMessageTests {
    private func decode(_ text: String) throws -> ClientMessage { try ClientMessage.decode(text) }

    @Test func rstLoginID() throws {
        // EDIT: `<userlogin>` replaced by a string.
        let m = try decode("""
            {
            "class": "login_id",
            "commandid": 1092130023,
            "company": "default",
            "ident": "X11-LE-24079",
            "lastlogout-datetime": "2013-02-19T11:13:36",
            "lastlogout-stopper": "disconnect",
            "userlogin": "alice",
            "version": "9999",
            "xivoversion": "1.2"
            }
        """)
        #expect(m.classname == "login_id")
        #expect(m.commandID == 1092130023)
        #expect(m.kind == .loginID(userlogin: "alice", company: "default", ident: "X11-LE-24079", version: "1.2"))
        #expect(m.fields["lastlogout-stopper"] == "disconnect")
    }

    @Test func loginIDPrefersWazoVersion() throws {
        let m = try decode(#"{"class":"login_id","commandid":1,"company":"default","ident":"x","userlogin":"u","wazoversion":"2.3","xivoversion":"1.2"}"#)
        #expect(m.kind == .loginID(userlogin: "u", company: "default", ident: "x", version: "2.3"))
        let missing = try decode(#"{"class":"login_id","commandid":1,"ident":"x","userlogin":"u","xivoversion":"1.2"}"#)
        #expect(missing.kind == .malformed(reason: "login_id without company"))
    }

    @Test func rstLoginPassAndCapas() throws {
        // EDIT: `<commandid>` replaced by numbers; Python's `False` written as `false`.
        let pass = try decode("""
            {
            "hashedpassword": "e5229ef45824333e0f8bbeed20dccfa2ddcb1c80",
            "class": "login_pass",
            "commandid": 2
            }
        """)
        #expect(pass.kind == .loginPass(hashedPassword: "e5229ef45824333e0f8bbeed20dccfa2ddcb1c80", password: nil))
        let capas = try decode("""
            {
            "loginkind": "user",
            "capaid": 3,
            "lastconnwins": false,
            "commandid": 3,
            "state": "available",
            "class": "login_capas"
            }
        """)
        #expect(capas.kind == .loginCapas(capaID: 3, state: "available", lastconnwins: false, loginkind: "user"))
        // The reference client sends capaid as a string.
        let stringCapa = try decode(#"{"class":"login_capas","capaid":"3","state":"available","lastconnwins":false,"loginkind":"user"}"#)
        #expect(stringCapa.kind == .loginCapas(capaID: 3, state: "available", lastconnwins: false, loginkind: "user"))
        let noKind = try decode(#"{"class":"login_capas","capaid":3,"state":"available","lastconnwins":false}"#)
        #expect(noKind.kind == .malformed(reason: "login_capas without loginkind"))
        let noPassword = try decode(#"{"class":"login_pass","commandid":2}"#)
        #expect(noPassword.kind == .malformed(reason: "login_pass without hashedpassword or password"))
    }

    @Test func rstGetlistRequests() throws {
        let listid = try decode(#"{"class": "getlist", "commandid": 489035169, "function": "listid", "listname": "users", "tipbxid": "xivo"}"#)
        #expect(listid.kind == .getList(function: "listid", listname: "users", ipbx: "xivo", id: nil))
        #expect(listid.commandID == 489035169)
        let config = try decode(#"{"commandid":7,"class":"getlist","tid":"3","tipbxid":"xivo","function":"updateconfig","listname":"queues"}"#)
        #expect(config.kind == .getList(function: "updateconfig", listname: "queues", ipbx: "xivo", id: "3"))
        let status = try decode(#"{"commandid":17,"class":"getlist","tid":"8","tipbxid":"xivo","function":"updatestatus","listname":"queues"}"#)
        #expect(status.kind == .getList(function: "updatestatus", listname: "queues", ipbx: "xivo", id: "8"))
        // The rst's user example spells the ipbx key `tpbxid` (sic); it is kept in the fields.
        let typo = try decode("""
            {
              "class": "getlist",
              "function": "updateconfig",
              "listname": "users",
              "tid": "17",
              "tpbxid": "xivo",  "commandid": 5}
        """)
        #expect(typo.kind == .getList(function: "updateconfig", listname: "users", ipbx: nil, id: "17"))
        #expect(typo.fields["tpbxid"] == "xivo")
        let noTid = try decode(#"{"class":"getlist","function":"updatestatus","listname":"agents"}"#)
        #expect(noTid.kind == .malformed(reason: "getlist without tid"))
    }

    @Test func statisticsRequests() throws {
        #expect(try decode(#"{"commandid":36,"class":"subscribetoqueuesstats"}"#).kind == .subscribeToQueuesStats)
        let windowed = try decode(#"{"class":"getqueuesstats","commandid":9,"on":{"3":{"window":"3600","xqos":"60"}}}"#)
        #expect(windowed.kind == .getQueuesStats(windows: [QueueStatsWindow(queueID: "3", window: 3600, xqos: 60)]))
        #expect(windowed.commandID == 9)
        let bad = try decode(#"{"class":"getqueuesstats","commandid":9,"on":{"3":{"window":"x","xqos":"60"}}}"#)
        #expect(bad.kind == .malformed(reason: "getqueuesstats with a bad window for queue 3"))
        let entries = try decode(#"{"class":"subscribe","commandid":4,"message":"queueentryupdate","queueid":3}"#)
        #expect(entries.kind == .subscribe(message: "queueentryupdate", queueID: "3"))
        let entriesString = try decode(#"{"class":"subscribe","commandid":4,"message":"queueentryupdate","queueid":"3"}"#)
        #expect(entriesString.kind == .subscribe(message: "queueentryupdate", queueID: "3"))
        let badQueue = try decode(#"{"class":"subscribe","commandid":4,"message":"queueentryupdate","queueid":"blue"}"#)
        #expect(badQueue.kind == .malformed(reason: "subscribe with a non-integer queueid"))
    }

    @Test func otherClientMessages() throws {
        #expect(try decode(#"{"class":"keepalive","commandid":12}"#).kind == .keepalive)
        #expect(try decode(#"{"class":"starttls","status":true}"#).kind == .starttls(status: true))
        #expect(try decode(#"{"class":"getipbxlist","commandid":2}"#).kind == .getIPBXList)
        #expect(try decode(#"{"class":"availstate","availstate":"available","ipbxid":"xivo","userid":"23"}"#).kind
                == .availstate("available"))
        #expect(try decode(#"{"class": "people_headers", "commandid": 1}"#).kind == .unknown)
        #expect(throws: DecodeError.noClass) { try ClientMessage.decode(#"{"commandid":1}"#) }
        #expect(throws: DecodeError.notAnObject) { try ClientMessage.decode("[]") }
        #expect(throws: DecodeError.notJSON(.unexpectedEnd(offset: 0))) { try ClientMessage.decode("") }
    }
}
