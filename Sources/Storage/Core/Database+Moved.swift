import CallStatsSQLite

extension Database {
    /// True when the file this connection has open is no longer the file at `path`: renamed
    /// away, replaced by another file, or deleted. (SQLite's unix VFS compares the inode it
    /// opened with the one the path names now.)
    public var fileHasMoved: Bool {
        var moved: Int32 = 0
        let code = sqlite3_file_control(handle, "main", SQLITE_FCNTL_HAS_MOVED, &moved)
        return code == SQLITE_OK && moved != 0
    }

    /// Refuses every commit once the file has moved: a writer must never go on writing into
    /// a file nobody will read again (its lines would be lost without a word), nor append to
    /// a WAL that, still named `PATH-wal`, would be replayed into the new file at `PATH`.
    /// The refused commit rolls back and throws `StorageError` with `isDatabaseMoved`.
    func refuseCommitsOnceMoved() {
        sqlite3_commit_hook(handle, { context in
            guard let context else { return 0 }
            var moved: Int32 = 0
            let code = sqlite3_file_control(OpaquePointer(context), "main", SQLITE_FCNTL_HAS_MOVED, &moved)
            return code == SQLITE_OK && moved != 0 ? 1 : 0
        }, UnsafeMutableRawPointer(handle))
    }

    /// The error for a commit the hook refused, saying why in words.
    func explainRefusedCommit(_ error: StorageError) -> StorageError {
        guard error.resultCode == StorageError.constraintCommitHook, fileHasMoved else { return error }
        return StorageError(
            resultCode: StorageError.readOnlyDatabaseMoved,
            message: "\(path) was renamed, replaced or deleted while open: nothing more is written to it",
            sql: error.sql)
    }

    /// After the file moved: copies the WAL's committed pages into the moved file and empties
    /// the WAL, so the moved file is whole and the WAL left under `PATH-wal` holds nothing
    /// that the next connection to the new file at `PATH` could take for its own.
    public func checkpointMovedFile() throws(StorageError) {
        guard !isInTransaction else {
            throw StorageError(resultCode: SQLITE_MISUSE, message: "a transaction is still open", sql: "PRAGMA wal_checkpoint(TRUNCATE)")
        }
        _ = try checkpoint(.truncate).get()
    }
}

extension StorageError {
    /// True when a commit was refused because the database file was renamed, replaced or
    /// deleted while the connection had it open.
    public var isDatabaseMoved: Bool { resultCode == Self.readOnlyDatabaseMoved }

    // SQLite's extended codes are macros Swift does not import.
    /// `SQLITE_READONLY_DBMOVED`: SQLite's own code for a database file moved while open.
    static let readOnlyDatabaseMoved: Int32 = SQLITE_READONLY | (4 << 8)
    /// `SQLITE_CONSTRAINT_COMMITHOOK`: a commit hook turned the commit into a rollback.
    static let constraintCommitHook: Int32 = SQLITE_CONSTRAINT | (2 << 8)
}
