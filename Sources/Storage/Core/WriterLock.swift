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
    public init(databasePath: String) throws(WriterLockError) {
        path = databasePath + ".lock"
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw .cannotOpen(lockPath: path, reason: String(cString: strerror(errno)))
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let failure = errno
            close(descriptor)
            if failure == EWOULDBLOCK {
                throw .heldByAnotherProcess(lockPath: path)
            }
            throw .cannotLock(lockPath: path, reason: String(cString: strerror(failure)))
        }
        self.descriptor = descriptor
    }

    deinit {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}

/// Why `WriterLock` could not be taken. A failure of the process's lock file, not of SQLite:
/// it has no SQLite result code.
public enum WriterLockError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Another process (a collector, an import or a replay) holds the lock: it is writing to the database.
    case heldByAnotherProcess(lockPath: String)
    /// The lock file could not be created or opened (its folder is missing or not writable).
    case cannotOpen(lockPath: String, reason: String)
    /// `flock` failed for another reason than another holder (no locks on that file system).
    case cannotLock(lockPath: String, reason: String)

    public var description: String {
        switch self {
        case let .heldByAnotherProcess(lockPath):
            return "another callstats process (a collector, an import or a replay) is writing to this database: it holds \(lockPath)"
        case let .cannotOpen(lockPath, reason):
            return "cannot open the lock file \(lockPath): \(reason)"
        case let .cannotLock(lockPath, reason):
            return "cannot lock \(lockPath): \(reason)"
        }
    }
}
