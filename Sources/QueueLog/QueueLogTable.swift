import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO

/// Where XiVO/Wazo's `queue_log` table is: `--postgres URL` and `--table`, without the
/// password, which never comes from the command line (`--password-file`, else `PGPASSWORD`).
public struct QueueLogTableAddress: Sendable, Equatable {
    public enum TLSMode: String, Sendable {
        /// Clear text.
        case disable
        /// TLS when the server offers it, its certificate not verified (libpq's default).
        case prefer
        /// TLS or nothing, the certificate not verified (libpq's `require`).
        case require
        /// TLS with the certificate verified against the system's authorities and the host name.
        case verifyFull = "verify-full"
    }

    /// A host name or address; nil with `socketPath`.
    public var host: String?
    public var port: Int
    /// A Unix socket (`?host=/var/run/postgresql` in the URL): the folder's `.s.PGSQL.PORT`.
    public var socketPath: String?
    public var user: String
    public var database: String
    public var tls: TLSMode
    public var table: QueueLogTableName

    /// Reads `postgres://USER@HOST[:PORT]/DATABASE[?sslmode=...&host=/socket/folder]`
    /// (`postgresql://` too). A password in the URL is refused: the command line is visible to
    /// every user of the machine.
    public init(url text: String, table: QueueLogTableName, environment: [String: String] = ProcessInfo.processInfo.environment) throws(QueueLogTableError) {
        guard let url = URLComponents(string: text), let scheme = url.scheme?.lowercased(), scheme == "postgres" || scheme == "postgresql" else {
            throw .address("--postgres: not a PostgreSQL URL (postgres://USER@HOST[:PORT]/DATABASE): '\(text)'")
        }
        if url.password != nil {
            throw .address("--postgres: the URL holds a password; give it with --password-file or PGPASSWORD instead, never on the command line")
        }
        var query: [String: String] = [:]
        for item in url.queryItems ?? [] {
            query[item.name] = item.value ?? ""
        }
        for name in query.keys where !["sslmode", "host", "port", "user", "dbname"].contains(name) {
            throw .address("--postgres: unknown URL parameter '\(name)' (known: sslmode, host, port, user, dbname)")
        }
        if let mode = query["sslmode"] {
            guard let parsed = TLSMode(rawValue: mode) else {
                throw .address("--postgres: sslmode must be disable, prefer, require or verify-full, not '\(mode)'")
            }
            tls = parsed
        } else {
            tls = .prefer
        }
        let portText = query["port"] ?? url.port.map(String.init)
        if let portText {
            guard let value = Int(portText), (1...65535).contains(value) else {
                throw .address("--postgres: port must be a number from 1 to 65535, not '\(portText)'")
            }
            port = value
        } else {
            port = 5432
        }
        let hostParameter = query["host"] ?? (url.host?.isEmpty == false ? url.host : nil)
        if let hostParameter, hostParameter.hasPrefix("/") {
            socketPath = hostParameter + "/.s.PGSQL.\(port)"
            host = nil
        } else {
            host = hostParameter ?? "localhost"
            socketPath = nil
        }
        guard let user = query["user"] ?? url.user.flatMap({ $0.isEmpty ? nil : $0 }) ?? environment["PGUSER"] else {
            throw .address("--postgres: no user: postgres://USER@HOST/DATABASE (or PGUSER)")
        }
        self.user = user
        let path = url.path.hasPrefix("/") ? String(url.path.dropFirst()) : url.path
        database = query["dbname"] ?? (path.isEmpty ? "asterisk" : path)
        self.table = table
    }

    /// The source's name (`queue_log_source.name`): where the rows are, not who reads them, so
    /// another login to the same table is the same source and adds nothing twice.
    public var sourceName: String {
        let place = socketPath.map { "unix:\($0)" } ?? "\(host.map { $0.contains(":") ? "[\($0)]" : $0 } ?? "localhost"):\(port)"
        return "postgres://\(place)/\(database)?table=\(table.description)"
    }

