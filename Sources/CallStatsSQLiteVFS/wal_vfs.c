// A VFS that gathers WAL appends into large writes; docs/ARCHITECTURE.md "WAL writes" says why
// and what makes it safe. In short:
//
// - Only the WAL file of a connection is buffered; the database file, journals and temporary
//   files are passed through as they are.
// - A write that does not continue the buffer (SQLite rewriting an earlier frame, or the WAL
//   starting over) first writes the buffer out, so writes reach the file in SQLite's order.
// - Every other operation on the WAL (read, sync, truncate, size, file control, close) first
//   writes the buffer out, so SQLite never sees a file that differs from what it wrote.
// - A commit is complete in the file before SQLite publishes it. The frame header of a commit
//   (bytes 4-7, the database size after the commit, non-zero only there) is written out at
//   once with everything before it, and the write of the page that follows it too; a failure
//   is returned from those writes, so COMMIT fails instead of publishing frames that are not
//   in the file. (SQLite may rewrite the commit frame's header alone, after its page, when a
//   transaction rewrote frames in place: that header is written out at once as well.) Other
//   connections and processes only read frames that a published commit covers.
// - As a second guard, the database file's shared-memory barrier, which SQLite calls just
//   before it publishes a commit in the WAL index, writes out anything still gathered (and
//   counts it: the tests check it never has anything to write).
// - Nothing gathered outlives the connection's WAL write lock (or, in exclusive locking mode,
//   its lock on the database file): bytes of a transaction that spilled and rolled back are
//   written out before the lock is released, as SQLite alone would have written them, and
//   never later over frames another writer has committed.
// - A write-out that fails anywhere but in a write is reported as SQLITE_IOERR_WRITE, which
//   makes SQLite roll the whole transaction back (the bytes are gone).
// - Gathering needs no padding of commits to sectors: a WAL whose database file is not
//   power-safe to overwrite (SQLITE_IOCAP_POWERSAFE_OVERWRITE, the unix default) is passed
//   through unchanged.
#include "CallStatsSQLiteVFS.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

// The unix VFS writes at most 128 KiB - 1 bytes per call (os_unix.c, seekAndWriteFd).
#define BUFFER_CAPACITY (120 * 1024)
#define WAL_FRAME_HEADER_SIZE 24

typedef struct WALFile WALFile;
struct WALFile {
    sqlite3_file base;
    // The wrapped VFS's file, in the same allocation, right after this struct.
    sqlite3_file *real;
    // For a WAL file: its buffer. NULL for every other file.
    unsigned char *buffer;
    int used;
    sqlite3_int64 bufferStart;
    // The next write is the page of a commit frame: write it out at once.
    int flushAfterNextWrite;
    int failNextFlush;
    int deferredError;
    CallStatsWALCounts counts;
    // A WAL file and its database file point at each other while both are open.
    WALFile *wal;
    WALFile *database;
};

static sqlite3_vfs *wrapped;
static sqlite3_vfs vfs;
static const char *registeredName;
static pthread_once_t registration = PTHREAD_ONCE_INIT;

static int flush(WALFile *file) {
    if (file->used == 0) return SQLITE_OK;
    int size = file->used;
    file->used = 0;
    if (file->failNextFlush) {
        file->failNextFlush = 0;
        return SQLITE_IOERR_WRITE;
    }
    file->counts.writesIssued += 1;
    file->counts.bytesWritten += size;
    return file->real->pMethods->xWrite(file->real, file->buffer, size, file->bufferStart);
}

static void flushWAL(WALFile *database);

// A failure of a write-out that the barrier or the write lock's release could not return.
static int takeDeferredError(WALFile *file) {
    int rc = file->deferredError;
    file->deferredError = SQLITE_OK;
    return rc;
}

// Writes out the buffer before another operation on the WAL. A failure is an I/O error on
// writing, whatever the wrapped VFS said: the bytes are gone, and SQLite must roll the whole
// transaction back rather than the statement only (as it would for SQLITE_FULL).
static int flushBeforeUse(WALFile *file) {
    if (!file->buffer) return SQLITE_OK;
    int rc = flush(file);
    if (rc == SQLITE_OK) rc = takeDeferredError(file);
    return rc == SQLITE_OK ? SQLITE_OK : SQLITE_IOERR_WRITE;
}

