import ArgumentParser
import Collector
import Logging

extension TLSMode: ExpressibleByArgument {}

/// `--log-level`, swift-log's levels by name.
enum LogLevelArgument: String, CaseIterable, ExpressibleByArgument {
    case trace, debug, info, notice, warning, error, critical

    var level: Logger.Level {
        switch self {
        case .trace: return .trace
        case .debug: return .debug
        case .info: return .info
        case .notice: return .notice
        case .warning: return .warning
        case .error: return .error
        case .critical: return .critical
        }
    }
}

/// Where the collector's password comes from, in order: `--password-file`, the
/// `CALLSTATS_PASSWORD` environment variable, a prompt without echo when stdin is a terminal.
/// Never the command line, where every user of the machine could read it.
enum CollectPassword {
    static let environmentVariable = "CALLSTATS_PASSWORD"

    static func obtain(file: String?, user: String, server: String, logger: Logger) throws -> Password {
        if let file {
            let contents: PasswordFile.Contents
            do {
                contents = try PasswordFile.read(path: file)
            } catch {
                throw CLIError(error.description)
            }
            if contents.readableByOthers {
                logger.warning("password file \(file) can be read by its group or by others; chmod 600 \(file)")
            }
            return contents.password
        }
        if let text = Terminal.environment(environmentVariable) {
            guard !text.isEmpty else { throw CLIError("\(environmentVariable) is set but empty") }
            return Password(text)
        }
        guard Terminal.standardInputIsTerminal else {
            throw CLIError("no password: use --password-file PATH or set \(environmentVariable) (stdin is not a terminal to ask on)")
        }
        guard let password = Terminal.readPassword(prompt: "Password for \(user) on \(server): ") else {
            throw CLIError("no password was typed")
        }
        guard !password.isEmpty else { throw CLIError("the password is empty") }
        return password
    }
}