    /// For messages: the URL without a password (there is none).
    public var display: String { "postgres://\(user)@\(socketPath ?? "\(host ?? "localhost"):\(port)")/\(database)" }
}

/// `--table`: `name` or `schema.name`, each an SQL identifier of letters, digits, `_` and `$`
/// (not starting with a digit), as PostgreSQL stores it. It is quoted into the queries, never
/// interpolated as given.
public struct QueueLogTableName: Sendable, Equatable, CustomStringConvertible {
    public let schema: String?
    public let name: String

    public init(_ text: String) throws(QueueLogTableError) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 1 || parts.count == 2, parts.allSatisfy(Self.isIdentifier) else {
            throw .address("--table: '\(text)' is not a table name (letters, digits, _ and $, optionally schema.table)")
        }
        schema = parts.count == 2 ? parts[0] : nil
        name = parts[parts.count - 1]
    }

    static func isIdentifier(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, text.utf8.count <= 63 else { return false }
        let letter = { (c: Unicode.Scalar) in (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || c == "_" }
        return letter(first) && text.unicodeScalars.allSatisfy { letter($0) || ($0 >= "0" && $0 <= "9") || $0 == "$" }
    }

    /// `"schema"."name"`: safe to put in SQL since `isIdentifier` admits no quote.
    var quoted: String {
        (schema.map { "\"\($0)\"." } ?? "") + "\"\(name)\""
    }

    public var description: String { (schema.map { $0 + "." } ?? "") + name }
}

public enum QueueLogTableError: Error, CustomStringConvertible, Equatable {
    /// The address or the table's name as given.
    case address(String)
    /// The server, the login, the table: one line, what failed and why.
    case server(String)

    public var description: String {
        switch self {
        case .address(let text), .server(let text): return text
        }
    }
}

/// One connection to the PBX's PostgreSQL, reading its `queue_log` table by `id`.
///
/// Rows become lines in Asterisk's file form (`epoch|callid|queue|agent|event|data1...`), so the
/// one interpreter of queue_log lines reads them and the journal keeps them as Asterisk writes
/// its file (docs/RECORDING.md "Asterisk's queue_log").
public final class QueueLogTable: Sendable {
    /// How the table's `time` column is read.
    public enum TimeForm: Sendable, Equatable {
        /// `timestamp with time zone` (Wazo since 2020): an instant.
        case instant
        /// `varchar` (XiVO, older Wazo) or `timestamp without time zone`: the PBX's wall clock.
        case localTime
    }

    public let address: QueueLogTableAddress
    public let timeForm: TimeForm
    private let connection: PostgresConnection
    private let logger: Logger
    private let select: String

    private init(address: QueueLogTableAddress, timeForm: TimeForm, connection: PostgresConnection, logger: Logger) {
        self.address = address
        self.timeForm = timeForm
        self.connection = connection
        self.logger = logger
        select = Self.selectSQL(table: address.table, timeForm: timeForm)
    }

    /// The batch query: rows after `$1`, at most `$2`, in `id` order, every column as text,
    /// with whether the row is settled.
    static func selectSQL(table: QueueLogTableName, timeForm: TimeForm) -> String {
        let time = timeForm == .instant ? "(\"time\" AT TIME ZONE 'UTC')::text" : "\"time\"::text"
        // A row is settled when the transaction that wrote it is older than every transaction
        // still running (`age` counts back from now: a larger age is older; a negative one
        // wrapped, from more than 2^31 transactions ago). Only then can no row with a smaller
        // `id` still appear: ids are taken before the rows are committed, so a row can become
        // visible after one with a larger id. A gap in the ids is passed only at a settled row.
        // `row_id`, not `id`: ORDER BY would take an output column named `id` (the cast) and
        // sort the whole table at every batch instead of reading the primary key's index.
        return """
            SELECT id::int8 AS row_id, \(time), callid::text, queuename::text, agent::text, event::text,
                   data1::text, data2::text, data3::text, data4::text, data5::text,
                   (age(xmin) > (SELECT age((txid_snapshot_xmin(txid_current_snapshot()) % 4294967296)::text::xid)) OR age(xmin) < 0)
            FROM \(table.quoted) WHERE id > $1 ORDER BY id LIMIT $2
            """
    }