static int fileClose(sqlite3_file *base) {
    WALFile *file = (WALFile *)base;
    int rc = flushBeforeUse(file);
    free(file->buffer);
    file->buffer = NULL;
    if (file->database) file->database->wal = NULL;
    if (file->wal) file->wal->database = NULL;
    int closed = file->real->pMethods->xClose(file->real);
    return rc != SQLITE_OK ? rc : closed;
}

static int fileRead(sqlite3_file *base, void *data, int amount, sqlite3_int64 offset) {
    WALFile *file = (WALFile *)base;
    int rc = flushBeforeUse(file);
    if (rc != SQLITE_OK) return rc;
    return file->real->pMethods->xRead(file->real, data, amount, offset);
}

static int fileWrite(sqlite3_file *base, const void *data, int amount, sqlite3_int64 offset) {
    WALFile *file = (WALFile *)base;
    if (!file->buffer) return file->real->pMethods->xWrite(file->real, data, amount, offset);
    file->counts.writesReceived += 1;
    file->counts.bytesReceived += amount;
    // Read and cleared first: a flag left by a commit header with no page after it (SQLite's
    // rewrite of headers) must not swallow the next commit's header.
    int commitPage = file->flushAfterNextWrite;
    file->flushAfterNextWrite = 0;
    int rc = takeDeferredError(file);
    if (rc != SQLITE_OK) return rc;
    if (file->used > 0 && (offset != file->bufferStart + file->used || file->used + amount > BUFFER_CAPACITY)) {
        rc = flush(file);
        if (rc != SQLITE_OK) return rc;
    }
    if (amount > BUFFER_CAPACITY) {
        // Larger than SQLite's largest page: not from SQLite's WAL code, but written whole,
        // in pieces the wrapped VFS takes.
        const unsigned char *bytes = data;
        for (int done = 0; done < amount; done += BUFFER_CAPACITY) {
            int size = amount - done < BUFFER_CAPACITY ? amount - done : BUFFER_CAPACITY;
            file->counts.writesIssued += 1;
            file->counts.bytesWritten += size;
            rc = file->real->pMethods->xWrite(file->real, bytes + done, size, offset + done);
            if (rc != SQLITE_OK) return rc;
        }
        return SQLITE_OK;
    }
    if (file->used == 0) file->bufferStart = offset;
    memcpy(file->buffer + file->used, data, (size_t)amount);
    file->used += amount;
    // A commit frame's header: out now, with everything before it, and its page next.
    const unsigned char *header = data;
    int commitHeader = amount == WAL_FRAME_HEADER_SIZE && (header[4] | header[5] | header[6] | header[7]);
    file->flushAfterNextWrite = commitHeader;
    if (commitPage || commitHeader) return flush(file);
    return SQLITE_OK;
}

static int fileTruncate(sqlite3_file *base, sqlite3_int64 size) {
    WALFile *file = (WALFile *)base;
    int rc = flushBeforeUse(file);
    return rc != SQLITE_OK ? rc : file->real->pMethods->xTruncate(file->real, size);
}

static int fileSync(sqlite3_file *base, int flags) {
    WALFile *file = (WALFile *)base;
    int rc = flushBeforeUse(file);
    return rc != SQLITE_OK ? rc : file->real->pMethods->xSync(file->real, flags);
}

static int fileSize(sqlite3_file *base, sqlite3_int64 *size) {
    WALFile *file = (WALFile *)base;
    int rc = flushBeforeUse(file);
    return rc != SQLITE_OK ? rc : file->real->pMethods->xFileSize(file->real, size);
}

static int fileLock(sqlite3_file *base, int level) {
    WALFile *file = (WALFile *)base;
    return file->real->pMethods->xLock(file->real, level);
}

static int fileUnlock(sqlite3_file *base, int level) {
    WALFile *file = (WALFile *)base;
    // In exclusive locking mode SQLite releases no WAL write lock (wal.c, walUnlockExclusive);
    // leaving that mode releases the database file's lock instead, before another writer can
    // write: nothing gathered may be written after that.
    flushWAL(file);
    return file->real->pMethods->xUnlock(file->real, level);
}

static int fileCheckReservedLock(sqlite3_file *base, int *reserved) {
    WALFile *file = (WALFile *)base;
    return file->real->pMethods->xCheckReservedLock(file->real, reserved);
}

