import ArgumentParser
import Foundation
import Storage

/// `--db PATH`, shared by every command that reads or writes the database: the one place the
/// command line opens a database, so every command words a bad path the same way.
struct DatabaseOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The CallStats SQLite database file.", valueName: "path"))
    var db: String

    func validate() throws {
        if db.isEmpty {
            throw ValidationError("--db needs a file path")
        }
    }

    /// Opens for writing (creating and migrating as needed), with errors a person can act on.
    func openWriter(fileMode: mode_t = 0o600) throws -> (Database, Migrator.Outcome) {
        try opening { try Database.openWriter(path: db, fileMode: fileMode) }
    }

    /// Opens read-only; never creates the file.
    func openReader() throws -> Database {
        try requireExistingFile()
        return try opening { try Database.openReader(path: db) }
    }

    /// For the commands that must not create the database and do something before opening it
    /// (take the writer lock beside it): the same words as `openReader`.
    func requireExistingFile() throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: db, isDirectory: &isDirectory) else {
            throw CLIError("\(db): no such database file")
        }
        if isDirectory.boolValue { throw folderGiven }
    }

    /// A folder given as the database: SQLite would only say "disk I/O error" (reading) or
    /// "unable to open database file" (writing).
    private var folderGiven: CLIError {
        let example = db.hasSuffix("/") ? db + "calls.db" : db + "/calls.db"
        return CLIError("\(db) is a folder, not a database file (give the file's path, such as \(example))")
    }

    private func opening<T>(_ body: () throws -> T) throws -> T {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: db, isDirectory: &isDirectory), isDirectory.boolValue {
            throw folderGiven
        }
        // Split by hand: NSString's deletingLastPathComponent crashes on a one-character
        // relative name on Linux (`--db a`, swift-corelibs-foundation).
        let folder = db.lastIndex(of: "/").map { $0 == db.startIndex ? "/" : String(db[..<$0]) } ?? ""
        if !folder.isEmpty {
            if !FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory) {
                throw CLIError("\(db): the folder \(folder) does not exist")
            }
            if !isDirectory.boolValue {
                throw CLIError("\(db): \(folder) is not a folder")
            }
        }
        return try explainingFailures(body)
    }

    /// Runs `body`, turning a SQLite failure into one line that names the database.
    func explainingFailures<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as StorageError {
            throw CLIError("\(db): \(error.explanation)")
        }
    }
}
