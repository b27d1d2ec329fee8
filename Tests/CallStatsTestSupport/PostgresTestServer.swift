import Foundation
import Logging
import NIOPosix
import PostgresNIO

#if canImport(Glibc)
import Glibc
#endif

/// A real PostgreSQL server for the tests: a throwaway cluster (`initdb` into a temporary
/// folder, `postgres` on a free port of 127.0.0.1, password logins), started once per test
/// process and stopped when the process ends (its folder removed), with a fresh database for
/// each test.
///
/// Debian's `postgresql` package provides the binaries (`/usr/lib/postgresql/VERSION/bin`);
/// `.ci/run` installs it. PostgreSQL refuses to run as root: as root, the cluster runs as the
/// `postgres` user (the package creates it), else `nobody`.
///
/// ```swift
/// @Test(PostgresTestServer.tool.trait)
/// func example() async throws {
///     let database = try await PostgresTestServer.database()
///     try await database.createQueueLogTable(.text)
///     try await database.insert([["2012-07-01 08:00:00.000000", "1.1", "sales", "NONE", "ENTERQUEUE", "", "0601", "1"]])
///     // callstats import queue-log --postgres \(database.url) with PGPASSWORD=\(PostgresTestServer.password)
/// }
/// ```
public final class PostgresTestServer: Sendable {
    public static let user = "callstats_test"
    public static let password = "callstats-test-password"

    /// `initdb` of the newest PostgreSQL installed.
    public static let tool = RequiredTool(
        "PostgreSQL server", candidates: serverCandidates(), install: "apt-get install -y postgresql")

    public let host = "127.0.0.1"
    public let port: Int
    /// The wrapper's standard input: the server stops when it closes, at this process's end.
    private let keepAlive: FileHandle

    private init(port: Int, keepAlive: FileHandle) {
        self.port = port
        self.keepAlive = keepAlive
    }

