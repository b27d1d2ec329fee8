import CallStatsTestSupport
import Foundation
import NIOCore
import PostgresNIO
import Storage
import Logging
import Testing
@testable import QueueLog

/// The real binary against a real PostgreSQL server (`PostgresTestServer`): XiVO's and Wazo's
/// `queue_log` table.
@Suite("queue_log from PostgreSQL", PostgresTestServer.tool.trait)
struct QueueLogPostgresTests {
    static let zone = "Europe/Paris"

    /// A file line as the table's row: `[time, callid, queuename, agent, event, data1...data5]`
    /// with the time as the PBX's wall clock in `zone` (XiVO's `%F %T.%6q`), the sixth data
    /// field on joined into data5 as Asterisk's realtime logger does.
    static func row(_ line: String, zone: String = zone) -> [String] {
        let fields = line.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: zone)
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss.SSSSSS"
        let time = formatter.string(from: Date(timeIntervalSince1970: Double(fields[0]) ?? 0))
        var data = Array(fields.dropFirst(5))
        if data.count > 5 {
            data = Array(data[0..<4]) + [data[4...].joined(separator: "|")]
        }
        return [time] + Array(fields[1..<5]) + data
    }

    static func environment() -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["PGPASSWORD"] = PostgresTestServer.password
        return environment
    }

    static func importTable(_ binary: CallStatsBinary, db: String, url: String, extra: [String] = []) throws -> CallStatsBinary.Result {
        try binary.run(["import", "queue-log", "--db", db, "--postgres", url] + extra, environment: environment())
    }

    static func report(_ binary: CallStatsBinary, _ kind: String, db: String) throws -> String {
        let result = try binary.run(["report", kind, "--db", db, "--date", "2023-11-14", "--tz", "UTC", "--interval", "total", "--format", "csv"])
        #expect(result.status == 0, "\(result.stderr)")
        return result.stdout
    }

    static func journalLines(_ path: String) throws -> Int64 {
        let database = try Database.openReader(path: path)
        return try JournalReader(database: database).lineCount()
    }

    @Test("text and timestamptz time columns give the figures the same lines give from a file")
    func sameFiguresAsFile() async throws {
        let binary = try CallStatsBinary.built()
        let folder = try TemporaryFolder()
        let rows = QueueLogImportTests.day.map { Self.row($0) }

        let text = try await PostgresTestServer.database()
        try await text.createQueueLogTable(.text)
        try await text.insert(rows)
        // Wazo since 2020: the server reads the wall clock in its own zone, the PBX's.
        let instant = try await PostgresTestServer.database()
        try await instant.createQueueLogTable(.timestamptz)
        try await instant.insert(rows, zone: Self.zone)

        let file = folder.path("queue_log")
        try Data((QueueLogImportTests.day.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: file))
        let fromFile = try binary.run(["import", "queue-log", "--db", folder.path("file.db"), file])
        #expect(fromFile.status == 0, "\(fromFile.stderr)")

        let fromText = try Self.importTable(binary, db: folder.path("text.db"), url: text.url, extra: ["--pbx-tz", Self.zone])
        #expect(fromText.status == 0, "\(fromText.stderr)")
        #expect(fromText.stdout.hasPrefix("queue_log: postgres://127.0.0.1:\(text.server.port)/\(text.name)?table=queue_log, 14 rows read, 14 added, 0 unreadable"))
        // The machine's zone does not matter for a timestamptz column.
        let fromInstant = try Self.importTable(binary, db: folder.path("instant.db"), url: instant.url, extra: ["--pbx-tz", "America/New_York"])
        #expect(fromInstant.status == 0, "\(fromInstant.stderr)")

        for kind in ["missed", "occupancy"] {
            let expected = try Self.report(binary, kind, db: folder.path("file.db"))
            #expect(expected.split(whereSeparator: \.isNewline).count == 2, "\(expected)")
            #expect(try Self.report(binary, kind, db: folder.path("text.db")) == expected, "\(kind), text column")
            #expect(try Self.report(binary, kind, db: folder.path("instant.db")) == expected, "\(kind), timestamptz column")
        }

        // Importing again adds nothing; rows added since are read alone.
        let again = try Self.importTable(binary, db: folder.path("text.db"), url: text.url, extra: ["--pbx-tz", Self.zone])
        #expect(again.stdout.contains(", 0 rows read, 0 added"), "\(again.stdout)")
        try await text.insert([Self.row(QueueLogImportTests.line(600, "4.1|sales|NONE|ENTERQUEUE||0622222222|1"))])
        let grown = try Self.importTable(binary, db: folder.path("text.db"), url: text.url, extra: ["--pbx-tz", Self.zone])
        #expect(grown.stdout.contains(", 1 rows read, 1 added"), "\(grown.stdout)")
        #expect(try Self.journalLines(folder.path("text.db")) == 15)
    }

    @Test("--follow picks up rows inserted while it runs; status shows it live; SIGTERM exits 0 with every row committed")
    func follow() async throws {
        let binary = try CallStatsBinary.built()
        let folder = try TemporaryFolder()
        let db = folder.path("calls.db")
        let table = try await PostgresTestServer.database()
        try await table.createQueueLogTable(.timestamptz)
        let rows = QueueLogImportTests.day.map { Self.row($0, zone: "UTC") }
        try await table.insert(Array(rows[0..<4]))

        let follower = try RunningCallStats(binary: binary, arguments: [
            "import", "queue-log", "--db", db, "--postgres", table.url, "--follow", "--poll-interval", "0.05",
        ], environment: Self.environment())
        try await eventually("the first rows") { (try? Self.journalLines(db)) == 4 }

        let status = try binary.run(["status", "--db", db])
        #expect(status.stdout.contains("following: session 1, queue_log table postgres://127.0.0.1:\(table.server.port)/\(table.name)?table=queue_log"),
                "\(status.stdout)")

        // One at a time, as Asterisk writes them, and a batch.
        for row in rows[4..<8] {
            try await table.insert([row])
        }
        try await eventually("rows inserted one by one") { (try? Self.journalLines(db)) == 8 }
        try await table.insert(Array(rows[8...]))
        try await eventually("the rest of the day") { (try? Self.journalLines(db)) == 14 }

        follower.signal(SIGTERM)
        let status2 = try await follower.exitStatus()
        #expect(status2 == 0, "\(follower.standardError())")
        let session = try Database.openReader(path: db)
        var ended: [String] = []
        try session.makeStatement("SELECT end_reason FROM collection_session").forEachRow { ended.append($0.string(0) ?? "-") }
        #expect(ended == ["shutdown"])
        var lastRowID: Int64 = 0
        try session.makeStatement("SELECT last_row_id FROM queue_log_source").forEachRow { lastRowID = $0.int64(0) }
        #expect(lastRowID == 14)
    }

    @Test("rows inserted during an import are neither lost nor doubled, even committed out of id order")
    func concurrentInserts() async throws {
        let binary = try CallStatsBinary.built()
        let folder = try TemporaryFolder()
        let db = folder.path("calls.db")
        let table = try await PostgresTestServer.database()
        try await table.createQueueLogTable(.text)
        let lines = (0..<60).map { QueueLogImportTests.line($0, "\($0).1|sales|NONE|ENTERQUEUE||06\($0)|1") }
        try await table.insert(lines[0..<10].map { Self.row($0) })

        // A transaction takes id 11 and stays open while id 12 and on are committed: a reader
        // by id that moved past 11 would never see it.
        let open = try await table.connect()
        try await open.query("BEGIN", logger: Logger(label: "test"))
        try await table.insert([Self.row(lines[10])], on: open)
        try await table.insert(lines[11..<20].map { Self.row($0) })

        let first = try Self.importTable(binary, db: db, url: table.url, extra: ["--pbx-tz", Self.zone])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains(", 10 rows read, 10 added, 0 unreadable; stopped before rows still being written"), "\(first.stdout)")

        try await open.query("COMMIT", logger: Logger(label: "test"))
        try await open.close()

        // A follower while rows keep coming, one transaction each, from two writers at once.
        let follower = try RunningCallStats(binary: binary, arguments: [
            "import", "queue-log", "--db", db, "--postgres", table.url, "--pbx-tz", Self.zone, "--follow", "--poll-interval", "0.02",
        ], environment: Self.environment())
        try await withThrowingTaskGroup(of: Void.self) { group in
            for part in [Array(lines[20..<40]), Array(lines[40..<60])] {
                group.addTask {
                    for line in part { try await table.insert([Self.row(line)]) }
                }
            }
            try await group.waitForAll()
        }
        try await eventually("every row") { (try? Self.journalLines(db)) == 60 }
        follower.signal(SIGINT)
        let exit = try await follower.exitStatus()
        #expect(exit == 0, "\(follower.standardError())")

        let again = try Self.importTable(binary, db: db, url: table.url, extra: ["--pbx-tz", Self.zone])
        #expect(again.stdout.contains(", 0 rows read, 0 added"), "\(again.stdout)")
        // Every caller once.
        let database = try Database.openReader(path: db)
        var visits: [String] = []
        try database.makeStatement("SELECT uniqueid FROM queue_visit ORDER BY uniqueid").forEachRow { visits.append($0.string(0) ?? "") }
        #expect(visits == (0..<60).map { "\($0).1" }.sorted())
        #expect(try Self.journalLines(db) == 60)
    }

    @Test("--follow with --password-file: a connection the server ends is opened again, and no row is lost")
    func followReconnects() async throws {
        let binary = try CallStatsBinary.built()
        let folder = try TemporaryFolder()
        let db = folder.path("calls.db")
        let passwordFile = folder.path("password")
        try Data((PostgresTestServer.password + "\n").utf8).write(to: URL(fileURLWithPath: passwordFile))
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: passwordFile)
        let table = try await PostgresTestServer.database()
        try await table.createQueueLogTable(.text)
        let rows = QueueLogImportTests.day.map { Self.row($0) }
        try await table.insert(Array(rows[0..<5]))

        var environment = ProcessInfo.processInfo.environment
        environment["PGPASSWORD"] = nil
        let follower = try RunningCallStats(binary: binary, arguments: [
            "import", "queue-log", "--db", db, "--postgres", table.url, "--password-file", passwordFile, "--pbx-tz", Self.zone,
            "--follow", "--poll-interval", "0.05",
        ], environment: environment)
        try await eventually("the first rows") { (try? Self.journalLines(db)) == 5 }

        // The PBX's PostgreSQL restarted, as far as the follower can tell: its connection ended.
        try await table.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
        try await table.insert(Array(rows[5...]))
        try await eventually("the rows written after the connection ended") { (try? Self.journalLines(db)) == 14 }
        follower.signal(SIGTERM)
        #expect(try await follower.exitStatus() == 0)
        let errors = follower.standardError()
        #expect(errors.contains("connecting again"), "\(errors)")
        #expect(!errors.contains(PostgresTestServer.password))
        #expect(follower.nextLine()?.contains("14 rows read, 14 added") == true)
    }

    @Test("each batch reads the primary key's index in id order, never a sort of the whole table", arguments: [PostgresTestDatabase.TimeColumn.text, .timestamptz])
    func batchReadsTheIndex(_ column: PostgresTestDatabase.TimeColumn) async throws {
        let table = try await PostgresTestServer.database()
        try await table.createQueueLogTable(column)
        let sql = QueueLogTable.selectSQL(table: try QueueLogTableName("queue_log"), timeForm: column == .text ? .localTime : .instant)
        let plan = try await table.server.withConnection(database: table.name) { connection in
            // With sorting priced out, a plan still sorts only when the order is not the index's.
            try await connection.query("SET enable_sort = off", logger: Logger(label: "test"))
            var binds = PostgresBindings()
            binds.append(Int64(100))
            binds.append(Int64(5_000))
            var lines: [String] = []
            for try await line in try await connection.query(PostgresQuery(unsafeSQL: "EXPLAIN " + sql, binds: binds), logger: Logger(label: "test"))
                .decode(String.self) {
                lines.append(line)
            }
            return lines.joined(separator: "\n")
        }
        #expect(plan.contains("Index Scan using queue_log_pkey"), "\(plan)")
        #expect(!plan.contains("Sort"), "\(plan)")
    }

    @Test("batches of 3 rows (each read while the one before is recorded) give what one import of the file gives")
    func smallBatches() async throws {
        let folder = try TemporaryFolder()
        let db = folder.path("calls.db")
        let table = try await PostgresTestServer.database()
        try await table.createQueueLogTable(.text)
        try await table.insert(QueueLogImportTests.day.map { Self.row($0) })
        let address = try QueueLogTableAddress(url: table.url, table: QueueLogTableName("queue_log"))
        let summary = try await Task {
            let (database, _) = try Database.openWriter(path: db)
            let writer = try QueueLogWriter(database: database, now: { 1_800_000_000 }, logger: Logger(label: "test"))
            return try await QueueLogImportRun.table(
                connect: { () async throws(QueueLogTableError) in
                    try await QueueLogTable.connect(address: address, password: PostgresTestServer.password, logger: Logger(label: "test"))
                },
                pbxZone: TimeZone(identifier: Self.zone) ?? .gmt, follow: false, writer: writer,
                polling: QueueLogPolling(interval: .seconds(1)), batchSize: 3, logger: Logger(label: "test"))
        }.value
        #expect((summary.linesRead, summary.added, summary.unreadable) == (14, 14, 0))

        let file = try QueueLogFixture()
        try file.write("queue_log", QueueLogImportTests.day)
        try file.importFiles(["queue_log"])
        let imported = try Database.openReader(path: db)
        var visits: [String] = []
        try imported.makeStatement("SELECT queue_id, uniqueid, caller_number, join_time, leave_time, outcome, agent_id FROM queue_visit ORDER BY visit_id")
            .forEachRow { row in visits.append((0..<row.columnCount).map { row.value($0).text }.joined(separator: " ")) }
        #expect(visits == (try file.visits()))
        var lastRowID: Int64 = 0
        try imported.makeStatement("SELECT last_row_id FROM queue_log_source").forEachRow { lastRowID = $0.int64(0) }
        #expect(lastRowID == 14)
    }

    @Test("the hour DST repeats, through XiVO's text column and two imports: the first pass as summer time, the second as winter time")
    func repeatedHour() async throws {
        let binary = try CallStatsBinary.built()
        let folder = try TemporaryFolder()
        let db = folder.path("calls.db")
        let table = try await PostgresTestServer.database()
        try await table.createQueueLogTable(.text)
        // Paris, 2025-10-26: 02:00-02:59 is shown at +02:00, then again at +01:00 (a night in the past:
        // an import reads no line dated after this machine's clock).
        try await table.insert([
            ["2025-10-26 01:50:00.000000", "NONE", "NONE", "Agent/1001", "AGENTCALLBACKLOGIN", "1001@default"],
            ["2025-10-26 01:59:50.000000", "1.1", "sales", "NONE", "ENTERQUEUE", "", "0601020304", "1"],
            ["2025-10-26 02:00:05.000000", "1.1", "sales", "Agent/1001", "CONNECT", "15", "1.2", "4"],
            ["2025-10-26 02:50:00.000000", "1.1", "sales", "Agent/1001", "COMPLETECALLER", "15", "2995", "1"],
        ])
        let first = try Self.importTable(binary, db: db, url: table.url, extra: ["--pbx-tz", Self.zone])
        #expect(first.status == 0, "\(first.stderr)")
        // The second pass, read by the next import: it knows where the first left the log.
        try await table.insert([
            ["2025-10-26 02:10:00.000000", "2.1", "sales", "NONE", "ENTERQUEUE", "", "0602020304", "1"],
            ["2025-10-26 02:10:20.000000", "2.1", "sales", "Agent/1001", "CONNECT", "20", "2.2", "4"],
            ["2025-10-26 03:30:00.000000", "2.1", "sales", "Agent/1001", "COMPLETECALLER", "20", "4780", "1"],
            ["2025-10-26 03:30:00.000000", "NONE", "NONE", "Agent/1001", "AGENTCALLBACKLOGOFF", "1001@default", "9600", ""],
        ])
        let second = try Self.importTable(binary, db: db, url: table.url, extra: ["--pbx-tz", Self.zone])
        #expect(second.status == 0, "\(second.stderr)")

        let database = try Database.openReader(path: db)
        var visits: [String] = []
        try database.makeStatement("SELECT uniqueid, join_time, leave_time - join_time FROM queue_visit ORDER BY visit_id").forEachRow { row in
            visits.append("\(row.string(0) ?? "") \(Int64(row.double(1))) \(row.double(2))")
        }
        // 01:59:50+02:00 and 02:00:05+02:00; 02:10:00+01:00.
        #expect(visits == ["1.1 1761436790 15.0", "2.1 1761441000 20.0"])
        var seconds: [String: Double] = [:]
        try database.makeStatement("SELECT state, sum(end_time - start_time) FROM agent_state_interval WHERE agent_id = 'Agent/1001' GROUP BY state")
            .forEachRow { row in seconds[row.string(0) ?? ""] = (row.double(1) * 1000).rounded() / 1000 }
        // From 01:50+02:00 to 03:30+01:00; the calls 02:00:05-02:50:00+02:00 and 02:10:20-03:30:00+01:00.
        #expect(seconds["acd_call"] == Double(2995 + 4780))
        #expect(seconds["available"] == Double(9600 - 2995 - 4780))
    }

    @Test("a wrong password, a missing table, a password in the URL: one clear line and a non-zero exit")
    func failures() async throws {
        let binary = try CallStatsBinary.built()
        let folder = try TemporaryFolder()
        let db = folder.path("calls.db")
        let table = try await PostgresTestServer.database()
        try await table.createQueueLogTable(.text)

        var environment = Self.environment()
        environment["PGPASSWORD"] = "not the password"
        let wrong = try binary.run(["import", "queue-log", "--db", db, "--postgres", table.url], environment: environment)
        #expect(wrong.status == 1)
        #expect(wrong.stderr == "Error: postgres://callstats_test@127.0.0.1:\(table.server.port)/\(table.name): password authentication failed for user \"callstats_test\"\n")
        #expect(!wrong.stderr.contains("not the password"))

        let passwordFile = folder.path("password")
        try Data("not it either\n".utf8).write(to: URL(fileURLWithPath: passwordFile))
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: passwordFile)
        let wrongFile = try binary.run(["import", "queue-log", "--db", db, "--postgres", table.url, "--password-file", passwordFile],
                                       environment: Self.environment())
        #expect(wrongFile.status == 1)
        #expect(wrongFile.stderr.contains("password authentication failed"), "\(wrongFile.stderr)")

        let missing = try Self.importTable(binary, db: db, url: table.url, extra: ["--table", "queue_log_old"])
        #expect(missing.status == 1)
        #expect(missing.stderr == "Error: postgres://callstats_test@127.0.0.1:\(table.server.port)/\(table.name): no table queue_log_old with a time column in database \(table.name) (or callstats_test may not read it)\n")

        let injected = try Self.importTable(binary, db: db, url: table.url, extra: ["--table", "queue_log; DROP TABLE queue_log"])
        #expect(injected.status == 64)
        #expect(injected.stderr.contains("--table: 'queue_log; DROP TABLE queue_log' is not a table name"), "\(injected.stderr)")

        let inURL = try binary.run(["import", "queue-log", "--db", db, "--postgres", "postgres://callstats_test:secret@127.0.0.1/x"])
        #expect(inURL.status == 64)
        #expect(inURL.stderr.contains("the URL holds a password"), "\(inURL.stderr)")

        // Nothing listening.
        let refused = try binary.run(["import", "queue-log", "--db", db, "--postgres", "postgres://u@127.0.0.1:1/asterisk?sslmode=disable"],
                                     environment: Self.environment())
        #expect(refused.status == 1)
        #expect(refused.stderr == "Error: postgres://u@127.0.0.1:1/asterisk: cannot connect: 127.0.0.1 port 1: Connection refused\n",
                "\(refused.stderr)")
        #expect(refused.stderr.split(separator: "\n").count == 1)
    }
}

