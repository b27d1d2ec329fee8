import ArgumentParser

/// An error for a person at a terminal: one line that says what is wrong and, where it can,
/// what to do. ArgumentParser prints it as `Error: <message>` and exits non-zero.
struct CLIError: Error, CustomStringConvertible {
    let message: String
    var exitCode: ExitCode

    init(_ message: String, exitCode: ExitCode = .failure) {
        self.message = message
        self.exitCode = exitCode
    }

    var description: String { message }
}
