import ArgumentParser

// Placeholder until the simulator lands (issue 3); replaced by the simulator's own command.
struct SimulateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Run a simulated CTI server (not available yet)."
    )

    func run() async throws {
        throw ValidationError("the simulator is not available yet")
    }
}