    /// Connects, logs in and finds the table and the form of its `time` column. Every
    /// failure is one line naming what failed (the server, the login, the table).
    public static func connect(address: QueueLogTableAddress, password: String?, logger: Logger) async throws(QueueLogTableError) -> QueueLogTable {
        let tls: PostgresConnection.Configuration.TLS
        do {
            switch address.tls {
            case .disable:
                tls = .disable
            case .prefer, .require:
                var configuration = TLSConfiguration.makeClientConfiguration()
                configuration.certificateVerification = .none
                let context = try NIOSSLContext(configuration: configuration)
                tls = address.tls == .prefer ? .prefer(context) : .require(context)
            case .verifyFull:
                tls = .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
            }
        } catch {
            throw .server("\(address.display): TLS cannot be set up: \(error)")
        }
        var configuration: PostgresConnection.Configuration
        if let socket = address.socketPath {
            configuration = .init(unixSocketPath: socket, username: address.user, password: password, database: address.database)
        } else {
            configuration = .init(host: address.host ?? "localhost", port: address.port, username: address.user, password: password,
                                  database: address.database, tls: tls)
        }
        configuration.options.connectTimeout = .seconds(10)
        let connection: PostgresConnection
        do {
            connection = try await PostgresConnection.connect(
                on: MultiThreadedEventLoopGroup.singleton.any(), configuration: configuration, id: 1, logger: logger)
        } catch {
            throw .server("\(address.display): \(Self.explain(error, password: password))")
        }
        do {
            let form = try await timeForm(of: address.table, on: connection, logger: logger)
            guard let form else {
                throw QueueLogTableError.server(
                    "\(address.display): no table \(address.table) with a time column in database \(address.database) (or \(address.user) may not read it)")
            }
            return QueueLogTable(address: address, timeForm: form, connection: connection, logger: logger)
        } catch {
            try? await connection.close()
            if let error = error as? QueueLogTableError { throw error }
            throw .server("\(address.display): \(Self.explain(error, password: password))")
        }
    }

    private static func timeForm(of table: QueueLogTableName, on connection: PostgresConnection, logger: Logger) async throws -> TimeForm? {
        let query: PostgresQuery
        if let schema = table.schema {
            query = "SELECT data_type::text FROM information_schema.columns WHERE table_schema = \(schema) AND table_name = \(table.name) AND column_name = 'time'"
        } else {
            query = "SELECT data_type::text FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = \(table.name) AND column_name = 'time'"
        }
        for try await type in try await connection.query(query, logger: logger).decode(String.self) {
            return type == "timestamp with time zone" ? .instant : .localTime
        }
        return nil
    }

    public func close() async {
        try? await connection.close()
    }

    /// How long a batch may take before the connection is taken for lost (a half-open TCP
    /// connection to a PBX that went away answers nothing, ever).
    static let queryTimeout: Duration = .seconds(60)

    /// Rows after `afterID` (all of them when nil), at most `limit`, in `id` order, as lines.
    /// Stops before a gap in the ids that rows still being written may fill.
    public func rows(after afterID: Int64?, limit: Int, converter: inout QueueLogTimeConverter) async throws(QueueLogTableError) -> QueueLogTableBatch {
        // A query on a connection the server closed would wait for an answer forever.
        guard !connection.isClosed else {
            throw .server("\(address.display): the server closed the connection")
        }
        let start = converter
        do {
            let (batch, updated) = try await withThrowingTaskGroup(of: (QueueLogTableBatch, QueueLogTimeConverter)?.self) { group in
                group.addTask {
                    var converter = start
                    let batch = try await self.read(after: afterID, limit: limit, converter: &converter)
                    return (batch, converter)
                }
                group.addTask {
                    try await Task.sleep(for: Self.queryTimeout)
                    return nil
                }
                defer { group.cancelAll() }
                guard let first = try await group.next(), let result = first else {
                    throw QueueLogTableError.server("\(self.address.display): no answer from the server in \(Self.queryTimeout)")
                }
                return result
            }
            converter = updated
            return batch
        } catch let error as QueueLogTableError {
            await close()
            throw error
        } catch {
            await close()
            throw .server("\(address.display): reading \(address.table): \(Self.explain(error, password: nil))")
        }
    }

