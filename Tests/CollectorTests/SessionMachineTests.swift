import CTIProtocol
import Testing

@testable import Collector

@Suite("Session machine")
struct SessionMachineTests {
    func settings(tls: TLSMode = .off, version: CTIProtocolVersion = .v1_2) -> SessionSettings {
        var configuration = CollectorConfiguration(server: ServerAddress(host: "pbx"), user: "stats", password: Password("secret"))
        configuration.tls = tls
        configuration.timing.startTLSOfferWait = 1
        configuration.timing.keepaliveInterval = 60
        configuration.timing.statsPollInterval = 60
        return SessionSettings(configuration: configuration, version: version)
    }

    func message(_ line: String) throws -> ServerMessage {
        try ServerMessage.decode(line)
    }

    func loggedInMachine() throws -> SessionMachine {
        var machine = SessionMachine(settings: settings())
        _ = machine.start(now: 0)
        _ = machine.receive(try message(#"{"class":"login_id","sessionid":"abc"}"#), now: 0)
        _ = machine.receive(try message(#"{"class":"login_pass","capalist":[3]}"#), now: 0)
        _ = machine.receive(try message(#"{"class":"login_capas","ipbxid":"pbx1","userid":"1"}"#), now: 0)
        #expect(machine.isLoggedIn)
        return machine
    }

    @Test("--tls off logs in at once")
    func tlsOff() {
        var machine = SessionMachine(settings: settings())
        let actions = machine.start(now: 0)
        #expect(actions == [.send([.loginID(commandID: 1, userlogin: "stats", ident: "callstats", company: "default", version: .v1_2)])])
    }

    @Test("--tls auto waits for the offer, then logs in without it")
    func autoWithoutOffer() {
        var machine = SessionMachine(settings: settings(tls: .auto))
        #expect(machine.start(now: 0) == [])
        #expect(machine.tick(.active(0.5), now: 0.5) == [])
        guard case .send(let commands)? = machine.tick(.active(1.0), now: 1.0).first else {
            Issue.record("no login after the offer wait")
            return
        }
        #expect(commands.first?.object["class"]?.string == "login_id")
    }

    @Test("--tls require ends the session when no offer comes")
    func requireWithoutOffer() {
        var machine = SessionMachine(settings: settings(tls: .require))
        _ = machine.start(now: 0)
        #expect(machine.tick(.active(1.0), now: 1.0) == [.end(.tlsNotOffered)])
    }

    @Test("--tls require ends the session when the server declines")
    func requireDeclined() throws {
        var machine = SessionMachine(settings: settings(tls: .require))
        _ = machine.start(now: 0)
        #expect(machine.receive(try message(#"{"class":"starttls"}"#), now: 0) == [.send([.startTLS(accept: true)])])
        #expect(machine.receive(try message(#"{"class":"starttls","starttls":false}"#), now: 0) == [.end(.tlsRefused)])
    }

    @Test("an accepted STARTTLS starts TLS before login_id")
    func startTLS() throws {
        var machine = SessionMachine(settings: settings(tls: .auto))
        _ = machine.start(now: 0)
        _ = machine.receive(try message(#"{"class":"starttls"}"#), now: 0)
        let actions = machine.receive(try message(#"{"class":"starttls","starttls":true}"#), now: 0)
        #expect(actions.first == .startTLS)
        #expect(machine.tlsActive)
    }

    @Test("a version error names the server's version; another error is a refusal")
    func loginErrors() throws {
        var machine = SessionMachine(settings: settings())
        _ = machine.start(now: 0)
        #expect(machine.receive(try message(#"{"class":"login_id","error_string":"wazoversion_client:1.2;2.3"}"#), now: 0)
                == [.end(.versionMismatch(serverVersion: "2.3"))])

        var second = SessionMachine(settings: settings())
        _ = second.start(now: 0)
        _ = second.receive(try message(#"{"class":"login_id","sessionid":"abc"}"#), now: 0)
        #expect(second.receive(try message(#"{"class":"login_pass","error_string":"login_password"}"#), now: 0)
                == [.end(.loginRefused("login_password"))])

        var third = SessionMachine(settings: settings())
        _ = third.start(now: 0)
        _ = third.receive(try message(#"{"class":"login_id","sessionid":"abc"}"#), now: 0)
        #expect(third.receive(try message(#"{"class":"login_pass","capalist":[]}"#), now: 0).first
                == .end(.loginRefused("no CTI profile offered (empty capalist)")))
    }

    @Test("listid replies bring per-object requests on the login's ipbx; queues also subscriptions and a poll")
    func listReplies() throws {
        var machine = try loggedInMachine()
        let actions = machine.receive(try message(#"{"class":"getlist","function":"listid","listname":"queues","tipbxid":"pbx1","list":["3",5]}"#), now: 10)
        guard case .send(let commands)? = actions.first else {
            Issue.record("nothing sent")
            return
        }
        let classes = commands.map { $0.object["class"]?.string ?? "" }
        #expect(classes == ["getlist", "getlist", "getlist", "getlist", "subscribe", "subscribe", "getqueuesstats"])
        #expect(commands[0].object["tipbxid"]?.string == "pbx1")
        #expect(machine.queues == ["3", "5"])

        // Logged in at 0, queues known at 10: the keepalive is due at 60, the next poll at 70.
        #expect(machine.tick(.active(59), now: 59) == [])
        #expect(machine.tick(.active(60), now: 60) == [.send([.keepalive(commandID: 18)])])
        #expect(machine.tick(.active(69), now: 69) == [])
        guard case .send(let later)? = machine.tick(.active(70.5), now: 70.5).first else {
            Issue.record("no poll after the interval")
            return
        }
        #expect(later.map { $0.object["class"]?.string } == ["getqueuesstats"])
    }

    @Test("no line for two keepalive intervals, with a keepalive unanswered for one, ends the session")
    func idle() throws {
        var machine = try loggedInMachine()
        // Logged in at 0 (commands 1-10); keepalives at 60, 120, 180; the last line at 100.
        #expect(machine.tick(.active(60), now: 60) == [.send([.keepalive(commandID: 11)])])
        #expect(machine.tick(SessionTick(firedAt: 120, serverQuietSince: 100), now: 120) == [.send([.keepalive(commandID: 12)])])
        #expect(machine.tick(SessionTick(firedAt: 180, serverQuietSince: 100), now: 180) == [.send([.keepalive(commandID: 13)])])
        #expect(machine.tick(SessionTick(firedAt: 219, serverQuietSince: 100), now: 219) == [])
        #expect(machine.tick(SessionTick(firedAt: 220, serverQuietSince: 100), now: 220) == [.end(.idleTimeout)])
        #expect(machine.tick(.active(400), now: 400) == [])
    }

    @Test("a read loop that fell behind does not blame the server: no unanswered keepalive, no drop")
    func idleNeedsUnansweredKeepalive() throws {
        var machine = try loggedInMachine()
        // Quiet since 10, but the loop was stalled and sent its first keepalive at 300.
        #expect(machine.tick(SessionTick(firedAt: 300, serverQuietSince: 10), now: 300) == [.send([.keepalive(commandID: 11)])])
        #expect(machine.tick(SessionTick(firedAt: 330, serverQuietSince: 10), now: 330) == [])
        // Answered (a line after the keepalive): still alive.
        #expect(machine.tick(SessionTick(firedAt: 361, serverQuietSince: 300.5), now: 361) == [.send([.keepalive(commandID: 12)])])
        // Unanswered for a whole interval, and quiet for two: dropped.
        #expect(machine.tick(SessionTick(firedAt: 421, serverQuietSince: 300.5), now: 421) == [.end(.idleTimeout)])
    }

    @Test("before the login, silence alone ends the session")
    func idleBeforeLogin() {
        var machine = SessionMachine(settings: settings())
        _ = machine.start(now: 0)
        #expect(machine.tick(SessionTick(firedAt: 119, serverQuietSince: 0), now: 119) == [])
        #expect(machine.tick(SessionTick(firedAt: 120, serverQuietSince: 0), now: 120) == [.end(.idleTimeout)])
    }
}

extension SessionTick {
    /// A tick at `time` with a line just received.
    static func active(_ time: Double) -> SessionTick {
        SessionTick(firedAt: time, serverQuietSince: time)
    }
}
