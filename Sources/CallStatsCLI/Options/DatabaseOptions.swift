import ArgumentParser
import Foundation
import Storage

/// `--db PATH`, shared by every command that reads or writes the database.
struct DatabaseOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The CallStats SQLite database file.", valueName: "path"))
    var db: String

    func validate() throws {
        if db.isEmpty {
            throw ValidationError("--db needs a file path")
        }
    }

    /// Opens for writing (creating and migrating as needed), with errors a person can act on.
    func openWriter() throws -> (Database, Migrator.Outcome) {
        try explainingFailures { try Database.openWriter(path: db) }
    }

    /// Opens read-only; never creates the file.
    func openReader() throws -> Database {
        if !FileManager.default.fileExists(atPath: db) {
            throw CLIError("\(db): no such database file")
        }
        return try explainingFailures { try Database.openReader(path: db) }
    }

    private func explainingFailures<T>(_ body: () throws -> T) throws -> T {
        let folder = (db as NSString).deletingLastPathComponent
        if !folder.isEmpty {
            var isDirectory: ObjCBool = false
            if !FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory) {
                throw CLIError("\(db): the folder \(folder) does not exist")
            }
            if !isDirectory.boolValue {
                throw CLIError("\(db): \(folder) is not a folder")
            }
        }
        do {
            return try body()
        } catch let error as StorageError {
            throw CLIError("\(db): \(Self.explain(error))")
        }
    }

    static func explain(_ error: StorageError) -> String {
        switch error.primaryResultCode {
        case 26: // SQLITE_NOTADB
            return "not a SQLite database (\(error.message))"
        case 14: // SQLITE_CANTOPEN
            return "cannot open: \(error.message) (check the path and its permissions)"
        case 8: // SQLITE_READONLY
            return "cannot write: \(error.message) (check the file's and its folder's permissions)"
        case 11: // SQLITE_CORRUPT
            return "the database is damaged: \(error.message)"
        case 13: // SQLITE_FULL
            return "the disk is full: \(error.message)"
        case 5, 6: // SQLITE_BUSY, SQLITE_LOCKED
            return "the database is locked by another process: \(error.message)"
        default:
            return error.message
        }
    }
}
