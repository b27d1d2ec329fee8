import CTIProtocol
import Simulator
import Testing

func finish(_ server: SimulatorServer) async throws {
    try await server.shutdown()
    try await server.waitUntilFinished()
}

@Suite("Login, as xivo-ctid does it", .shutsDownServers)
struct LoginTests {
    @Test("1.2: right hashed password logs in, with the real replies")
    func protocol12RightPassword() async throws {
        let server = try await startServer()
        let client = try TestClient(port: server.port)
        let replies = try client.login()
        let (id, pass, capas) = (replies[0], replies[1], replies[2])
        #expect(id.keys.sorted() == ["class", "sessionid", "timenow", "xivoversion"])
        #expect(id["xivoversion"] == "1.2")
        #expect(id["sessionid"]?.string?.count == 10)
        #expect(pass["replyid"] == 2)
        #expect(pass["capalist"] == [3])
        #expect(pass["error_string"] == nil)
        #expect(capas["replyid"] == 3)
        #expect(capas["ipbxid"] == "xivo")
        #expect(capas["userid"]?.string != nil)
        #expect(capas["appliname"] == "Supervisor")
        #expect(capas["capas"]?.object?["userstatus"] != nil)
        for r in replies {
            guard case .double = r["timenow"] else {
                Issue.record("timenow must be a float: \(r)")
                continue
            }
        }
        // The clock starts at the first login, at --start.
        #expect(capas["timenow"]?.double == Double(SimulatorConfiguration.defaultStart) / 1e6)
        try await finish(server)
    }

    @Test("1.2: wrong password is refused with login_password, then closed")
    func protocol12WrongPassword() async throws {
        let server = try await startServer()
        let client = try TestClient(port: server.port)
        try client.send(.loginID(commandID: 1, userlogin: "stats", ident: "t", version: "1.2"))
        let id = try client.read(until: "login_id") { $0.klass == "login_id" }
        let session = try #require(id["sessionid"]?.string)
        try client.send(.loginPass(commandID: 2, password: "wrong", sessionID: session, version: "1.2"))
        let reply = try #require(try client.readObject())
        #expect(reply["class"] == "login_pass")
        #expect(reply["replyid"] == 2)
        #expect(reply["error_string"] == "login_password")
        #expect(try client.closedByServer())
        try await finish(server)
    }

    @Test("1.2: the hash is over the session id the server gave, not any other")
    func protocol12HashUsesSession() async throws {
        let server = try await startServer()
        let client = try TestClient(port: server.port)
        try client.send(.loginID(commandID: 1, userlogin: "stats", ident: "t", version: "1.2"))
        _ = try client.read(until: "login_id") { $0.klass == "login_id" }
        try client.send(.loginPass(commandID: 2, password: "secret", sessionID: "AAAAAAAAAA", version: "1.2"))
        let reply = try #require(try client.readObject())
        #expect(reply["error_string"] == "login_password")
        #expect(try client.closedByServer())
        try await finish(server)
    }

    @Test("1.2: an unknown login is refused at login_id")
    func protocol12UnknownUser() async throws {
        let server = try await startServer()
        let client = try TestClient(port: server.port)
        try client.send(.loginID(commandID: 1, userlogin: "nobody", ident: "t", version: "1.2"))
        let reply = try #require(try client.readObject())
        #expect(reply["class"] == "login_id")
        #expect(reply["error_string"] == "login_password")
        #expect(try client.closedByServer())
        try await finish(server)
    }

    @Test("2.3: STARTTLS offered first, clear password accepted, login_pass without replyid")
    func protocol23RightPassword() async throws {
        let server = try await startServer { $0.protocolVersion = .v2_3 }
        let client = try TestClient(port: server.port)
        let offer = try #require(try client.readObject())
        #expect(offer.keys.sorted() == ["class", "timenow"])
        #expect(offer["class"] == "starttls")
        let replies = try client.login(version: "2.3")
        #expect(replies[0]["xivoversion"] == "2.3")
        #expect(replies[1].keys.sorted() == ["capalist", "class", "timenow"])
        #expect(replies[1]["capalist"] == [3])
        #expect(replies[2]["replyid"] == 3)
        try await finish(server)
    }

    @Test("2.3: declining STARTTLS is echoed and the session stays in clear text")
    func protocol23DeclineStartTLS() async throws {
        let server = try await startServer { $0.protocolVersion = .v2_3 }
        let client = try TestClient(port: server.port)
        _ = try client.readObject()
        try client.send(.startTLS(accept: false))
        let echo = try #require(try client.readObject())
        #expect(echo["class"] == "starttls")
        #expect(echo["starttls"] == false)
        try client.login(version: "2.3")
        try await finish(server)
    }

    @Test("2.3: asking for TLS gets starttls false (no certificate here) and the login goes on in clear")
    func protocol23AcceptStartTLS() async throws {
        let server = try await startServer { $0.protocolVersion = .v2_3 }
        let client = try TestClient(port: server.port)
        _ = try client.readObject()
        try client.send(.startTLS(accept: true))
        let answer = try #require(try client.readObject())
        #expect(answer["class"] == "starttls")
        #expect(answer["starttls"] == false)
        try client.login(version: "2.3")
        try await finish(server)
    }

