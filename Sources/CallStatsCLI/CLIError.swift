import ArgumentParser

/// An error for a person at a terminal: one line that says what is wrong and, where it can,
/// what to do, printed as `Error: <message>` (`CallStatsCommand.main`), with exit status 1: the
/// command could not do its work.
///
/// A bad option value is a `ValidationError` (status 64, with the usage), thrown from
/// `validate()` so nothing is opened or written first. Only a value that the database must
/// judge (`--queue purple`) is found wrong later: `badArgument`, also status 64 (see `ExitStatus`).
struct CLIError: Error, CustomStringConvertible {
    let message: String
    let exitCode: ExitCode

    init(_ message: String) {
        self.message = message
        exitCode = .failure
    }

    private init(message: String, exitCode: ExitCode) {
        self.message = message
        self.exitCode = exitCode
    }

    /// An option's value found wrong once the command ran: a usage error all the same.
    static func badArgument(_ message: String) -> CLIError {
        CLIError(message: message, exitCode: .validationFailure)
    }

    var description: String { message }
}

/// The exit statuses of every command, as the root command's help and the README's "Exit
/// status" section state them.
enum ExitStatus {
    static let help = """
        Exit status, for every command: 0 when it did what was asked; 64 for a usage error \
        (an unknown command or option, a missing or bad option value, such as a date that is \
        not one or a --queue the database does not know; nothing was written); 1 when it \
        could not do its work (the database, a file, the network or the CTI server; the \
        message says which). `callstats status` also exits 1 when no collection session is \
        live and 2 when the data is stale.
        """
}
