import ArgumentParser
import Dispatch
import Foundation
import Logging
import Simulator

struct SimulateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Run a simulated XiVO/Wazo CTI server with a seeded call-center day.",
        discussion: """
            Listens like xivo-ctid (one JSON object per line), logs clients in with the real \
            server's replies and errors, and plays a call-center day: agents logging in and out, \
            pauses, queue calls with ringing, answer, wrap-up and abandons, calls outside the \
            queues, queue statistics and queue entries.

            Prints "listening HOST:PORT" on stdout once clients can connect (use port 0 to let \
            the system choose). The simulated clock starts at --start on the first successful \
            login (login_capas), so a client that connects first sees the whole day, identically \
            for the same seed and options. --speed is simulated seconds per real second; with \
            "max" the day runs as fast as the slowest logged-in client reads and waits while \
            nobody is logged in. At a finite speed, a client whose unread output passes 32 MiB \
            is disconnected.

            With --tls-certificate and --tls-key, protocol 2.3 completes the STARTTLS it offers \
            on connect; protocol 1.2 (which offered none) listens with TLS from the first byte \
            on --tls-listen, printed as "listening-tls HOST:PORT". Like the real server, TLS \
            1.0 only.

            --load-factor multiplies every call rate; --hold-peak keeps the queues' arrival \
            rate at the day's peak from start to end (the model sizes the traffic to the \
            agents: a centre with 50 times the agents held at its peak carries 50 times the \
            peak traffic of the smaller one, with every call handled as usual).

            --truth writes what really happened (agent state intervals, queue visits, calls, \
            queue statistic values) as JSON lines, with the same times as the wire; see \
            Sources/Simulator/Output/LineSink.swift for the format.

            --queue-log writes the queue_log the simulated Asterisk keeps (the file form of an \
            Asterisk 13+ on Wazo: ENTERQUEUE, CONNECT, COMPLETE*, ABANDON, RINGNOANSWER, agent \
            logins, pauses with reasons, WRAPUPSTART), for `callstats import queue-log`.
            """
    )

    @Option(help: ArgumentHelp("Address to listen on (port 0: any free port).", valueName: "host:port"))
    var listen = "127.0.0.1:5003"

    @Option(name: .customLong("protocol"), help: ArgumentHelp(
        "CTI protocol: 1.2 (XiVO up to 15.18: hashed password, channels) or 2.3 (Wazo 17.16-19.03: clear password, STARTTLS offer).",
        valueName: "version"))
    var protocolVersion = "1.2"

    @Option(help: "CTI login the server accepts.")
    var user = "stats"

    @Option(help: "Password of that login (a test server's: it shows in ps; see --password-file).")
    var password = "secret"

    @Option(name: .customLong("password-file"), help: ArgumentHelp(
        "Read that password from the first line of this file instead (keeps it out of ps).", valueName: "path"))
    var passwordFile: String?

    @Option(help: "Seed of the simulated day: the same seed and options give the same day.")
    var seed: UInt64 = 1

    @Option(help: ArgumentHelp("Simulated seconds per real second, or \"max\" (as fast as clients read).", valueName: "x|max"))
    var speed = "1"

    @Option(help: ArgumentHelp("Simulated time when the clock starts (ISO 8601; its offset is the server's local zone).",
                               valueName: "time"))
    var start = "2026-11-02T08:00:00Z"

    @Option(help: ArgumentHelp("Length of the simulated day, e.g. 8h, 90m, 1h30m, 3600s.", valueName: "duration"))
    var duration = "8h"

    @Option(help: "Number of queues.")
    var queues = 3

    @Option(help: "Number of agents (each a user with a phone).")
    var agents = 20

    @Option(help: ArgumentHelp("Write the ground truth here (JSON lines).", valueName: "path"))
    var truth: String?

    @Option(name: .customLong("queue-log"), help: ArgumentHelp("Write the simulated Asterisk's queue_log here.", valueName: "path"))
    var queueLog: String?

    @Flag(help: "After the simulated duration, close every connection and exit 0.")
    var exitWhenDone = false

    @Option(name: .customLong("clock-delay"), help: ArgumentHelp(
        "Real seconds between the first login and the start of the simulated day, for the client's bootstrap.",
        valueName: "seconds"))
    var clockDelay: Double = 1

    @Flag(help: "Protocol 2.3: do not send the {\"class\":\"starttls\"} offer on connect.")
    var noStarttls = false

    @Option(name: .customLong("tls-certificate"), help: ArgumentHelp(
        "The server's certificate chain (PEM, leaf first): STARTTLS with --protocol 2.3, the --tls-listen port with 1.2.",
        valueName: "path"))
    var tlsCertificate: String?

    @Option(name: .customLong("tls-key"), help: ArgumentHelp("The private key of --tls-certificate (PEM).", valueName: "path"))
    var tlsKey: String?

    @Option(name: .customLong("tls-listen"), help: ArgumentHelp(
        "Protocol 1.2: also listen here with TLS from the first byte, like XiVO's CTIS port 5013 (up to 15.19).",
        valueName: "host:port"))
    var tlsListen: String?

    @Option(name: .customLong("load-factor"), help: ArgumentHelp(
        "Multiply every call rate (1: sized to the agents; above 1 the queues overflow, as in a surge).", valueName: "x"))
    var loadFactor: Double = 1

    @Flag(name: .customLong("hold-peak"), help: "Hold the call rates at the day's peak for the whole duration (stress runs).")
    var holdPeak = false

    func validate() throws {
        _ = try makeConfiguration()
    }

    func makeConfiguration() throws -> SimulatorConfiguration {
        var c = SimulatorConfiguration()
        (c.host, c.port) = try Self.hostAndPort(listen, option: "--listen", example: "127.0.0.1:5003")
        guard let version = SimulatedProtocolVersion(rawValue: protocolVersion) else {
            throw ValidationError("--protocol must be 1.2 or 2.3")
        }
        c.protocolVersion = version
        switch (tlsCertificate, tlsKey) {
        case let (certificate?, key?):
            c.tls = SimulatorTLS(certificateChainFile: certificate, privateKeyFile: key)
        case (nil, nil):
            break
        default:
            throw ValidationError("--tls-certificate and --tls-key go together")
        }
        if let tlsListen {
            guard c.tls != nil else { throw ValidationError("--tls-listen needs --tls-certificate and --tls-key") }
            guard version == .v1_2 else {
                throw ValidationError("--tls-listen is for --protocol 1.2: the direct TLS port went away when STARTTLS came (Wazo offers it on the main port)")
            }
            let (host, port) = try Self.hostAndPort(tlsListen, option: "--tls-listen", example: "127.0.0.1:5013")
            c.directTLSHost = host
            c.directTLSPort = port
        } else if c.tls != nil && version == .v1_2 {
            throw ValidationError("protocol 1.2 servers offered no STARTTLS: with --protocol 1.2 the certificate is for --tls-listen HOST:PORT")
        }
        if c.tls != nil && noStarttls && tlsListen == nil {
            throw ValidationError("--no-starttls leaves --tls-certificate unused")
        }
        guard loadFactor > 0, loadFactor.isFinite, loadFactor <= 1000 else {
            throw ValidationError("--load-factor must be a positive number up to 1000")
        }
        c.loadFactor = loadFactor
        c.holdPeak = holdPeak
        c.user = user
        c.password = password
        if let passwordFile {
            guard let text = try? String(contentsOfFile: passwordFile, encoding: .utf8),
                  let line = text.split(separator: "\n", omittingEmptySubsequences: false).first, !line.isEmpty
            else { throw ValidationError("--password-file \(passwordFile): cannot read a password from its first line") }
            c.password = String(line.hasSuffix("\r") ? line.dropLast() : line)
        }
        c.seed = seed
        if speed == "max" {
            c.speed = .max
        } else if let factor = Double(speed), factor > 0, factor.isFinite {
            c.speed = .factor(factor)
        } else {
            throw ValidationError("--speed must be a positive number or \"max\"")
        }
        guard let parsed = ISO8601Instant.parse(start) else {
            throw ValidationError("--start must be an ISO 8601 time such as 2026-11-02T08:00:00Z or 2026-11-02T09:00:00+01:00")
        }
        c.start = parsed.micros
        c.utcOffsetSeconds = parsed.utcOffsetSeconds
        guard let micros = DurationText.parse(duration) else {
            throw ValidationError("--duration must be like 8h, 90m, 1h30m or 3600s")
        }
        c.duration = micros
        guard (1...500).contains(queues) else { throw ValidationError("--queues must be between 1 and 500") }
        guard (0...10_000).contains(agents) else { throw ValidationError("--agents must be between 0 and 10000") }
        c.queues = queues
        c.agents = agents
        c.truthPath = truth
        c.queueLogPath = queueLog
        c.exitWhenDone = exitWhenDone
        c.clockStartDelaySeconds = clockDelay
        c.offerStartTLS = !noStarttls
        return c
    }

    static func hostAndPort(_ text: String, option: String, example: String) throws -> (String, Int) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
              (0...65535).contains(port)
        else { throw ValidationError("\(option) wants host:port, e.g. \(example)") }
        return (String(text[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]")), port)
    }

    func run() async throws {
        let configuration = try makeConfiguration()
        var logger = Logger(label: "callstats.simulate") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = .info
        let server: SimulatorServer
        do {
            server = try await SimulatorServer.start(configuration: configuration, logger: logger)
        } catch let error as SimulatorError {
            throw CLIError(error.description)
        }
        // Unbuffered: a test or script reading our stdout through a pipe needs it now.
        var announcement = "listening \(server.host):\(server.port)\n"
        if let host = server.directTLSHost, let port = server.directTLSPort {
            announcement += "listening-tls \(host):\(port)\n"
        }
        FileHandle.standardOutput.write(Data(announcement.utf8))

        // Ctrl-C or a TERM: close connections and the truth file cleanly.
        let signals = [SIGINT, SIGTERM].map { sig -> DispatchSourceSignal in
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler {
                Task { try? await server.shutdown() }
            }
            source.resume()
            return source
        }
        defer { signals.forEach { $0.cancel() } }
        try await server.waitUntilFinished()
    }
}
