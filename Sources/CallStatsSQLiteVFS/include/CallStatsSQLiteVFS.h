#ifndef CALLSTATS_SQLITE_VFS_H
#define CALLSTATS_SQLITE_VFS_H

#include <sqlite3.h>

// A VFS over the platform's default one that gathers a connection's WAL appends into large
// writes (docs/ARCHITECTURE.md, "WAL writes"). SQLite writes each WAL frame with two `pwrite`s, the
// 24-byte frame header and the page, so a commit of 1,300 pages costs 2,600 system calls;
// through this VFS it costs about 45. Everything else passes through unchanged, and the files
// it writes are ordinary SQLite files that any other connection or tool reads.

/// The VFS's name for `sqlite3_open_v2`, registered (not as the default) on the first call;
/// thread-safe. NULL if SQLite could not register it.
const char *callstats_wal_vfs_name(void);

/// What a connection's WAL file was asked to write and what it wrote
/// (`sqlite3_file_control(db, "main", CALLSTATS_WAL_FCNTL_COUNTS, &counts)`; SQLITE_NOTFOUND
/// while the connection has no WAL open).
typedef struct {
    sqlite3_int64 writesReceived;
    sqlite3_int64 bytesReceived;
    sqlite3_int64 writesIssued;
    sqlite3_int64 bytesWritten;
    /// Write-outs left to the shared-memory barrier, the second guard (none, if the first holds).
    sqlite3_int64 barrierWrites;
} CallStatsWALCounts;

#define CALLSTATS_WAL_FCNTL_COUNTS 0x43535701

/// For tests: the connection's next flush of gathered WAL writes fails with
/// SQLITE_IOERR_WRITE, as a write to a full or failing disk would, and writes nothing.
#define CALLSTATS_WAL_FCNTL_FAIL_NEXT_FLUSH 0x43535702

#endif