static int fileControl(sqlite3_file *base, int op, void *argument) {
    WALFile *file = (WALFile *)base;
    switch (op) {
    case CALLSTATS_WAL_FCNTL_COUNTS:
        if (!file->wal) return SQLITE_NOTFOUND;
        *(CallStatsWALCounts *)argument = file->wal->counts;
        return SQLITE_OK;
    case CALLSTATS_WAL_FCNTL_FAIL_NEXT_FLUSH:
        if (!file->wal) return SQLITE_NOTFOUND;
        file->wal->failNextFlush = 1;
        return SQLITE_OK;
    default: {
        int rc = flushBeforeUse(file);
        return rc != SQLITE_OK ? rc : file->real->pMethods->xFileControl(file->real, op, argument);
    }
    }
}

static int fileSectorSize(sqlite3_file *base) {
    WALFile *file = (WALFile *)base;
    return file->real->pMethods->xSectorSize(file->real);
}

static int fileDeviceCharacteristics(sqlite3_file *base) {
    WALFile *file = (WALFile *)base;
    return file->real->pMethods->xDeviceCharacteristics(file->real);
}

static int fileShmMap(sqlite3_file *base, int region, int size, int extend, void volatile **memory) {
    WALFile *file = (WALFile *)base;
    return file->real->pMethods->xShmMap(file->real, region, size, extend, memory);
}

// Writes out what the database file's WAL still gathers, where SQLite cannot take an error;
// a failure is returned by the WAL's next operation.
static void flushWAL(WALFile *database) {
    WALFile *wal = database->wal;
    if (wal == NULL) return;
    wal->flushAfterNextWrite = 0;
    if (wal->used == 0) return;
    int rc = flush(wal);
    if (rc != SQLITE_OK && wal->deferredError == SQLITE_OK) wal->deferredError = SQLITE_IOERR_WRITE;
}

// The WAL index's lock 0 is the WAL write lock (wal.c, WAL_WRITE_LOCK).
#define WAL_WRITE_LOCK_SLOT 0

static int fileShmLock(sqlite3_file *base, int offset, int count, int flags) {
    WALFile *file = (WALFile *)base;
    int releasesWriteLock = (flags & SQLITE_SHM_UNLOCK) && (flags & SQLITE_SHM_EXCLUSIVE)
        && offset <= WAL_WRITE_LOCK_SLOT && WAL_WRITE_LOCK_SLOT < offset + count;
    if (releasesWriteLock) flushWAL(file);
    return file->real->pMethods->xShmLock(file->real, offset, count, flags);
}

static void fileShmBarrier(sqlite3_file *base) {
    WALFile *file = (WALFile *)base;
    if (file->wal && file->wal->used > 0) {
        file->wal->counts.barrierWrites += 1;
        flushWAL(file);
    }
    file->real->pMethods->xShmBarrier(file->real);
}

static int fileShmUnmap(sqlite3_file *base, int deleteFlag) {
    WALFile *file = (WALFile *)base;
    return file->real->pMethods->xShmUnmap(file->real, deleteFlag);
}

static int fileFetch(sqlite3_file *base, sqlite3_int64 offset, int amount, void **page) {
    WALFile *file = (WALFile *)base;
    return file->real->pMethods->xFetch(file->real, offset, amount, page);
}

static int fileUnfetch(sqlite3_file *base, sqlite3_int64 offset, void *page) {
    WALFile *file = (WALFile *)base;
    return file->real->pMethods->xUnfetch(file->real, offset, page);
}

static const sqlite3_io_methods methods = {
    .iVersion = 3,
    .xClose = fileClose,
    .xRead = fileRead,
    .xWrite = fileWrite,
    .xTruncate = fileTruncate,
    .xSync = fileSync,
    .xFileSize = fileSize,
    .xLock = fileLock,
    .xUnlock = fileUnlock,
    .xCheckReservedLock = fileCheckReservedLock,
    .xFileControl = fileControl,
    .xSectorSize = fileSectorSize,
    .xDeviceCharacteristics = fileDeviceCharacteristics,
    .xShmMap = fileShmMap,
    .xShmLock = fileShmLock,
    .xShmBarrier = fileShmBarrier,
    .xShmUnmap = fileShmUnmap,
    .xFetch = fileFetch,
    .xUnfetch = fileUnfetch,
};