@Suite("queue_log table times")
struct QueueLogTimeConverterTests {
    func epoch(_ text: String, zone: String) -> String? {
        var converter = QueueLogTimeConverter(zone: TimeZone(identifier: zone) ?? .gmt)
        var line: [UInt8] = []
        converter.appendTime(ByteBuffer(string: text), to: &line)
        return String(decoding: line, as: UTF8.self)
    }

    @Test("the PBX's wall clock in its zone, exact to the microsecond; UTC text; what is not a time is kept")
    func times() {
        #expect(epoch("2012-07-01 08:00:00.000000", zone: "Europe/Paris") == "1341122400")
        #expect(epoch("2012-07-01 08:00:00.250000", zone: "Europe/Paris") == "1341122400.25")
        #expect(epoch("2012-12-01 08:00:00.000001", zone: "Europe/Paris") == "1354345200.000001")
        #expect(epoch("2023-11-14 22:13:20", zone: "UTC") == "1700000000")
        #expect(epoch("2023-11-14 22:13:20.5", zone: "UTC") == "1700000000.5")
        #expect(epoch("2024-02-29 23:59:59", zone: "America/New_York") == "1709269199")
        #expect(epoch("yesterday|noon", zone: "UTC") == "yesterday noon")
        #expect(epoch("2012-13-01 08:00:00", zone: "UTC") == "2012-13-01 08:00:00")
    }

