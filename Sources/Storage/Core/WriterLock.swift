#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An advisory lock that says "this process is the database's writer".
///
/// SQLite's own locks last one transaction; this one lasts as long as the collector (or a
/// replay) runs, so a second writer is refused up front instead of interleaving sessions,
/// and a replay never rewrites tables under a live collector. The lock is `flock` on
/// `PATH.lock`, released by the kernel when the process dies, so a crash never leaves it held.
public final class WriterLock {
    private let descriptor: Int32
    public let path: String

    /// Takes the lock, or throws when another process holds it.
    public init(databasePath: String) throws(StorageError) {
        path = databasePath + ".lock"
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw StorageError(resultCode: 14, message: "cannot open the lock file \(path): \(String(cString: strerror(errno)))")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let failure = errno
            close(descriptor)
            if failure == EWOULDBLOCK {
                throw StorageError(resultCode: 5, message: "another callstats process (a collector or a replay) is writing to this database")
            }
            throw StorageError(resultCode: 14, message: "cannot lock \(path): \(String(cString: strerror(failure)))")
        }
        self.descriptor = descriptor
    }

    deinit {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
