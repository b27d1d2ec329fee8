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
    func openWriter(fileMode: mode_t = 0o600) throws -> (Database, Migrator.Outcome) {
        try opening { try Database.openWriter(path: db, fileMode: fileMode) }
    }

    /// Opens read-only; never creates the file.
    func openReader() throws -> Database {
        if !FileManager.default.fileExists(atPath: db) {
            throw CLIError("\(db): no such database file")
        }
        return try opening { try Database.openReader(path: db) }
    }

    private func opening<T>(_ body: () throws -> T) throws -> T {
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