    /// A new, empty database on the process's server (started on first use), for one test.
    public static func database() async throws -> PostgresTestDatabase {
        let server = try await Starter.shared.server()
        let name = "test_\(UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: ""))"
        try await server.withConnection(database: "postgres") { connection in
            // A generated name of letters and digits: an identifier needs no binding.
            try await connection.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \"\(name)\""), logger: Self.logger)
        }
        return PostgresTestDatabase(server: server, name: name)
    }

    static let logger = Logger(label: "callstats.tests.postgres")

    public func configuration(database: String, password: String? = PostgresTestServer.password) -> PostgresConnection.Configuration {
        PostgresConnection.Configuration(host: host, port: port, username: Self.user, password: password, database: database, tls: .disable)
    }

    public func connect(database: String) async throws -> PostgresConnection {
        try await PostgresConnection.connect(
            on: MultiThreadedEventLoopGroup.singleton.any(), configuration: configuration(database: database), id: 1, logger: Self.logger)
    }

    @discardableResult
    public func withConnection<T>(database: String, _ body: (PostgresConnection) async throws -> T) async throws -> T {
        let connection = try await connect(database: database)
        do {
            let result = try await body(connection)
            try await connection.close()
            return result
        } catch {
            try? await connection.close()
            throw error
        }
    }

    // MARK: Starting the cluster

    /// `initdb` in each `/usr/lib/postgresql/VERSION/bin`, the newest first.
    static func serverCandidates() -> [String] {
        let root = "/usr/lib/postgresql"
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        let sorted = versions.sorted { (Int($0) ?? 0, $0) > (Int($1) ?? 0, $1) }
        return sorted.map { "\(root)/\($0)/bin/initdb" } + ["/usr/lib/postgresql/15/bin/initdb"]
    }

    /// Starts the one server of this process.
    actor Starter {
        static let shared = Starter()
        private var started: Task<PostgresTestServer, any Error>?

        func server() async throws -> PostgresTestServer {
            if let started { return try await started.value }
            let task = Task { try await offPool { try PostgresTestServer.start() } }
            started = task
            return try await task.value
        }
    }

    /// initdb, then `postgres` as the child of a shell that stops it (fast shutdown) and
    /// removes the cluster when its standard input closes: when this process ends, however it ends.
    static func start() throws -> PostgresTestServer {
        let initdb = try tool.require()
        let bin = (initdb as NSString).deletingLastPathComponent
        let owner: (name: String, uid: uid_t, gid: gid_t)? = geteuid() == 0 ? serverUser() : nil
        if geteuid() == 0 && owner == nil {
            throw TestFailure("running as root, and neither the postgres user nor nobody exists to run PostgreSQL as")
        }
        var failure = ""
        // A free port, asked of the system; taken by another process in between, the server
        // does not start and the next attempt takes another.
        for _ in 0..<3 {
            var template = Array((FileManager.default.temporaryDirectory.path + "/callstats-pg-XXXXXX").utf8CString)
            guard template.withUnsafeMutableBufferPointer({ $0.baseAddress.map { mkdtemp($0) != nil } ?? false }) else {
                throw TestFailure("mkdtemp failed: \(String(cString: strerror(errno)))")
            }
            let folder = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
            let passwordFile = folder + "/password"
            try Data((password + "\n").utf8).write(to: URL(fileURLWithPath: passwordFile))
            if let owner {
                guard chown(folder, owner.uid, owner.gid) == 0, chown(passwordFile, owner.uid, owner.gid) == 0 else {
                    throw TestFailure("chown \(folder) to \(owner.name): \(String(cString: strerror(errno)))")
                }
            }
            let data = folder + "/data"
            let setup = try run([initdb, "-D", data, "-U", user, "--pwfile=\(passwordFile)", "--auth-host=scram-sha-256",
                                 "--auth-local=trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"], as: owner?.name)
            guard setup.status == 0 else { throw TestFailure("initdb failed: \(setup.output)") }
            let port = try freePort()
            let log = Pipe()
            var server = [bin + "/postgres", "-D", data, "-p", String(port), "-k", data, "-c", "listen_addresses=127.0.0.1",
                          "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off", "-c", "max_connections=200"]
            if let owner {
                // setpriv execs the server (runuser would stay its parent): the child is the server.
                server = ["/usr/bin/setpriv", "--reuid=\(owner.uid)", "--regid=\(owner.gid)", "--clear-groups", "--"] + server
            }
            // A shell runs the server in the foreground, so it learns of its exit without a
            // signal (the signals this process blocks, SIGCHLD among them, stay blocked in its
            // children; the `wait` builtin would never return). Its background reader stops the
            // server (fast shutdown, to the pid the server wrote) when the shell's standard input
            // closes: this process ended, however it ended. Then the shell removes the cluster.
            // A server that exits by itself ends the shell too, so its log ends.
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", """
                exec 3<&0
                (read -r _ <&3; kill -INT "$(head -n 1 "$0/data/postmaster.pid")") >/dev/null 2>&1 &
                stopper=$!
                "$@" </dev/null 3<&-
                kill "$stopper" 2>/dev/null
                rm -rf "$0"
                """, folder] + server
            process.currentDirectoryURL = URL(fileURLWithPath: "/")
            let input = Pipe()
            process.standardInput = input
            process.standardOutput = log
            process.standardError = log
            try process.run()
            let (ready, said) = Self.awaitReady(log.fileHandleForReading)
            if ready {
                return PostgresTestServer(port: port, keepAlive: input.fileHandleForWriting)
            }
            failure = said
            try? input.fileHandleForWriting.close()
        }
        throw TestFailure("PostgreSQL did not start: \(failure)")
    }

    /// Reads what the server logs until it says it accepts connections (true) or exits (its
    /// log ends: false, with what it said). Then the log is read on, and dropped, so that the
    /// server never blocks on a full pipe.
    private static func awaitReady(_ log: FileHandle) -> (Bool, String) {
        var said = Data()
        while true {
            let chunk = log.availableData
            if chunk.isEmpty { return (false, String(decoding: said, as: UTF8.self)) }
            said.append(chunk)
            if String(decoding: said, as: UTF8.self).contains("database system is ready to accept connections") {
                DispatchQueue.global().async {
                    while !log.availableData.isEmpty {}
                }
                return (true, "")
            }
        }
    }

    private static func serverUser() -> (name: String, uid: uid_t, gid: gid_t)? {
        for name in ["postgres", "nobody"] {
            if let entry = getpwnam(name) {
                return (name, entry.pointee.pw_uid, entry.pointee.pw_gid)
            }
        }
        return nil
    }

    private static func run(_ command: [String], as user: String?) throws -> (status: Int32, output: String) {
        let process = Process()
        if let user {
            process.executableURL = URL(fileURLWithPath: "/usr/sbin/runuser")
            process.arguments = ["-u", user, "--"] + command
        } else {
            process.executableURL = URL(fileURLWithPath: command[0])
            process.arguments = Array(command.dropFirst())
        }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        // Run where the server's user may read (runuser keeps the folder).
        process.currentDirectoryURL = URL(fileURLWithPath: "/")
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// A port nothing listens on now (the cluster binds it right after).
    private static func freePort() throws -> Int {
        let (descriptor, port) = try LoopbackSocket.bind(listen: false)
        close(descriptor)
        return port
    }
}

/// One test's database on the test server, with XiVO/Wazo's `queue_log` table.
public struct PostgresTestDatabase: Sendable {
    public let server: PostgresTestServer
    public let name: String

    /// How the table's `time` column is declared.
    public enum TimeColumn: Sendable {
        /// XiVO's `varchar(26)` (and Wazo's until 2020): the PBX's wall clock as text.
        case text
        /// Wazo's `timestamp with time zone` since 2020.
        case timestamptz
    }

    /// `postgres://USER@127.0.0.1:PORT/NAME?sslmode=disable`, for `--postgres` (the password
    /// is `PostgresTestServer.password`: PGPASSWORD or a file).
    public var url: String {
        "postgres://\(PostgresTestServer.user)@\(server.host):\(server.port)/\(name)?sslmode=disable"
    }

    /// XiVO's table (xivo-manage-db): `id` serial, `time`, `callid`, `queuename`, `agent`,
    /// `event`, `data1` to `data5`.
    public func createQueueLogTable(_ time: TimeColumn, table: String = "queue_log") async throws {
        let column = time == .text ? "time varchar(26) NOT NULL DEFAULT ''" : "time timestamp with time zone NOT NULL"
        try await execute("""
            CREATE TABLE \(try Self.quoted(table)) (
                \(column), callid varchar(80) NOT NULL DEFAULT '', queuename varchar(256) NOT NULL DEFAULT '',
                agent varchar(80) NOT NULL DEFAULT '', event varchar(20) NOT NULL DEFAULT '', data1 varchar(30) DEFAULT '',
                data2 varchar(30) DEFAULT '', data3 varchar(30) DEFAULT '', data4 varchar(30) DEFAULT '', data5 varchar(30) DEFAULT '',
                id serial PRIMARY KEY)
            """)
    }

    /// Inserts rows given as `[time, callid, queuename, agent, event, data1, ..., data5]`
    /// (missing data columns are empty), each its own statement in one transaction unless
    /// `connection` is given. `time` is the PBX's wall clock (`2012-07-01 08:00:00.000000`);
    /// into a `timestamptz` column it is read in `zone`, as Wazo's server does in its own.
    public func insert(_ rows: [[String]], table: String = "queue_log", zone: String = "UTC", on connection: PostgresConnection? = nil) async throws {
        let quoted = try Self.quoted(table)
        let body = { (connection: PostgresConnection) in
            try await connection.query(PostgresQuery(unsafeSQL: "SET TIME ZONE '\(zone.filter { $0.isLetter || $0 == "/" || $0 == "_" })'"), logger: PostgresTestServer.logger)
            for row in rows {
                var binds = PostgresBindings(capacity: 10)
                for index in 0..<10 {
                    binds.append(index < row.count ? row[index] : "")
                }
                // The text cast lets the server read the time into either column type.
                try await connection.query(PostgresQuery(unsafeSQL: """
                    INSERT INTO \(quoted) (time, callid, queuename, agent, event, data1, data2, data3, data4, data5)
                    VALUES (CAST($1::text AS \(try await self.timeType(table: table, on: connection))), $2, $3, $4, $5, $6, $7, $8, $9, $10)
                    """, binds: binds), logger: PostgresTestServer.logger)
            }
        }
        if let connection {
            try await body(connection)
        } else {
            try await server.withConnection(database: name) { connection in
                try await connection.query("BEGIN", logger: PostgresTestServer.logger)
                try await body(connection)
                try await connection.query("COMMIT", logger: PostgresTestServer.logger)
            }
        }
    }

    private func timeType(table: String, on connection: PostgresConnection) async throws -> String {
        for try await type in try await connection.query(
            "SELECT data_type::text FROM information_schema.columns WHERE table_name = \(table) AND column_name = 'time'",
            logger: PostgresTestServer.logger).decode(String.self) {
            return type == "timestamp with time zone" ? "timestamptz" : "varchar"
        }
        throw TestFailure("no table \(table)")
    }

    /// Runs SQL on the database (no values: the tests' own statements).
    public func execute(_ sql: String) async throws {
        try await server.withConnection(database: name) { connection in
            try await connection.query(PostgresQuery(unsafeSQL: sql), logger: PostgresTestServer.logger)
        }
    }

    /// A connection of the test's own (a transaction left open while an import runs); the
    /// caller closes it.
    public func connect() async throws -> PostgresConnection {
        try await server.connect(database: name)
    }

    static func quoted(_ table: String) throws -> String {
        guard !table.isEmpty, table.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) else {
            throw TestFailure("not a plain table name: \(table)")
        }
        return "\"\(table)\""
    }
}
