import ArgumentParser
import Collector
import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import Reports
import WebService

/// `callstats serve`: the wallboard, the reports, a JSON API and Prometheus metrics over HTTP,
/// read-only, until SIGTERM or SIGINT.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the live wallboard, the reports, a JSON API and Prometheus metrics over HTTP (read-only).",
        discussion: """
            Pages: / (the wallboard), /reports (nightly folders and a report form), \
            /api/v1/{agents,queues,calls,status} and /api/v1/reports/KIND (the same parameters \
            and figures as the commands' --format json), /metrics (Prometheus). Listens on \
            loopback unless --listen names another address, which needs --token-file. SIGTERM \
            or SIGINT stops it cleanly. The database is opened read-only.
            """
    )

    @OptionGroup var database: DatabaseOptions

    @Option(help: ArgumentHelp("HOST:PORT to listen on; port 0 picks a free one (printed on standard output).", valueName: "host:port"))
    var listen: String = "127.0.0.1:8080"

    @Option(name: .customLong("token-file"), help: ArgumentHelp("A file holding the access token every request must carry (Authorization: Bearer, or the login form's cookie). Required to listen beyond loopback.", valueName: "path"))
    var tokenFile: String?

    @Option(name: .customLong("tls-cert"), help: ArgumentHelp("Serve HTTPS with this certificate chain (PEM, leaf first); needs --tls-key.", valueName: "path"))
    var tlsCertificate: String?

    @Option(name: .customLong("tls-key"), help: ArgumentHelp("The private key of --tls-cert (PEM, unencrypted).", valueName: "path"))
    var tlsKey: String?

    @Option(help: ArgumentHelp("Time zone of the pages and of \"today\" (default: the machine's); the API also takes ?tz=.", valueName: "zone"))
    var tz: String?

    @Option(help: ArgumentHelp("The folder `report nightly --out` writes into, listed under /reports.", valueName: "dir"))
    var reports: String?

    @Option(name: .customLong("sl-threshold"), help: ArgumentHelp("The wallboard's service level: an answer within this wait counts.", valueName: "duration"))
    var serviceLevelThreshold: String = "20"

    @Option(name: .customLong("warn-waiting"), help: ArgumentHelp("A tile turns amber with this many callers waiting.", valueName: "n"))
    var warnWaiting = 1

    @Option(name: .customLong("alert-waiting"), help: ArgumentHelp("A tile turns red with this many callers waiting.", valueName: "n"))
    var alertWaiting = 5

    @Option(name: .customLong("warn-wait"), help: ArgumentHelp("A tile turns amber when a caller has waited this long.", valueName: "duration"))
    var warnWait: String = "20s"

    @Option(name: .customLong("alert-wait"), help: ArgumentHelp("A tile turns red when a caller has waited this long.", valueName: "duration"))
    var alertWait: String = "60s"

    @Option(name: .customLong("warn-sl"), help: ArgumentHelp("The service level turns amber below this percentage.", valueName: "percent"))
    var warnServiceLevel = 80.0

    @Option(name: .customLong("alert-sl"), help: ArgumentHelp("The service level turns red below this percentage.", valueName: "percent"))
    var alertServiceLevel = 60.0

    func validate() throws {
        _ = try NowOptions.calendar(tz)
        _ = try ListenAddress(listen)
        _ = try ReportThresholdOptions.seconds(serviceLevelThreshold, option: "--sl-threshold")
        _ = try ReportThresholdOptions.seconds(warnWait, option: "--warn-wait")
        _ = try ReportThresholdOptions.seconds(alertWait, option: "--alert-wait")
        if (tlsCertificate == nil) != (tlsKey == nil) {
            throw ValidationError("--tls-cert and --tls-key go together")
        }
    }

    func run() async throws {
        var logger = Logger(label: "callstats.serve") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = .info
        let address = try ListenAddress(listen)
        // Beyond loopback, anybody on the network could read the floor's calls: a token first.
        // Here, not in validate(): ArgumentParser gives a CLIError thrown there status 1, and
        // this is a usage error (64), in one line.
        if !address.isLoopback && tokenFile == nil {
            throw CLIError.badArgument("--listen \(listen) is not a loopback address: give --token-file FILE so that only those with the token can read")
        }
        try database.requireExistingFile()
        // Loaded and checked now: a bad file is one line before anything listens.
        let server: HTTPServerBuilder
        do {
            server = try ServeTLS.server(certificateFile: tlsCertificate, keyFile: tlsKey)
        } catch {
            throw CLIError(error.description)
        }

        var settings = ServeSettings(databasePath: database.db, calendar: try NowOptions.calendar(tz))
        settings.thresholds.serviceLevelThreshold = try ReportThresholdOptions.seconds(serviceLevelThreshold, option: "--sl-threshold")
        settings.reportsFolder = reports
        settings.wallboard.warnWaiting = warnWaiting
        settings.wallboard.alertWaiting = alertWaiting
        settings.wallboard.warnLongestWait = try ReportThresholdOptions.seconds(warnWait, option: "--warn-wait")
        settings.wallboard.alertLongestWait = try ReportThresholdOptions.seconds(alertWait, option: "--alert-wait")
        settings.wallboard.warnServiceLevel = warnServiceLevel
        settings.wallboard.alertServiceLevel = alertServiceLevel
        if let tokenFile {
            // The collector's password file reader: the same trimming and permission check.
            let contents: PasswordFile.Contents
            do {
                contents = try PasswordFile.read(path: tokenFile)
            } catch {
                throw CLIError(error.description)
            }
            guard !contents.password.isEmpty else { throw CLIError("\(tokenFile): the token is empty") }
            if contents.readableByOthers {
                logger.warning("token file \(tokenFile) can be read by its group or by others; chmod 600 \(tokenFile)")
            }
            settings.token = contents.password.revealed
        }

        let serve = try database.explainingFailures { try ServeContext.open(settings: settings) }
        let app = Application(
            router: ServeRouter.make(serve),
            server: server,
            configuration: ApplicationConfiguration(address: .hostname(address.host, port: address.port), serverName: nil),
            services: [serve.hub],
            onServerRunning: { channel in
                // The port actually bound (for --listen HOST:0), on standard output for scripts.
                let port = channel.localAddress?.port ?? address.port
                let host = address.host.contains(":") ? "[\(address.host)]" : address.host
                let scheme = tlsCertificate == nil ? "http" : "https"
                FileHandle.standardOutput.write(Data("callstats serve: listening on \(scheme)://\(host):\(port)\n".utf8))
            },
            logger: logger
        )
        do {
            try await app.runService(gracefulShutdownSignals: [.sigterm, .sigint])
        } catch {
            throw CLIError("serve: \(error)")
        }
    }
}

/// `--listen HOST:PORT` (`[::1]:8080` for IPv6).
struct ListenAddress {
    let host: String
    let port: Int

    init(_ text: String) throws {
        let host: Substring
        let portText: Substring
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            host = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":") else { throw ValidationError("--listen \(text): use HOST:PORT, such as 127.0.0.1:8080 or [::1]:8080") }
            portText = rest.dropFirst()
        } else if let colon = text.lastIndex(of: ":") {
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        } else {
            throw ValidationError("--listen \(text): use HOST:PORT, such as 127.0.0.1:8080")
        }
        guard !host.isEmpty, let port = Int(portText), (0...65_535).contains(port) else {
            throw ValidationError("--listen \(text): use HOST:PORT with a port from 0 to 65535, such as 127.0.0.1:8080")
        }
        self.host = String(host)
        self.port = port
    }

    /// 127.0.0.0/8, ::1 and localhost: only this machine can connect.
    var isLoopback: Bool {
        if host == "localhost" || host == "::1" { return true }
        let parts = host.split(separator: ".")
        return parts.count == 4 && parts[0] == "127" && parts.allSatisfy { UInt8($0) != nil }
    }
}
