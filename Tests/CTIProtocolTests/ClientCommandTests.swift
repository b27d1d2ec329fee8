import Testing
@testable import CTIProtocol

@Suite("Client commands")
struct ClientCommandTests {
    private func line(_ command: ClientCommand) -> String {
        String(decoding: command.encode(), as: UTF8.self)
    }

    @Test func loginHashKnownVector() {
        // python3 -c "import hashlib; print(hashlib.sha1(b'21UaGDfst7:secret').hexdigest())"
        #expect(LoginHash.hashedPassword(sessionID: "21UaGDfst7", password: "secret")
                == "3c49a99c24367bd26b585f4a1a23093e22549718")
        // Non-ASCII passwords hash their UTF-8 bytes, as Python 2's str did.
        // python3 -c "import hashlib; print(hashlib.sha1('s3ss:pässwörd'.encode()).hexdigest())"
        #expect(LoginHash.hashedPassword(sessionID: "s3ss", password: "pässwörd")
                == "74dd8538559edd79af1de7c94c92224dfbf29dde")
    }

    @Test func loginIDPerVersion() {
        #expect(line(.loginID(commandID: 1, userlogin: "stats", ident: "callstats", version: .v1_2))
                == #"{"class":"login_id","commandid":1,"company":"default","ident":"callstats","userlogin":"stats","xivoversion":"1.2"}"# + "\n")
        #expect(line(.loginID(commandID: 1, userlogin: "stats", ident: "callstats", version: .v2_2))
                == #"{"class":"login_id","commandid":1,"company":"default","ident":"callstats","userlogin":"stats","xivoversion":"2.2"}"# + "\n")
        #expect(line(.loginID(commandID: 1, userlogin: "stats", ident: "callstats", company: "acme", version: .v2_3))
                == #"{"class":"login_id","commandid":1,"company":"acme","ident":"callstats","userlogin":"stats","wazoversion":"2.3","xivoversion":"2.3"}"# + "\n")
    }

    @Test func loginPassPerVersion() {
        #expect(line(.loginPass(commandID: 2, password: "secret", sessionID: "21UaGDfst7", version: .v1_2))
                == #"{"class":"login_pass","commandid":2,"hashedpassword":"3c49a99c24367bd26b585f4a1a23093e22549718"}"# + "\n")
        for version in [CTIProtocolVersion.v2_0, .v2_1, .v2_2, .v2_3] {
            #expect(line(.loginPass(commandID: 2, password: "sécret\"", sessionID: "21UaGDfst7", version: version))
                    == #"{"class":"login_pass","commandid":2,"password":"s\u00e9cret\""}"# + "\n")
        }
    }

    @Test func versions() {
        #expect(CTIProtocolVersion.v1_2.usesHashedPassword)
        #expect(!CTIProtocolVersion.v2_0.usesHashedPassword)
        #expect(!CTIProtocolVersion.v2_2.sendsWazoVersionKey)
        #expect(CTIProtocolVersion.v2_3.sendsWazoVersionKey)
        #expect(CTIProtocolVersion("2.4").sendsWazoVersionKey)
        #expect(CTIProtocolVersion("3.0").sendsWazoVersionKey)
        #expect(!CTIProtocolVersion("garbage").usesHashedPassword)
        #expect(CTIProtocolVersion.known.map(\.rawValue) == ["1.2", "2.0", "2.1", "2.2", "2.3"])
    }

    @Test func loginCapas() {
        #expect(line(.loginCapas(commandID: 3, capaID: 3))
                == #"{"class":"login_capas","commandid":3,"capaid":3,"state":"available","lastconnwins":false,"loginkind":"user"}"# + "\n")
    }

    @Test func getlistCommands() {
        #expect(line(.listID(commandID: 4, listname: "agents"))
                == #"{"class":"getlist","commandid":4,"function":"listid","listname":"agents","tipbxid":"xivo"}"# + "\n")
        #expect(line(.updateConfig(commandID: 5, listname: "queues", id: "3"))
                == #"{"class":"getlist","commandid":5,"function":"updateconfig","listname":"queues","tipbxid":"xivo","tid":"3"}"# + "\n")
        #expect(line(.updateStatus(commandID: 6, listname: "queuemembers", ipbx: "other", id: "Agent/2002,blue"))
                == #"{"class":"getlist","commandid":6,"function":"updatestatus","listname":"queuemembers","tipbxid":"other","tid":"Agent/2002,blue"}"# + "\n")
    }

    @Test func statisticsAndOthers() {
        #expect(line(.getIPBXList(commandID: 7)) == #"{"class":"getipbxlist","commandid":7}"# + "\n")
        #expect(line(.subscribeToQueuesStats(commandID: 36)) == #"{"class":"subscribetoqueuesstats","commandid":36}"# + "\n")
        #expect(line(.getQueuesStats(commandID: 9, windows: [QueueStatsWindow(queueID: "3", window: 3600, xqos: 60)]))
                == #"{"class":"getqueuesstats","commandid":9,"on":{"3":{"window":"3600","xqos":"60"}}}"# + "\n")
        #expect(line(.getQueuesStats(commandID: 9, windows: [
            QueueStatsWindow(queueID: "3", window: 3600, xqos: 60), QueueStatsWindow(queueID: "1", window: 900, xqos: 20),
        ])) == #"{"class":"getqueuesstats","commandid":9,"on":{"3":{"window":"3600","xqos":"60"},"1":{"window":"900","xqos":"20"}}}"# + "\n")
        #expect(line(.subscribeQueueEntryUpdate(commandID: 10, queueID: "3"))
                == #"{"class":"subscribe","commandid":10,"message":"queueentryupdate","queueid":3}"# + "\n")
        #expect(line(.keepalive(commandID: 11)) == #"{"class":"keepalive","commandid":11}"# + "\n")
        #expect(line(.startTLS()) == #"{"class":"starttls","status":true}"# + "\n")
        #expect(line(.custom(["class": "availstate", "availstate": "available"]))
                == #"{"class":"availstate","availstate":"available"}"# + "\n")
    }

    @Test func everyCommandIsOneLineThatTheSimulatorDecodes() throws {
        let commands: [ClientCommand] = [
            .loginID(commandID: 1, userlogin: "stats", ident: "callstats", version: .v2_3),
            .loginPass(commandID: 2, password: "a\nb", sessionID: "s", version: .v2_0),
            .loginCapas(commandID: 3, capaID: 3),
            .listID(commandID: 4, listname: "users"),
            .getQueuesStats(commandID: 5, windows: [QueueStatsWindow(queueID: "3", window: 3600, xqos: 60)]),
            .subscribeQueueEntryUpdate(commandID: 6, queueID: "3"),
            .keepalive(commandID: 7),
            .startTLS(accept: false),
        ]
        for command in commands {
            let bytes = command.encode()
            #expect(bytes.last == 0x0A)
            #expect(bytes.dropLast().contains(0x0A) == false)
            #expect(bytes.allSatisfy { $0 < 0x80 })
            let message = try ClientMessage.decode(Array(bytes.dropLast()))
            if case .malformed = message.kind { Issue.record("malformed: \(command)") }
            if case .unknown = message.kind { Issue.record("unknown: \(command)") }
        }
    }
}
