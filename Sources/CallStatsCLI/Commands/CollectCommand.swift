import ArgumentParser
import Collector
import Logging
import Recording
import ServiceLifecycle
import Storage

struct CollectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "collect",
        abstract: "Connect to a XiVO/Wazo CTI server and record everything it sends.",
        discussion: """
            Logs in (protocol 1.2 hashed password, or 2.x), upgrades to TLS when the server \
            offers STARTTLS (or speaks TLS from the connect with --tls direct), reads users, \
            phones, agents, queues and queue members, subscribes \
            to queue statistics and waiting lists, polls windowed queue statistics every minute, \
            and journals every line received in the database, with the rows derived from it.

            Every lost connection ends the collection session and a new one starts after a \
            backoff (first retry within 1 s, at most 60 s apart). SIGTERM or SIGINT commits what \
            was received, ends the session and exits 0.

            The password is read from --password-file, else from the CALLSTATS_PASSWORD \
            environment variable, else asked for when stdin is a terminal. It is never accepted \
            on the command line.
            """
    )

    @Option(help: ArgumentHelp("The CTI server (port 5003 when none is given, 5013 with --tls direct).", valueName: "host[:port]"))
    var server: String

    @Option(help: ArgumentHelp("The CTI login (a user with a CTI profile).", valueName: "name"))
    var user: String

    @OptionGroup var database: DatabaseOptions

    @Option(name: .customLong("password-file"),
            help: ArgumentHelp("A file holding the password on its first line (mode 600).", valueName: "path"))
    var passwordFile: String?

    @Option(name: .customLong("protocol"),
            help: ArgumentHelp("CTI protocol version: auto (1.2, then the version the server names), 1.2, 2.0, 2.1, 2.2 or 2.3.",
                               valueName: "auto|version"))
    var protocolVersion = "auto"

    @Option(help: ArgumentHelp(
        "STARTTLS: auto (when offered), off, or require (never clear text); direct: TLS from the connect (the TLS port 5013 of XiVO up to 15.19).",
        valueName: "auto|off|require|direct"))
    var tls: TLSMode = .auto

    @Option(help: ArgumentHelp("Trust the certificate authorities of this PEM file instead of the system's.", valueName: "path"))
    var ca: String?

    @Option(name: .customLong("log-level"), help: ArgumentHelp("Log level on stderr.", valueName: "level"))
    var logLevel: LogLevelArgument = .info

    @Flag(help: ArgumentHelp(
        "Create a new database (and its -wal and -shm files) readable by its group (mode 0640), for supervisors in that group.",
        discussion: "Put the database in a folder of that group with the setgid bit (chmod 2750), so the files take its group."))
    var groupReadable = false

    @Flag(help: "One session only: exit 0 when the server closes the connection (a normal end, recorded as server_closed), non-zero on any failure.")
    var once = false

    private var defaultPort: Int {
        tls == .direct ? ServerAddress.defaultDirectTLSPort : ServerAddress.defaultPort
    }

    func validate() throws {
        do {
            _ = try ServerAddress(parsing: server, defaultPort: defaultPort)
        } catch {
            throw ValidationError(error.description)
        }
        if user.isEmpty { throw ValidationError("--user needs a CTI login name") }
        if ProtocolChoice(argument: protocolVersion) == nil {
            throw ValidationError("--protocol must be auto, 1.2, 2.0, 2.1, 2.2 or 2.3, not '\(protocolVersion)'")
        }
        if ca != nil && tls == .off {
            throw ValidationError("--ca has no effect with --tls off")
        }
    }

    func run() async throws {
        var logger = Logger(label: "callstats.collect") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = logLevel.level

        let address: ServerAddress
        do {
            address = try ServerAddress(parsing: server, defaultPort: defaultPort)
        } catch {
            throw CLIError(error.description)
        }
        let password = try CollectPassword.obtain(file: passwordFile, user: user, server: address.description, logger: logger)

        var configuration = CollectorConfiguration(server: address, user: user, password: password)
        configuration.protocolChoice = ProtocolChoice(argument: protocolVersion) ?? .auto
        configuration.tls = tls
        configuration.certificateAuthorityFile = ca
        configuration.once = once
        let options = RecorderOptions()
        configuration.statsWindowSeconds = options.statsWindowSeconds

        let (db, _) = try database.openWriter(fileMode: groupReadable ? 0o640 : 0o600)
        // One writer per database: a second collector (or a replay) would close this one's
        // session as abandoned and interleave sessions.
        let lock: WriterLock
        do {
            lock = try WriterLock(databasePath: database.db)
        } catch {
            throw CLIError("\(database.db): \(error)")
        }
        defer { withExtendedLifetime(lock) {} }
        // Not database.explainingFailures: the connection is sent into the writer, which a
        // closure cannot do.
        let writer: RecordingWriter
        do {
            writer = try RecordingWriter(database: db, options: options, logger: logger)
        } catch let error as StorageError {
            throw CLIError("\(database.db): \(error.explanation)")
        }

        let collector: Collector
        do {
            collector = try Collector(configuration: configuration, writer: writer, logger: logger)
        } catch {
            throw CLIError(error.description)
        }

        let group = ServiceGroup(configuration: .init(
            services: [.init(service: collector, successTerminationBehavior: .gracefullyShutdownGroup)],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
        do {
            try await group.run()
        } catch let error as CollectorError {
            // Already logged by the collector; the exit status says it failed.
            throw CLIError(error.description)
        }
    }
}
