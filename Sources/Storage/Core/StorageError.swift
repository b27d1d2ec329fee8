import CallStatsSQLite

/// An error from SQLite, or from our use of it.
///
/// It carries SQLite's extended result code, SQLite's own message and the SQL that failed,
/// never the values bound to it: those can be call data (numbers, names) or secrets, and errors
/// end up in logs.
public struct StorageError: Error, Sendable, Equatable, CustomStringConvertible {
    /// SQLite's extended result code (`SQLITE_BUSY`, `SQLITE_CONSTRAINT_UNIQUE`, ...), or
    /// `SQLITE_ERROR` for errors of our own (a schema that is too new, a bad migration file).
    public let resultCode: Int32
    /// SQLite's message, or ours.
    public let message: String
    /// The statement that failed, when one did.
    public let sql: String?

    public init(resultCode: Int32, message: String, sql: String? = nil) {
        self.resultCode = resultCode
        self.message = message
        self.sql = sql
    }

    /// The primary result code (the low byte of the extended one).
    public var primaryResultCode: Int32 { resultCode & 0xFF }

    /// SQLite's name for the result code, such as "database is locked".
    public var codeDescription: String {
        String(cString: sqlite3_errstr(resultCode))
    }

    public var description: String {
        var text = "SQLite error \(resultCode) (\(codeDescription)): \(message)"
        if let sql {
            text += " — in `\(sql)`"
        }
        return text
    }

    /// True when the database file could not be written because the disk (or
    /// `max_page_count`) is full.
    public var isDiskFull: Bool { primaryResultCode == SQLITE_FULL }

    /// True when another connection held a lock for longer than the busy timeout.
    public var isBusy: Bool { primaryResultCode == SQLITE_BUSY || primaryResultCode == SQLITE_LOCKED }
}

extension StorageError {
    /// The failure in words for the person at the terminal or reading the collector's log, with
    /// what to check where there is something to check: one line, without the SQL (a report's
    /// query spans lines). Callers put the database's path in front.
    public var explanation: String {
        if isDatabaseMoved { return message }
        switch primaryResultCode {
        case SQLITE_NOTADB:
            return "not a SQLite database (\(message))"
        case SQLITE_CANTOPEN:
            return "cannot open: \(message) (check the path and its permissions)"
        case SQLITE_READONLY:
            return "cannot write: \(message) (check the file's and its folder's permissions)"
        case SQLITE_IOERR:
            return "the file could not be read or written: \(message) (check that it is a database file and that the disk works)"
        case SQLITE_CORRUPT:
            return "the database is damaged: \(message)"
        case SQLITE_FULL:
            return "the disk is full: \(message)"
        case SQLITE_BUSY, SQLITE_LOCKED:
            return "the database is locked by another process: \(message)"
        default:
            return message
        }
    }
}
