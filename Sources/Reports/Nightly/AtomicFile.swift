import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes a file so that a reader never sees half of it: the bytes go to a temporary file in
/// the same folder, are flushed to disk, and the temporary file is renamed over the target.
public enum AtomicFile {
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// `.NAME.PID.tmp` in the folder of `path`. Split by hand: NSString's path methods crash on
    /// a one-character relative name on Linux (`--output a`, swift-corelibs-foundation).
    static func temporaryPath(for path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return ".\(path).\(getpid()).tmp" }
        return String(path[...slash]) + ".\(path[path.index(after: slash)...]).\(getpid()).tmp"
    }

    public static func write(_ text: String, to path: String) throws(Failure) {
        let temporary = temporaryPath(for: path)
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw Failure(description: "cannot create \(temporary): \(String(cString: strerror(errno)))")
        }
        var failure: String?
        var bytes = Array(text.utf8)
        bytes.withUnsafeMutableBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = Glibc_write(descriptor, buffer.baseAddress?.advanced(by: offset), buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    failure = "cannot write \(temporary): \(String(cString: strerror(errno)))"
                    return
                }
                offset += written
            }
        }
        if failure == nil, fsync(descriptor) != 0 {
            failure = "cannot flush \(temporary) to disk: \(String(cString: strerror(errno)))"
        }
        if close(descriptor) != 0, failure == nil {
            failure = "cannot close \(temporary): \(String(cString: strerror(errno)))"
        }
        if failure == nil, rename(temporary, path) != 0 {
            failure = "cannot rename \(temporary) to \(path): \(String(cString: strerror(errno)))"
        }
        if let failure {
            unlink(temporary)
            throw Failure(description: failure)
        }
    }

    /// Creates the folder and its parents when missing.
    public static func makeFolder(_ path: String) throws(Failure) {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw Failure(description: "cannot create the folder \(path): \(error.localizedDescription)")
        }
    }
}

@inline(__always)
private func Glibc_write(_ descriptor: Int32, _ pointer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
    #if canImport(Glibc)
    return Glibc.write(descriptor, pointer, count)
    #else
    return Darwin.write(descriptor, pointer, count)
    #endif
}

/// A file written through a temporary file in the same folder: `commit()` flushes it to disk
/// and renames it over the target, so a reader sees the old file or the whole new one.
/// Released without `commit()`, the temporary file is removed.
public final class AtomicFileOutput: TextOutput, ByteOutput {
    public let path: String
    let temporary: String
    let output: FileDescriptorOutput
    var open = true

    public init(path: String) throws(AtomicFile.Failure) {
        self.path = path
        temporary = AtomicFile.temporaryPath(for: path)
        let descriptor = Glibc_open(temporary)
        guard descriptor >= 0 else {
            throw AtomicFile.Failure(description: "cannot create \(temporary): \(String(cString: strerror(errno)))")
        }
        output = FileDescriptorOutput(descriptor: descriptor)
    }

    public func write(_ text: String) throws {
        try output.write(text)
    }

    public func write(bytes: UnsafeRawBufferPointer) throws {
        try output.write(bytes: bytes)
    }

    public func commit() throws {
        try output.flush()
        open = false
        let descriptor = output.descriptor
        if fsync(descriptor) != 0 || close(descriptor) != 0 {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw AtomicFile.Failure(description: "cannot write \(temporary) to disk: \(reason)")
        }
        if rename(temporary, path) != 0 {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw AtomicFile.Failure(description: "cannot rename \(temporary) to \(path): \(reason)")
        }
    }

    deinit {
        if open {
            close(output.descriptor)
            unlink(temporary)
        }
    }
}

@inline(__always)
private func Glibc_open(_ path: String) -> Int32 {
    open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
}

/// Buffered text output to a file descriptor (standard output), in 64 KiB writes.
public final class FileDescriptorOutput: TextOutput, ByteOutput {
    let descriptor: Int32
    var buffer: [UInt8] = []

    public init(descriptor: Int32) {
        self.descriptor = descriptor
        buffer.reserveCapacity(1 << 16)
    }

    public func write(_ text: String) throws {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= 1 << 16 { try flush() }
    }

    public func write(bytes: UnsafeRawBufferPointer) throws {
        buffer.append(contentsOf: bytes)
        if buffer.count >= 1 << 16 { try flush() }
    }

    public func flush() throws {
        var offset = 0
        while offset < buffer.count {
            let written = buffer.withUnsafeMutableBytes { Glibc_write(descriptor, $0.baseAddress?.advanced(by: offset), $0.count - offset) }
            if written < 0 {
                if errno == EINTR { continue }
                throw AtomicFile.Failure(description: "cannot write the report: \(String(cString: strerror(errno)))")
            }
            offset += written
        }
        buffer.removeAll(keepingCapacity: true)
    }

    public static func isTerminal(_ descriptor: Int32) -> Bool { isatty(descriptor) == 1 }
}

extension NightlyReport {
    /// Writes `folder/YYYY-MM-DD/` with every file and the workbook, each atomically.
    /// Returns the day's folder.
    @discardableResult
    public func write(into folder: String) throws -> String {
        try writeFiles(into: folder).folder
    }

    /// `write(into:)`, and what the workbook could not hold as given (for a warning).
    public func writeFiles(into folder: String) throws -> (folder: String, warnings: SheetWarnings) {
        let dayFolder = (folder as NSString).appendingPathComponent(day.description)
        try AtomicFile.makeFolder(dayFolder)
        for file in try files() {
            try AtomicFile.write(file.contents, to: (dayFolder as NSString).appendingPathComponent(file.name))
        }
        let workbook = try AtomicFileOutput(path: (dayFolder as NSString).appendingPathComponent(Self.workbookName))
        let writer = XLSXWriter(output: workbook)
        try writeWorkbook(writer)
        let warnings = try writer.finish()
        try workbook.commit()
        return (dayFolder, warnings)
    }
}
