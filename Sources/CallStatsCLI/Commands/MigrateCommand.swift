import ArgumentParser
import Foundation
import Recording
import Storage

struct MigrateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Create the database, or upgrade its schema in place, and print its version.",
        discussion: """
            Applies the migrations compiled into this binary that the database does not have yet, \
            each in its own transaction. A database written by a newer callstats is refused.

            Then moves journal lines stored one per row (by versions before schema 8) into \
            compressed blocks, a block per transaction: it may run beside a collector, and \
            after an interruption the next run goes on where it stopped. The file does not \
            shrink (new blocks reuse the freed pages); VACUUM, with the collector stopped, \
            returns them to the disk.
            """
    )

    @OptionGroup var database: DatabaseOptions

    func run() throws {
        let (connection, outcome) = try database.openWriter()
        if outcome.applied.isEmpty {
            print("schema version \(outcome.toVersion) (up to date)")
        } else {
            print("schema version \(outcome.toVersion) (upgraded from \(outcome.fromVersion): \(outcome.applied.joined(separator: ", ")))")
        }
        let converter = try JournalConverter(database: connection)
        guard try converter.remainingLines() > 0 else { return }
        var reported = 0.0
        let converted = try converter.convert { done, total in
            let fraction = Double(done) / Double(max(total, 1))
            if fraction - reported >= 0.1 || done == total {
                reported = fraction
                FileHandle.standardError.write(Data("journal: \(done) of \(total) lines compressed\n".utf8))
            }
        }
        print("journal: \(converted.lines) lines moved into \(converted.blocks) compressed blocks")
    }
}
