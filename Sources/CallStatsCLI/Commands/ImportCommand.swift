import ArgumentParser
import Collector
import Foundation
import Logging
import QueueLog
import Recording
import ServiceLifecycle
import Storage

/// `callstats import`: history from another source, into the same tables as `collect`.
struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import call-center history from another source (Asterisk's queue_log).",
        subcommands: [ImportQueueLogCommand.self]
    )
}

struct ImportQueueLogCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "queue-log",
        abstract: "Import Asterisk's queue_log (its files, or XiVO/Wazo's PostgreSQL table) into the database.",
        discussion: """
            Files: Asterisk's queue_log in its file form (epoch|callid|queue|agent|event|data...), \
            plain or gzip-compressed, rotated files included, given in any order (the oldest is \
            read first). Each file is known by its first line, so a file renamed or compressed by \
            a rotation is the same file: an import reads only what earlier ones did not, and \
            importing the same files twice adds nothing. A last line not yet complete is left \
            for later.

            Table: --postgres postgres://USER@HOST[:PORT]/DATABASE (XiVO and Wazo: the database \
            asterisk) reads the table queue_log (--table) by id, from the row after the last one \
            imported. Its time column may be text in the PBX's local time (XiVO, Wazo before \
            2020: --pbx-tz, default this machine's zone) or a timestamp with time zone. The \
            password comes from --password-file, else PGPASSWORD; never from the command line. \
            sslmode=disable|prefer|require|verify-full in the URL (default prefer).

            Every line (or row) is kept in the journal as read; queue visits and agent states \
            are derived from it as from the CTI collector's messages, so every report and view \
            works on them. A line that cannot be read is kept with the reason and counted.

            --follow keeps reading as Asterisk writes: the first file named (its live file; \
            rotations are followed like tail -F) or the table, every --poll-interval seconds, \
            committing what it reads at once. Name the rotated file second (queue_log.1): after \
            a copytruncate, the lines only its copy holds are read there. Following, a file \
            named may not exist yet. `callstats status` shows it as live. SIGTERM or \
            SIGINT commits what was read and exits 0.

            Prints one line: files or table, lines read, added, unreadable. A compressed file \
            that is damaged (its data wrong, or cut short) is read up to the damage and the \
            other files are imported; it is named in one line each (`Error: FILE: damaged: ...`) \
            and the exit status is 1.
            """
    )

    @OptionGroup var database: DatabaseOptions

    @Option(name: .customLong("pbx-tz"),
            help: ArgumentHelp("The PBX's time zone, for a table whose times are local text (default: this machine's zone; the file's times are UTC epochs).",
                               valueName: "zone"))
    var pbxTZ: String?

    @Option(help: ArgumentHelp("XiVO/Wazo's PostgreSQL database holding the queue_log table, without a password.",
                               valueName: "postgres://user@host[:port]/database"))
    var postgres: String?

    @Option(name: .customLong("password-file"),
            help: ArgumentHelp("With --postgres: a file holding the password on its first line (mode 600); else PGPASSWORD.", valueName: "path"))
    var passwordFile: String?

    @Option(help: ArgumentHelp("With --postgres: the table (or schema.table).", valueName: "name"))
    var table: String = "queue_log"

    @Flag(help: "Keep reading as Asterisk writes, until SIGTERM or SIGINT.")
    var follow = false

    @Option(name: .customLong("poll-interval"),
            help: ArgumentHelp("With --follow: seconds between two looks for new lines (default 0.5 for a file, 2 for a table).", valueName: "seconds"))
    var pollInterval: Double?

    @Argument(help: ArgumentHelp("The queue_log files (queue_log, queue_log.1, queue_log.2.gz...).", valueName: "file"))
    var files: [String] = []

    func validate() throws {
        if postgres == nil && files.isEmpty {
            throw ValidationError("give at least one queue_log file, or --postgres URL for XiVO/Wazo's table")
        }
        if postgres != nil && !files.isEmpty {
            throw ValidationError("give queue_log files or --postgres, not both")
        }
        if postgres == nil && passwordFile != nil {
            throw ValidationError("--password-file is for --postgres")
        }
        if postgres == nil && table != "queue_log" {
            throw ValidationError("--table is for --postgres")
        }
        if let pbxTZ, TimeZone(identifier: pbxTZ) == nil {
            throw ValidationError("--pbx-tz: unknown time zone '\(pbxTZ)'")
        }
        if let pollInterval {
            guard pollInterval > 0, pollInterval <= 3600 else { throw ValidationError("--poll-interval must be a number of seconds above 0, at most 3600") }
            guard follow else { throw ValidationError("--poll-interval is for --follow") }
        }
        do {
            let name = try QueueLogTableName(table)
            if let postgres {
                _ = try QueueLogTableAddress(url: postgres, table: name)
            }
        } catch {
            throw ValidationError(error.description)
        }
    }

    func run() async throws {
        var logger = Logger(label: "callstats.import") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = .notice
        for file in files {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: file, isDirectory: &isDirectory) else {
                // Following, a file may not exist yet: the live one until Asterisk creates it
                // with its first line, the rotated one until the log's first rotation.
                if follow { continue }
                throw CLIError("\(file): no such file")
            }
            if isDirectory.boolValue { throw CLIError("\(file) is a folder, not a queue_log file") }
        }
        var password: String?
        if postgres != nil {
            password = try Self.password(file: passwordFile, logger: logger)
        }
        let (connection, _) = try database.openWriter()
        let lock: WriterLock
        do {
            lock = try WriterLock(databasePath: database.db)
        } catch {
            throw CLIError("\(database.db): \(error)")
        }
        defer { withExtendedLifetime(lock) {} }
        let writer: QueueLogWriter
        do {
            writer = try QueueLogWriter(database: connection, now: { Date().timeIntervalSince1970 }, logger: logger)
        } catch let error as StorageError {
            throw CLIError("\(database.db): \(error.explanation)")
        }
        let work: @Sendable () async throws -> QueueLogImportSummary
        if let postgres {
            let address = try QueueLogTableAddress(url: postgres, table: QueueLogTableName(table))
            let zone = pbxTZ.flatMap(TimeZone.init(identifier:)) ?? TimeZone.current
            let polling = QueueLogPolling(interval: .milliseconds(Int((pollInterval ?? 2) * 1000)))
            let follow = follow
            work = { [password, logger] in
                try await QueueLogImportRun.table(
                    connect: { () async throws(QueueLogTableError) in try await QueueLogTable.connect(address: address, password: password, logger: logger) },
                    pbxZone: zone, follow: follow, writer: writer, polling: polling, logger: logger)
            }
        } else {
            let polling = QueueLogPolling(interval: .milliseconds(Int((pollInterval ?? 0.5) * 1000)))
            let (files, follow) = (files, follow)
            work = { [logger] in try await QueueLogImportRun.files(files, follow: follow, writer: writer, polling: polling, logger: logger) }
        }
        let service = ImportService(work: work)
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: service, successTerminationBehavior: .gracefullyShutdownGroup)],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
        try await group.run()
        do {
            let summary = try await service.result()
            print(summary.line)
            // Every other file is imported and committed; cron is told by the status. A
            // follower told of them as it found them, and exits 0 on SIGTERM as always.
            if !summary.damaged.isEmpty && !follow {
                for damaged in summary.damaged {
                    FileHandle.standardError.write(Data("Error: \(damaged)\n".utf8))
                }
                throw ExitCode.failure
            }
        } catch let error as QueueLogTableError {
            throw CLIError(error.description)
        } catch let error as QueueLogFileError {
            throw CLIError(error.description)
        } catch let error as StorageError {
            throw CLIError("\(database.db): \(error.explanation)")
        }
    }

    /// `--password-file`, else `PGPASSWORD`, else none (the server may not ask for one).
    static func password(file: String?, logger: Logger) throws -> String? {
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
            return contents.password.revealed
        }
        if let text = Terminal.environment("PGPASSWORD") {
            guard !text.isEmpty else { throw CLIError("PGPASSWORD is set but empty") }
            return text
        }
        return nil
    }
}

/// The import as a service of a `ServiceGroup`, which turns SIGTERM and SIGINT into a
/// graceful shutdown: the import's task is cancelled, and the import commits what it read,
/// ends its session and returns its summary.
final class ImportService: Service {
    private let work: @Sendable () async throws -> QueueLogImportSummary
    private let outcome = Outcome()

    init(work: @escaping @Sendable () async throws -> QueueLogImportSummary) {
        self.work = work
    }

    func run() async throws {
        let work = self.work
        do {
            let summary = try await cancelWhenGracefulShutdown { try await work() }
            await outcome.set(.success(summary))
        } catch {
            await outcome.set(.failure(error))
        }
    }

    func result() async throws -> QueueLogImportSummary {
        guard let result = await outcome.value else { throw CancellationError() }
        return try result.get()
    }

    actor Outcome {
        var value: Result<QueueLogImportSummary, any Error>?
        func set(_ result: Result<QueueLogImportSummary, any Error>) { value = result }
    }
}
