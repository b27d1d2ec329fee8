import ArgumentParser
import Foundation
import Storage

/// Journal rows inserted through our Storage layer in batched transactions, against the
/// `sqlite3` shell importing the same rows into the same table, in the same run.
struct JournalInsertBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "journal-insert",
        abstract: "Journal-row insert throughput: Storage vs the sqlite3 shell's .import."
    )

    @Option(help: "Rows to insert.") var rows = 1_000_000
    @Option(help: "Rows per transaction.") var batch = 5_000
    @Option(help: "Folder for the databases and the CSV file (default: a new temporary folder).") var folder: String?
    @Option(help: "The sqlite3 shell.") var sqlite3 = "/usr/bin/sqlite3"

    func run() throws {
        let folderURL = URL(fileURLWithPath: folder ?? NSTemporaryDirectory())
            .appendingPathComponent("callstats-bench-\(ProcessInfo.processInfo.processIdentifier)")
        try FileManager.default.createDirectory(at: folderURL, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folderURL) }

        var generator = SyntheticJournal()
        let data = (0..<rows).map { _ in generator.nextRow() }
        let bytes = data.reduce(0) { $0 + $1.line.count }
        print("rows: \(rows), average line: \(bytes / max(rows, 1)) bytes, batch: \(batch) rows per transaction")

        // Ours.
        let ourPath = folderURL.appendingPathComponent("storage.db").path
        let (database, _) = try Database.openWriter(path: ourPath)
        try database.execute("INSERT INTO collection_session (session_id, server, connected_at) VALUES (1, 'bench', 0)")
        let insert = try database.cachedStatement("""
            INSERT INTO journal_line (session_id, received_at, event_time, class, list, function, object_id, malformed, line)
            VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?)
            """)
        let start = ContinuousClock.now
        var index = 0
        while index < data.count {
            let end = min(index + batch, data.count)
            try database.write {
                for row in data[index..<end] {
                    insert.reset()
                    try insert.bind(Int64(1), at: 1)
                    try insert.bind(row.receivedAt, at: 2)
                    try insert.bind(row.eventTime, at: 3)
                    try insert.bind(row.classname, at: 4)
                    try Optional(row.list).bind(to: insert, at: 5)
                    try Optional(row.function).bind(to: insert, at: 6)
                    try Optional(row.objectID).bind(to: insert, at: 7)
                    try row.line.withUnsafeBytes { try insert.bind(rawBytes: $0, at: 8) }
                    try insert.step()
                }
            }
            index = end
        }
        let ours = ContinuousClock.now - start
        let count = try database.fetchInt64("SELECT count(*) FROM journal_line") ?? 0
        guard count == rows else { throw ValidationError("storage inserted \(count) rows, expected \(rows)") }

        // The shell: the same rows as CSV, imported into the same (STRICT, BLOB) table of a
        // database migrated the same way, with the same pragmas.
        let csvPath = folderURL.appendingPathComponent("journal.csv").path
        var csv = ""
        csv.reserveCapacity(bytes + rows * 80)
        for row in data {
            let line = String(decoding: row.line, as: UTF8.self).replacingOccurrences(of: "\"", with: "\"\"")
            csv += "1,\(row.receivedAt),\(row.eventTime),\(row.classname),\(row.list ?? ""),\(row.function ?? ""),\(row.objectID ?? ""),\"\(line)\"\n"
        }
        try csv.write(toFile: csvPath, atomically: false, encoding: .utf8)
        let shellPath = folderURL.appendingPathComponent("shell.db").path
        do {
            let (shellDatabase, _) = try Database.openWriter(path: shellPath)
            try shellDatabase.execute("INSERT INTO collection_session (session_id, server, connected_at) VALUES (1, 'bench', 0)")
        }
        let script = """
            PRAGMA synchronous = NORMAL;
            PRAGMA foreign_keys = ON;
            CREATE TEMP TABLE staging (session_id, received_at, event_time, class, list, function, object_id, line);
            .mode csv
            .import \(csvPath) staging
            INSERT INTO journal_line (session_id, received_at, event_time, class, list, function, object_id, malformed, line)
              SELECT CAST(session_id AS INTEGER), CAST(received_at AS REAL), CAST(event_time AS REAL), class,
                     NULLIF(list, ''), NULLIF(function, ''), NULLIF(object_id, ''), NULL, CAST(line AS BLOB) FROM staging;
            """
        let shell = try runShell(database: shellPath, script: script)
        let shellCount = try Database(path: shellPath, mode: .readOnly).fetchInt64("SELECT count(*) FROM journal_line") ?? 0
        guard shellCount == rows else { throw ValidationError("the shell imported \(shellCount) rows, expected \(rows)") }

        // The shell's best case: .import straight into a plain table with the same columns,
        // no STRICT types, no BLOB cast, no foreign key.
        let plainPath = folderURL.appendingPathComponent("plain.db").path
        let plainScript = """
            PRAGMA journal_mode = WAL;
            PRAGMA synchronous = NORMAL;
            CREATE TABLE journal (session_id, received_at, event_time, class, list, function, object_id, line);
            .mode csv
            .import \(csvPath) journal
            """
        let plain = try runShell(database: plainPath, script: plainScript)
        let plainCount = try Database(path: plainPath, mode: .readOnly).fetchInt64("SELECT count(*) FROM journal") ?? 0
        guard plainCount == rows else { throw ValidationError("the shell imported \(plainCount) rows, expected \(rows)") }

        let ourRate = Double(rows) / ours.seconds
        let shellRate = Double(rows) / shell.seconds
        print(String(format: "storage (batched transactions): %.3f s, %.0f rows/s, %.1f MB/s", ours.seconds, ourRate, Double(bytes) / ours.seconds / 1e6))
        print(String(format: "sqlite3 shell .import:          %.3f s, %.0f rows/s, %.1f MB/s", shell.seconds, shellRate, Double(bytes) / shell.seconds / 1e6))
        print(String(format: "sqlite3 shell .import, plain table: %.3f s, %.0f rows/s, %.1f MB/s", plain.seconds, Double(rows) / plain.seconds, Double(bytes) / plain.seconds / 1e6))
        print(String(format: "ratio storage / shell into journal: %.2f (target >= 0.5)", ourRate / shellRate))
        print(String(format: "ratio storage / shell into a plain table: %.2f", ourRate / (Double(rows) / plain.seconds)))
    }
}

extension JournalInsertBenchmark {
    /// Runs the shell on a script fed through standard input; the time includes starting it.
    func runShell(database: String, script: String) throws -> Duration {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: sqlite3)
        process.arguments = ["-bail", database]
        let input = Pipe()
        process.standardInput = input
        process.standardOutput = FileHandle.nullDevice
        let start = ContinuousClock.now
        try process.run()
        input.fileHandleForWriting.write(Data(script.utf8))
        try input.fileHandleForWriting.close()
        process.waitUntilExit()
        let elapsed = ContinuousClock.now - start
        guard process.terminationStatus == 0 else {
            throw ValidationError("sqlite3 failed with status \(process.terminationStatus)")
        }
        return elapsed
    }
}

extension Duration {
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