    static let paris = TimeZone(identifier: "Europe/Paris") ?? .gmt

    /// The PBX's wall clock at `epoch` as XiVO writes it.
    static func wallClock(_ epoch: Int64) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = paris
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return formatter.string(from: Date(timeIntervalSince1970: Double(epoch)))
    }

    static func read(_ texts: [String], with converter: inout QueueLogTimeConverter) -> [Int64?] {
        texts.map { text in
            var line: [UInt8] = []
            converter.appendTime(ByteBuffer(string: text), to: &line)
            return Int64(String(decoding: line, as: UTF8.self))
        }
    }

    @Test("the night DST ends, a line every 5 minutes from 01:30 to 03:30: the repeated hour as summer time, then as winter time, in order")
    func repeatedHourNight() {
        // 2027-10-31 01:30+02:00 to 03:30+01:00: 02:00-02:59 occurs twice.
        var instants = Array(stride(from: Int64(1_824_939_000), through: 1_824_949_800, by: 300))
        // Lines Asterisk wrote a second early, in each pass through the hour.
        instants.insert(1_824_941_399, at: instants.firstIndex(of: 1_824_941_400).map { $0 + 1 } ?? 0)
        instants.insert(1_824_944_999, at: instants.firstIndex(of: 1_824_945_000).map { $0 + 1 } ?? 0)
        let texts = instants.map(Self.wallClock)
        #expect(texts.filter { $0.hasPrefix("2027-10-31 02:10") }.count == 2)
        var converter = QueueLogTimeConverter(zone: Self.paris)
        #expect(Self.read(texts, with: &converter) == instants)
    }

    @Test("a year of lines every 15 minutes, written as the wall clock, reads back to every instant", arguments: [
        "Europe/Paris", "America/New_York", "Australia/Sydney", "America/Santiago",
    ])
    func yearOfWallClock(_ zoneName: String) throws {
        let zone = try #require(TimeZone(identifier: zoneName))
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = zone
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        var converter = QueueLogTimeConverter(zone: zone)
        var wrong: [String] = []
        // 2027-01-01T00:00:00Z, a year on.
        for instant in stride(from: Int64(1_798_761_600), to: 1_798_761_600 + 365 * 86_400, by: 900) {
            let text = formatter.string(from: Date(timeIntervalSince1970: Double(instant)))
            let read = Self.read([text], with: &converter)
            if read != [instant], wrong.count < 5 { wrong.append("\(text) -> \(String(describing: read[0])), not \(instant)") }
        }
        #expect(wrong.isEmpty, "\(wrong)")
    }

    @Test("a caller who joins at 01:59:50 and is answered at 02:00:05 waited 15 s; a new import goes on from the source's latest line")
    func repeatedHourPair() {
        var converter = QueueLogTimeConverter(zone: Self.paris)
        #expect(Self.read(["2027-10-31 01:59:50", "2027-10-31 02:00:05"], with: &converter) == [1_824_940_790, 1_824_940_805])
        // An import after one that read up to 01:59:50+02:00 still reads the first pass...
        var afterFirst = QueueLogTimeConverter(zone: Self.paris, latestRead: 1_824_940_790.001)
        #expect(Self.read(["2027-10-31 02:00:05"], with: &afterFirst) == [1_824_940_805])
        // ...and one after 02:55+02:00 the second.
        var afterSecond = QueueLogTimeConverter(zone: Self.paris, latestRead: 1_824_944_100)
        #expect(Self.read(["2027-10-31 02:00:05", "2027-10-31 03:00:00"], with: &afterSecond) == [1_824_944_405, 1_824_948_000])
        // The hour the clocks skip (Paris, 2027-03-28) moves forward by the change.
        var spring = QueueLogTimeConverter(zone: Self.paris)
        #expect(Self.read(["2027-03-28 01:59:00", "2027-03-28 02:30:00", "2027-03-28 03:30:00"], with: &spring)
                == [1_806_195_540, 1_806_197_400, 1_806_197_400])
        // Hours that are not repeated do not depend on what was read before.
        var late = QueueLogTimeConverter(zone: Self.paris, latestRead: 1_900_000_000)
        #expect(Self.read(["2027-10-31 01:59:50", "2027-10-31 03:00:00"], with: &late) == [1_824_940_790, 1_824_948_000])
    }
}
