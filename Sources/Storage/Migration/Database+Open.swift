#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Database {
    /// Opens the database for the collector (the single writer), creating it when missing
    /// and bringing its schema up to date. An index an import left unbuilt (killed while it
    /// caught up) is built first.
    public static func openWriter(path: String, fileMode: mode_t = 0o600) throws -> (Database, Migrator.Outcome) {
        let database = try Database(path: path, mode: .readWrite, fileMode: fileMode)
        let outcome = try Migrator.embedded().migrate(database)
        try database.buildDeferredIndexes()
        return (database, outcome)
    }

    /// Opens the database read-only, for a report or a supervisor's command, after checking
    /// that its schema is the one this binary knows.
    public static func openReader(path: String) throws -> Database {
        let database = try Database(path: path, mode: .readOnly)
        try Migrator.embedded().checkCurrent(database)
        return database
    }
}
