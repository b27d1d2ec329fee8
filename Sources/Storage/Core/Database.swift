import CallStatsSQLite

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One connection to a CallStats SQLite database.
///
/// Threading rule: a `Database` is not `Sendable`. There is exactly one writer connection,
/// owned by a single owner (the collector's batch writer) that does every write through it;
/// every reader (reports, the supervisor's commands) opens its own read-only connection.
/// WAL mode lets readers see a consistent snapshot while the writer commits, and SQLite is
/// opened without its own mutexes because no connection is ever shared between threads.
public final class Database {
    public enum AccessMode: Sendable {
        /// Creates the file (mode 0600) when missing; WAL journal, for the single writer.
        case readWrite
        /// Never writes, never creates: reports and the supervisor's commands.
        case readOnly
    }

    public let path: String
    public let mode: AccessMode
    let handle: OpaquePointer
    private var statementCache: [String: Statement] = [:]
    /// The busy handler's state, when `waitForLocks` installed one.
    var lockWaiter: LockWaiter?

    /// Opens (and for `.readWrite` creates) the database at `path`.
    ///
    /// - Parameters:
    ///   - busyTimeout: how long a statement waits for another connection's lock before
    ///     failing with `SQLITE_BUSY`, in milliseconds.
    ///   - fileMode: the permissions of a file created here: the owner's alone unless asked
    ///     (`collect --group-readable`). SQLite gives the `-wal` and `-shm` files the same.
    public init(path: String, mode: AccessMode = .readWrite, busyTimeout: Int32 = 5_000, fileMode: mode_t = 0o600) throws(StorageError) {
        Database.configureSQLiteOnce()
        self.path = path
        self.mode = mode
        if mode == .readWrite {
            try Database.createFileIfMissing(path, fileMode: fileMode)
        }
        var flags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE
        flags |= mode == .readWrite ? SQLITE_OPEN_READWRITE : SQLITE_OPEN_READONLY
        var connection: OpaquePointer?
        let code = sqlite3_open_v2(path, &connection, flags, nil)
        guard code == SQLITE_OK, let connection else {
            let message = connection.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(code))
            let extended = connection.map { sqlite3_extended_errcode($0) } ?? code
            sqlite3_close_v2(connection)
            throw StorageError(resultCode: extended, message: message)
        }
        self.handle = connection
        sqlite3_extended_result_codes(connection, 1)
        do {
            try configure(busyTimeout: busyTimeout)
        } catch {
            statementCache.removeAll()
            sqlite3_close_v2(connection)
            throw error
        }
    }

    deinit {
        statementCache.removeAll()
        // close_v2 defers the close until any statement still alive elsewhere is finalized.
        sqlite3_close_v2(handle)
    }

    /// Process-wide SQLite settings, applied before the first connection opens.
    private static let sqliteConfigured: Bool = {
        _ = callstats_sqlite_disable_memory_statistics()
        return true
    }()

    private static func configureSQLiteOnce() {
        _ = sqliteConfigured
    }

    /// The collector's database holds call data: nobody but its owner (and, when asked, its
    /// group) should read it.
    private static func createFileIfMissing(_ path: String, fileMode: mode_t) throws(StorageError) {
        guard path != ":memory:", !path.isEmpty else { return }
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, fileMode)
        if descriptor >= 0 {
            // Exactly the mode asked, whatever the umask.
            fchmod(descriptor, fileMode)
            close(descriptor)
            return
        }
        let failure = errno
        if failure == EEXIST { return }
        let reason = String(cString: strerror(failure))
        throw StorageError(resultCode: SQLITE_CANTOPEN, message: "cannot create \(path): \(reason)")
    }

    private func configure(busyTimeout: Int32) throws(StorageError) {
        sqlite3_busy_timeout(handle, busyTimeout)
        // Reading the schema first turns "file is not a database" into an error here, at open,
        // rather than at the first query.
        _ = try fetchInt64("PRAGMA schema_version")
        switch mode {
        case .readWrite:
            // New databases get 8 KiB pages (an existing one keeps its own: SQLite changes the
            // page size of an empty database only). SQLite appends each page to the WAL with two
            // writes, its frame header and the page, so the collector's commits cost half as
            // many system calls as with 4 KiB pages: 1.3 to 2.7 s less CPU on the 2.4M-line
            // day, 3 to 12 % more lines/s (BENCHMARKS.md). 16 KiB pages wrote more bytes again.
            try execute(sql: "PRAGMA page_size = 8192")
            let journalMode = try fetchString("PRAGMA journal_mode = WAL")?.lowercased()
            let expected = path == ":memory:" || path.isEmpty ? "memory" : "wal"
            guard journalMode == expected else {
                throw StorageError(
                    resultCode: SQLITE_ERROR,
                    message: "could not switch \(path) to WAL journal mode (it stays '\(journalMode ?? "?")'); "
                        + "is it on a file system without shared memory support?"
                )
            }
            try execute(sql: "PRAGMA synchronous = NORMAL")
            try execute(sql: "PRAGMA foreign_keys = ON")
            // The `-wal` and `-shm` files stay when the last connection closes: a reader that
            // may not write the folder (a supervisor in the database's group) cannot create
            // them, and SQLite reads a WAL database only through them.
            if expected == "wal" {
                var persist: Int32 = 1
                sqlite3_file_control(handle, "main", SQLITE_FCNTL_PERSIST_WAL, &persist)
            }
            // The writer touches the journal's end and every derived table's indexes in each
            // batch: a 16 MiB page cache keeps those pages in memory instead of re-reading
            // them from the OS for every message. Measured on a 2.4M-line day (a 900 MB
            // database), 32 and 128 MiB were no faster, and the collector must stay under
            // 100 MB of memory.
            try setPageCache(kibibytes: Self.writerPageCacheKiB)
            if expected == "wal" { refuseCommitsOnceMoved() }
        case .readOnly:
            try execute(sql: "PRAGMA query_only = ON")
            try execute(sql: "PRAGMA foreign_keys = ON")
        }
    }

    /// The writer's page cache (see `init`).
    public static let writerPageCacheKiB = 16_384

    /// Sets this connection's page cache (`PRAGMA cache_size`, in KiB).
    public func setPageCache(kibibytes: Int) throws(StorageError) {
        try execute(sql: "PRAGMA cache_size = -\(max(kibibytes, 1))")
    }

    // MARK: Statements

    /// A statement prepared once per connection and reused: for SQL run many times.
    public func cachedStatement(_ sql: String) throws(StorageError) -> Statement {
        if let statement = statementCache[sql] {
            return statement
        }
        let statement = try Statement(connection: handle, sql: sql)
        statementCache[sql] = statement
        return statement
    }

    /// The SQL of every statement in the cache, in no order: what this connection has run
    /// through `cachedStatement`. The index-usage test plans each of them.
    public var cachedSQL: [String] { Array(statementCache.keys) }

    /// A fresh statement, finalized when released.
    public func makeStatement(_ sql: String) throws(StorageError) -> Statement {
        try Statement(connection: handle, sql: sql)
    }

    /// Runs SQL that may hold several statements and binds nothing (schema scripts, pragmas).
    public func execute(sql: String) throws(StorageError) {
        var errorMessage: UnsafeMutablePointer<CChar>?
        let code = sqlite3_exec(handle, sql, nil, nil, &errorMessage)
        if code != SQLITE_OK {
            let message = errorMessage.map { String(cString: $0) } ?? String(cString: sqlite3_errmsg(handle))
            sqlite3_free(errorMessage)
            throw StorageError(resultCode: sqlite3_extended_errcode(handle), message: message, sql: sql)
        }
    }

    /// Runs one statement with bound values, through the statement cache.
    public func execute(_ sql: String, _ values: any DatabaseBindable...) throws(StorageError) {
        try cachedStatement(sql).execute(values)
    }

    public func fetchInt64(_ sql: String, _ values: any DatabaseBindable...) throws(StorageError) -> Int64? {
        let statement = try cachedStatement(sql)
        statement.reset()
        try statement.bind(values)
        defer { statement.reset() }
        guard try statement.step(), !statement.isNull(0) else { return nil }
        return statement.int64(0)
    }

    public func fetchDouble(_ sql: String, _ values: any DatabaseBindable...) throws(StorageError) -> Double? {
        let statement = try cachedStatement(sql)
        statement.reset()
        try statement.bind(values)
        defer { statement.reset() }
        guard try statement.step(), !statement.isNull(0) else { return nil }
        return statement.double(0)
    }

    public func fetchString(_ sql: String, _ values: any DatabaseBindable...) throws(StorageError) -> String? {
        let statement = try cachedStatement(sql)
        statement.reset()
        try statement.bind(values)
        defer { statement.reset() }
        guard try statement.step() else { return nil }
        return statement.string(0)
    }

    public var lastInsertedRowID: Int64 { sqlite3_last_insert_rowid(handle) }

    /// Rows changed by the latest INSERT, UPDATE or DELETE.
    public var changes: Int { Int(sqlite3_changes64(handle)) }

    public var isInTransaction: Bool { sqlite3_get_autocommit(handle) == 0 }

    // MARK: Transactions

    /// Runs `body` in a write transaction, started with `BEGIN IMMEDIATE` so the write lock is
    /// taken up front (no deadlock upgrading a read lock), committed when `body` returns and
    /// rolled back when anything throws.
    public func write<T>(_ body: () throws -> T) throws -> T {
        try transaction(begin: "BEGIN IMMEDIATE", body)
    }

    /// Runs `body` in a read transaction: every query in it sees the same snapshot, however
    /// much the writer commits meanwhile.
    public func read<T>(_ body: () throws -> T) throws -> T {
        try transaction(begin: "BEGIN DEFERRED", body)
    }

    private func transaction<T>(begin: String, _ body: () throws -> T) throws -> T {
        guard !isInTransaction else {
            throw StorageError(resultCode: SQLITE_MISUSE, message: "a transaction is already open on this connection", sql: begin)
        }
        try execute(sql: begin)
        let result: T
        do {
            result = try body()
        } catch {
            rollbackIfOpen()
            throw error
        }
        do {
            try execute(sql: "COMMIT")
        } catch {
            rollbackIfOpen()
            throw explainRefusedCommit(error)
        }
        return result
    }

    // MARK: Long-lived write batches

    /// Begins a write batch that stays open across several calls (the collector's batches,
    /// which span many messages). Prefer `write { }` where one closure covers the work.
    public func beginImmediate() throws(StorageError) {
        guard !isInTransaction else {
            throw StorageError(resultCode: SQLITE_MISUSE, message: "a transaction is already open on this connection", sql: "BEGIN IMMEDIATE")
        }
        try execute(sql: "BEGIN IMMEDIATE")
    }

    public func commit() throws(StorageError) {
        do {
            try execute(sql: "COMMIT")
        } catch {
            throw explainRefusedCommit(error)
        }
    }

    /// Rolls back the open transaction, if SQLite has not already done so.
    public func rollback() {
        rollbackIfOpen()
    }

    /// SQLite rolls back by itself on some errors (a full disk, an interrupted statement):
    /// only roll back what is still open, and never let a rollback error hide the first one.
    private func rollbackIfOpen() {
        guard isInTransaction else { return }
        sqlite3_exec(handle, "ROLLBACK", nil, nil, nil)
    }
}

@available(*, unavailable, message: "one owner per connection: see the threading rule on Database")
extension Database: Sendable {}
