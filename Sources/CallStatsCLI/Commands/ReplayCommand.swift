import ArgumentParser
import Foundation
import Logging
import Recording
import Storage

struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Rebuild every derived table from the journal, in one transaction.",
        discussion: """
            The journal keeps every line the CTI server sent. Replay deletes the agent states, \
            queue statistics, queue visits, calls and PBX objects, and applies the journal again \
            through the same code as live collection. It refuses to run while a collector writes \
            to the database, and once `callstats prune` has deleted journal lines (the rows derived \
            from them could not be rebuilt).
            """
    )

    @OptionGroup var database: DatabaseOptions

    func run() throws {
        // Before the lock, whose file is made beside the database.
        try database.requireExistingFile()
        let lock: WriterLock
        do {
            lock = try WriterLock(databasePath: database.db)
        } catch {
            throw CLIError("\(database.db): \(error)")
        }
        let (connection, _) = try database.openWriter()
        let outcome = try database.explainingFailures {
            try Recorder(database: connection, logger: Logger(label: "callstats.replay")).replay()
        }
        print("replayed \(outcome.lines) lines of \(outcome.sessions) collection sessions")
        withExtendedLifetime(lock) {}
    }
}