static int vfsOpen(sqlite3_vfs *self, const char *name, sqlite3_file *base, int flags, int *outFlags) {
    (void)self;
    WALFile *file = (WALFile *)base;
    memset(file, 0, sizeof *file);
    file->real = (sqlite3_file *)(file + 1);
    int rc = wrapped->xOpen(wrapped, name, file->real, flags, outFlags);
    if (rc != SQLITE_OK) return rc;
    // The wrapped file's methods must all exist: ours forward to them unchecked.
    if (file->real->pMethods == NULL || file->real->pMethods->iVersion < 3) {
        if (file->real->pMethods) file->real->pMethods->xClose(file->real);
        return SQLITE_CANTOPEN;
    }
    if (flags & SQLITE_OPEN_WAL) {
        // Only a WAL opened for a database file of ours, which SQLite does not pad to sectors.
        WALFile *database = (WALFile *)sqlite3_database_file_object(name);
        int ours = database != NULL && database->base.pMethods == &methods;
        int powersafe = ours
            && (database->real->pMethods->xDeviceCharacteristics(database->real) & SQLITE_IOCAP_POWERSAFE_OVERWRITE);
        if (powersafe) {
            file->buffer = malloc(BUFFER_CAPACITY);
            if (file->buffer == NULL) {
                file->real->pMethods->xClose(file->real);
                return SQLITE_NOMEM;
            }
            database->wal = file;
            file->database = database;
        }
    }
    file->base.pMethods = &methods;
    return SQLITE_OK;
}

static int vfsDelete(sqlite3_vfs *self, const char *name, int syncDirectory) {
    (void)self;
    return wrapped->xDelete(wrapped, name, syncDirectory);
}

static int vfsAccess(sqlite3_vfs *self, const char *name, int flags, int *result) {
    (void)self;
    return wrapped->xAccess(wrapped, name, flags, result);
}

static int vfsFullPathname(sqlite3_vfs *self, const char *name, int size, char *out) {
    (void)self;
    return wrapped->xFullPathname(wrapped, name, size, out);
}

static void *vfsDlOpen(sqlite3_vfs *self, const char *name) {
    (void)self;
    return wrapped->xDlOpen(wrapped, name);
}

static void vfsDlError(sqlite3_vfs *self, int size, char *message) {
    (void)self;
    wrapped->xDlError(wrapped, size, message);
}

static void (*vfsDlSym(sqlite3_vfs *self, void *handle, const char *symbol))(void) {
    (void)self;
    return wrapped->xDlSym(wrapped, handle, symbol);
}

static void vfsDlClose(sqlite3_vfs *self, void *handle) {
    (void)self;
    wrapped->xDlClose(wrapped, handle);
}

static int vfsRandomness(sqlite3_vfs *self, int size, char *out) {
    (void)self;
    return wrapped->xRandomness(wrapped, size, out);
}

static int vfsSleep(sqlite3_vfs *self, int microseconds) {
    (void)self;
    return wrapped->xSleep(wrapped, microseconds);
}

static int vfsCurrentTime(sqlite3_vfs *self, double *now) {
    (void)self;
    return wrapped->xCurrentTime(wrapped, now);
}

static int vfsGetLastError(sqlite3_vfs *self, int size, char *message) {
    (void)self;
    return wrapped->xGetLastError(wrapped, size, message);
}

static int vfsCurrentTimeInt64(sqlite3_vfs *self, sqlite3_int64 *now) {
    (void)self;
    return wrapped->xCurrentTimeInt64(wrapped, now);
}

static void registerVFS(void) {
    if (sqlite3_initialize() != SQLITE_OK) return;
    wrapped = sqlite3_vfs_find(NULL);
    if (wrapped == NULL || wrapped->iVersion < 2 || wrapped->xCurrentTimeInt64 == NULL) return;
    vfs.iVersion = 2;
    vfs.szOsFile = (int)sizeof(WALFile) + wrapped->szOsFile;
    vfs.mxPathname = wrapped->mxPathname;
    vfs.zName = "callstats-wal";
    vfs.xOpen = vfsOpen;
    vfs.xDelete = vfsDelete;
    vfs.xAccess = vfsAccess;
    vfs.xFullPathname = vfsFullPathname;
    vfs.xDlOpen = vfsDlOpen;
    vfs.xDlError = vfsDlError;
    vfs.xDlSym = vfsDlSym;
    vfs.xDlClose = vfsDlClose;
    vfs.xRandomness = vfsRandomness;
    vfs.xSleep = vfsSleep;
    vfs.xCurrentTime = vfsCurrentTime;
    vfs.xGetLastError = vfsGetLastError;
    vfs.xCurrentTimeInt64 = vfsCurrentTimeInt64;
    if (sqlite3_vfs_register(&vfs, 0) == SQLITE_OK) registeredName = vfs.zName;
}

const char *callstats_wal_vfs_name(void) {
    pthread_once(&registration, registerVFS);
    return registeredName;
}