    @Test("2.3: wrong clear password is refused, then closed")
    func protocol23WrongPassword() async throws {
        let server = try await startServer { $0.protocolVersion = .v2_3 }
        let client = try TestClient(port: server.port)
        _ = try client.readObject()  // starttls offer
        try client.send(.loginID(commandID: 1, userlogin: "stats", ident: "t", version: "2.3"))
        let id = try client.read(until: "login_id") { $0.klass == "login_id" }
        #expect(id["sessionid"] != nil)
        try client.send(.loginPass(commandID: 2, password: "nope", sessionID: "", version: "2.3"))
        let reply = try #require(try client.readObject())
        #expect(reply.keys.sorted() == ["class", "error_string", "timenow"])
        #expect(reply["class"] == "login_pass")
        #expect(reply["error_string"] == "login_password")
        #expect(try client.closedByServer())
        try await finish(server)
    }

    @Test("version mismatch: the error names both versions, then the connection closes",
          arguments: [(SimulatedProtocolVersion.v1_2, "2.3", "xivoversion_client:2.3;1.2"),
                      (SimulatedProtocolVersion.v2_3, "1.2", "wazoversion_client:1.2;2.3")])
    func versionMismatch(server version: SimulatedProtocolVersion, client: String, expected: String) async throws {
        let server = try await startServer {
            $0.protocolVersion = version
            $0.offerStartTLS = false
        }
        let c = try TestClient(port: server.port)
        try c.send(.loginID(commandID: 1, userlogin: "stats", ident: "t", version: CTIProtocolVersion(client)))
        let reply = try #require(try c.readObject())
        #expect(reply.keys.sorted() == ["class", "error_string", "timenow"])
        #expect(reply["class"] == "login_id")
        #expect(reply["error_string"] == .string(expected))
        #expect(try c.closedByServer())
        try await finish(server)
    }

    @Test("the login must complete within 5 s by default")
    func defaultLoginTimeout() {
        #expect(SimulatorConfiguration().loginTimeoutSeconds == 5)
    }

    @Test("a client that does not complete its login is disconnected at the timeout")
    func loginTimeout() async throws {
        let server = try await startServer { $0.loginTimeoutSeconds = 0.3 }
        let silent = try TestClient(port: server.port)
        let halfway = try TestClient(port: server.port)
        try halfway.send(.loginID(commandID: 1, userlogin: "stats", ident: "t", version: "1.2"))
        #expect(try silent.closedByServer())
        #expect(try halfway.closedByServer())
        #expect(halfway.received.count == 1)  // the login_id reply, then the close
        try await finish(server)
    }

    @Test("a completed login is not cut by the timeout")
    func loginCancelsTimeout() async throws {
        let server = try await startServer {
            $0.loginTimeoutSeconds = 0.3
            $0.speed = .factor(1)
        }
        let client = try TestClient(port: server.port)
        try client.login()
        // Past the timeout: a client that connected later, and never logged in, was dropped.
        try await serverSpan(server)
        try client.send(.keepalive(commandID: 7))
        let reply = try client.read(until: "keepalive reply") { $0.klass == "keepalive" }
        #expect(reply["replyid"] == 7)
        try await finish(server)
    }

    @Test("commands other than login_id/login_pass/starttls are ignored before login")
    func commandsBeforeLoginIgnored() async throws {
        let server = try await startServer()
        let client = try TestClient(port: server.port)
        try client.send(.keepalive(commandID: 1))
        try client.send(.getIPBXList(commandID: 2))
        try client.send(.listID(commandID: 3, listname: "users"))
        try client.send(.subscribeToQueuesStats(commandID: 4))
        try client.send(["class": "availstate", "availstate": "available", "ipbxid": "xivo", "userid": "1"])
        // login_capas before login_pass does not log anyone in either.
        try client.send(.loginCapas(commandID: 5, capaID: 3))
        try client.send(.loginID(commandID: 6, userlogin: "stats", ident: "t", version: "1.2"))
        let first = try #require(try client.readObject())
        #expect(first["class"] == "login_id")
        #expect(first["sessionid"] != nil)
        try await finish(server)
    }

    @Test("login_capas with a wrong or unknown profile is refused")
    func wrongProfile() async throws {
        let server = try await startServer()
        for (capaid, error) in [(1, "wrong cti_profile_id"), (42, "unknown cti_profile_id")] {
            let client = try TestClient(port: server.port)
            try client.send(.loginID(commandID: 1, userlogin: "stats", ident: "t", version: "1.2"))
            let id = try client.read(until: "login_id") { $0.klass == "login_id" }
            try client.send(.loginPass(commandID: 2, password: "secret", sessionID: id["sessionid"]?.string ?? "",
                                       version: "1.2"))
            _ = try client.read(until: "login_pass") { $0.klass == "login_pass" }
            try client.send(.loginCapas(commandID: 3, capaID: capaid))
            let reply = try client.read(until: "login_capas") { $0.klass == "login_capas" }
            #expect(reply["error_string"] == .string(error))
            #expect(try client.closedByServer())
        }
        try await finish(server)
    }
}
