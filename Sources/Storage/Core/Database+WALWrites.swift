import CallStatsSQLite
import CallStatsSQLiteVFS

extension Database {
    /// What this connection's WAL was asked to write, and what reached the file in how many
    /// writes (docs/ARCHITECTURE.md, "WAL writes"). Nil while no WAL is open, or for a
    /// connection that does not write through the gathering VFS (a reader).
    public var walWriteCounts: (writesReceived: Int64, bytesReceived: Int64, writesIssued: Int64, bytesWritten: Int64, barrierWrites: Int64)? {
        var counts = CallStatsWALCounts()
        guard sqlite3_file_control(handle, "main", CALLSTATS_WAL_FCNTL_COUNTS, &counts) == SQLITE_OK else { return nil }
        return (counts.writesReceived, counts.bytesReceived, counts.writesIssued, counts.bytesWritten, counts.barrierWrites)
    }

    /// For tests: the next write of this connection's gathered WAL appends fails as a failing
    /// disk's would (SQLITE_IOERR_WRITE) and writes nothing. Returns false while no WAL is open.
    public func failNextWALWrite() -> Bool {
        sqlite3_file_control(handle, "main", CALLSTATS_WAL_FCNTL_FAIL_NEXT_FLUSH, nil) == SQLITE_OK
    }
}
