import ArgumentParser
import Foundation
import Logging
import QueueLog
import Recording
import Storage

/// `callstats import`: history from another source, into the same tables as `collect`.
struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import call-center history from another source (Asterisk's queue_log).",
        subcommands: [ImportQueueLogCommand.self]
    )
}

struct ImportQueueLogCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "queue-log",
        abstract: "Import Asterisk's queue_log files into the database.",
        discussion: """
            Reads Asterisk's queue_log in its file form (epoch|callid|queue|agent|event|data...), \
            plain or gzip-compressed, rotated files included, given in any order (the oldest is \
            read first). Every line is kept in the journal as read; queue visits and agent states \
            are derived from it as from the CTI collector's messages, so every report and view \
            works on them.

            Each file is known by its first line, so a file renamed or compressed by a rotation \
            is the same file: an import reads only what earlier ones did not, and importing the \
            same files twice adds nothing. A last line not yet complete is left for the next \
            import. A line that cannot be read is kept with the reason and counted.

            Prints one line: files, lines read, added, unreadable.
            """
    )

    @OptionGroup var database: DatabaseOptions

    @Option(name: .customLong("pbx-tz"),
            help: ArgumentHelp("The PBX's time zone, for a table's local times (the file's times are UTC epochs).", valueName: "zone"))
    var pbxTZ: String?

    @Argument(help: ArgumentHelp("The queue_log files (queue_log, queue_log.1, queue_log.2.gz...).", valueName: "file"))
    var files: [String] = []

    func validate() throws {
        if files.isEmpty {
            throw ValidationError("give at least one queue_log file")
        }
        if let pbxTZ, TimeZone(identifier: pbxTZ) == nil {
            throw ValidationError("--pbx-tz: unknown time zone '\(pbxTZ)'")
        }
    }

    func run() throws {
        for file in files {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: file, isDirectory: &isDirectory) else {
                throw CLIError("\(file): no such file")
            }
            if isDirectory.boolValue { throw CLIError("\(file) is a folder, not a queue_log file") }
        }
        let (connection, _) = try database.openWriter()
        let lock: WriterLock
        do {
            lock = try WriterLock(databasePath: database.db)
        } catch {
            throw CLIError("\(database.db): \(error)")
        }
        let summary = try database.explainingFailures {
            do {
                let recorder = try Recorder(database: connection, logger: Logger(label: "callstats.import"))
                let run = QueueLogFileImport(recorder: recorder, now: { Date().timeIntervalSince1970 })
                return try run.run(paths: files)
            } catch let error as QueueLogFileError {
                throw CLIError(error.description)
            }
        }
        print(summary.line)
        withExtendedLifetime(lock) {}
    }
}