    private func read(after afterID: Int64?, limit: Int, converter: inout QueueLogTimeConverter) async throws -> QueueLogTableBatch {
        var batch = QueueLogTableBatch()
        var binds = PostgresBindings(capacity: 2)
        binds.append(afterID ?? Int64.min)
        binds.append(Int64(limit))
        let query = PostgresQuery(unsafeSQL: select, binds: binds)
        var previous = afterID
        for try await row in try await connection.query(query, logger: logger) {
            batch.rowsSeen += 1
            var cells = row.makeIterator()
            guard let idCell = cells.next() else { continue }
            let id = try idCell.decode(Int64.self)
            var line: [UInt8] = []
            line.reserveCapacity(128)
            var fields: [ByteBuffer?] = []
            fields.reserveCapacity(10)
            for _ in 0..<10 {
                fields.append(cells.next()?.bytes)
            }
            let settled = try cells.next()?.decode(Bool.self) ?? true
            if let previous, id != previous + 1, !settled {
                batch.waiting = true
                break
            }
            converter.appendTime(fields[0], to: &line)
            // The data columns Asterisk left empty at the end are not written, as in its file.
            var last = 9
            while last > 4, (fields[last]?.readableBytes ?? 0) == 0 { last -= 1 }
            for index in 1...last {
                line.append(UInt8(ascii: "|"))
                if let bytes = fields[index] {
                    line.append(contentsOf: bytes.readableBytesView)
                }
            }
            batch.lines.append((id, line))
            previous = id
        }
        return batch
    }

    /// One line from PostgresNIO's error: the server's own message (wrong password, no such
    /// column), else what the connection met. PSQLError prints nothing useful on its own.
    static func explain(_ error: any Error, password: String?) -> String {
        if let error = error as? PSQLError {
            if let message = error.serverInfo?[.message] {
                let state = error.serverInfo?[.sqlState]
                if state == "28P01" || state == "28000" {
                    return message + (password == nil ? " (no password given: --password-file or PGPASSWORD)" : "")
                }
                return message
            }
            switch error.code {
            case .authMechanismRequiresPassword:
                return "the server asks for a password: give it with --password-file or PGPASSWORD"
            case .sslUnsupported:
                return "the server does not offer TLS (sslmode=require was asked)"
            case .serverClosedConnection, .uncleanShutdown:
                return "the server closed the connection"
            case .connectionError:
                if let underlying = error.underlying {
                    return "cannot connect: \(Self.plain(underlying))"
                }
                return "cannot connect"
            default:
                if let underlying = error.underlying {
                    return "\(error.code): \(Self.plain(underlying))"
                }
                return "\(error.code)"
            }
        }
        if error is CancellationError { return "cancelled" }
        return Self.plain(error)
    }

    private static func plain(_ error: any Error) -> String {
        if let error = error as? IOError {
            return String(cString: strerror(error.errnoCode))
        }
        // Every address tried failed: the first one's reason says it (refused, unreachable).
        if let error = error as? NIOConnectionError {
            if let failure = error.connectionErrors.first {
                return "\(error.host) port \(error.port): \(plain(failure.error))"
            }
            if let lookup = error.dnsAError ?? error.dnsAAAAError {
                return "\(error.host): \(plain(lookup))"
            }
        }
        let text = String(describing: error)
        return text.split(separator: "\n").first.map(String.init) ?? text
    }
}

/// Rows read, as lines with their ids.
public struct QueueLogTableBatch: Sendable {
    public var lines: [(id: Int64, line: [UInt8])] = []
    /// Rows the server sent (some may be after a gap, not taken yet).
    public var rowsSeen = 0
    /// Stopped before a gap that rows still being written may fill: read again soon.
    public var waiting = false
}
