import ArgumentParser
import Storage

struct MigrateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Create the database, or upgrade its schema in place, and print its version.",
        discussion: """
            Applies the migrations compiled into this binary that the database does not have yet, \
            each in its own transaction. A database written by a newer callstats is refused.
            """
    )

    @OptionGroup var database: DatabaseOptions

    func run() throws {
        let (_, outcome) = try database.openWriter()
        if outcome.applied.isEmpty {
            print("schema version \(outcome.toVersion) (up to date)")
        } else {
            print("schema version \(outcome.toVersion) (upgraded from \(outcome.fromVersion): \(outcome.applied.joined(separator: ", ")))")
        }
    }
}
