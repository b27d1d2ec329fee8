import CallStatsSQLite

/// Brings a database's schema to the latest version, one migration per transaction.
///
/// The version lives in SQLite's `user_version` header field, and each applied migration is
/// also recorded in `schema_migration` with its name and time. Both are written inside the
/// migration's own transaction, so a migration that fails leaves the database exactly as it was.
public struct Migrator: Sendable {
    public let migrations: [Migration]

    /// - Throws: when the versions are not 1, 2, 3, ... without gaps or repeats.
    public init(migrations: [Migration]) throws(StorageError) {
        let sorted = migrations.sorted { $0.version < $1.version }
        for (offset, migration) in sorted.enumerated() where migration.version != offset + 1 {
            throw StorageError(
                resultCode: SQLITE_ERROR,
                message: "migrations must be numbered 1, 2, 3... without gaps: expected \(offset + 1), found \(migration.version) (\(migration.name))"
            )
        }
        self.migrations = sorted
    }

    /// The migrations compiled into this binary from `migrations/`.
    public static func embedded() throws(StorageError) -> Migrator {
        var migrations: [Migration] = []
        for (fileName, sql) in EmbeddedMigrations.files {
            guard let migration = Migration(fileName: fileName, sql: sql) else {
                throw StorageError(resultCode: SQLITE_ERROR, message: "migrations/\(fileName) is not named NNNN_name.sql")
            }
            migrations.append(migration)
        }
        return try Migrator(migrations: migrations)
    }

    public var latestVersion: Int { migrations.last?.version ?? 0 }

    public func currentVersion(of database: Database) throws(StorageError) -> Int {
        Int(try database.fetchInt64("PRAGMA user_version") ?? 0)
    }

    public struct Outcome: Sendable, Equatable {
        public let fromVersion: Int
        public let toVersion: Int
        public let applied: [String]
    }

    /// Applies every migration newer than the database, in order.
    ///
    /// - Throws: when the database was written by a newer `callstats`, or a migration fails
    ///   (the database then stays at the last version that succeeded).
    @discardableResult
    public func migrate(_ database: Database) throws -> Outcome {
        let start = try currentVersion(of: database)
        try refuseNewer(start)
        var applied: [String] = []
        // A migration may rebuild a table other tables refer to (SQLite's documented
        // create, copy, drop, rename procedure): foreign keys are off while it runs, which
        // only a connection outside a transaction can switch, and checked before it commits.
        try database.execute(sql: "PRAGMA foreign_keys = OFF")
        defer { try? database.execute(sql: "PRAGMA foreign_keys = ON") }
        for migration in migrations where migration.version > start {
            let didApply = try database.write { () throws -> Bool in
                // Another process may have migrated between our check and our write lock.
                let current = try currentVersion(of: database)
                try refuseNewer(current)
                guard current == migration.version - 1 else { return false }
                do {
                    try database.execute(sql: Self.historyTable)
                    try database.execute(sql: migration.sql)
                } catch let error as StorageError {
                    throw StorageError(
                        resultCode: error.resultCode,
                        message: "migration \(migration.fileName) failed: \(error.message)",
                        sql: error.sql
                    )
                }
                if let violation = try database.fetchString("SELECT \"table\" || ' row ' || rowid || ' refers to a missing ' || parent FROM pragma_foreign_key_check LIMIT 1") {
                    throw StorageError(resultCode: SQLITE_CONSTRAINT, message: "migration \(migration.fileName) broke a reference: \(violation)")
                }
                try database.execute(
                    "INSERT INTO schema_migration (version, name, applied_at) VALUES (?, ?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))",
                    migration.version, migration.name
                )
                // PRAGMA takes no bound parameter; the version is our own integer, not input.
                try database.execute(sql: "PRAGMA user_version = \(migration.version)")
                return true
            }
            if didApply { applied.append(migration.name) }
        }
        return Outcome(fromVersion: start, toVersion: try currentVersion(of: database), applied: applied)
    }

    /// For readers, which never migrate: the database must be at exactly this binary's version.
    public func checkCurrent(_ database: Database) throws(StorageError) {
        let version = try currentVersion(of: database)
        try refuseNewer(version)
        if version == 0 {
            throw StorageError(resultCode: SQLITE_ERROR, message: "\(database.path) holds no CallStats data (schema version 0); run `callstats migrate --db \(database.path)` or collect into it first")
        }
        if version < latestVersion {
            throw StorageError(resultCode: SQLITE_ERROR, message: "\(database.path) has schema version \(version), this callstats needs \(latestVersion); run `callstats migrate --db \(database.path)`")
        }
    }

    private func refuseNewer(_ version: Int) throws(StorageError) {
        if version > latestVersion {
            throw StorageError(
                resultCode: SQLITE_ERROR,
                message: "the database has schema version \(version), written by a newer callstats; this callstats knows versions up to \(latestVersion): upgrade callstats"
            )
        }
    }

    private static let historyTable = """
        CREATE TABLE IF NOT EXISTS schema_migration (
            version    INTEGER PRIMARY KEY,
            name       TEXT NOT NULL,
            applied_at TEXT NOT NULL
        ) STRICT;
        """
}
