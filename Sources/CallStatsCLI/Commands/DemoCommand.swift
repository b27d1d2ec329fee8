import ArgumentParser

// The demo needs the simulator and the collector (issues 3, 4 and 6); until they land it
// says so instead of pretending.
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run the simulator, the collector and the reports on a simulated day (not available yet)."
    )

    func run() throws {
        throw CLIError("the demo is not available yet in this version: it needs the collector, which is being built")
    }
}
