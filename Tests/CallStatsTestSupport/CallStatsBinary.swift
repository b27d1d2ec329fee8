import Foundation

/// The real `callstats` executable (or another program), built beside this test bundle, run as
/// a child process.
public struct CallStatsBinary: Sendable {
    public struct Result: Sendable {
        public let status: Int32
        public let stdout: String
        public let stderr: String
        /// Standard output's bytes, as written.
        public var stdoutBytes = Data()
    }

    public let url: URL

    public init(url: URL) {
        self.url = url
    }

    /// The binary SwiftPM built next to the running test bundle (`callstats-bench` too: the
    /// test target depends on both executables).
    public static func built(_ name: String = "callstats") throws -> CallStatsBinary {
        let me = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        let url = URL(fileURLWithPath: me).deletingLastPathComponent().appendingPathComponent(name)
        guard FileManager.default.isExecutableFile(atPath: url.path) else {
            throw BinaryMissing(path: url.path)
        }
        return CallStatsBinary(url: url)
    }

    /// A copy of this binary at `destination`, made by `cp` in its own process. Copied from
    /// here, the file would be open for writing in this process while other tests fork
    /// children, which inherit that descriptor until they exec; running the copy in that window
    /// fails with "Text file busy".
    public func copy(to destination: URL) throws -> CallStatsBinary {
        let copy = try CallStatsBinary(url: URL(fileURLWithPath: "/bin/cp")).run([url.path, destination.path])
        guard copy.status == 0 else { throw CopyFailed(message: copy.stderr) }
        return CallStatsBinary(url: destination)
    }

    public struct CopyFailed: Error, CustomStringConvertible {
        public let message: String
        public var description: String { "cp failed: \(message)" }
    }

    public struct BinaryMissing: Error, CustomStringConvertible {
        public let path: String
        public var description: String { "no binary at \(path): build it first (swift build)" }
    }

    /// Runs to completion and returns what it printed. Output is read while the process runs,
    /// so a chatty command cannot block on a full pipe.
    public func run(_ arguments: [String], environment: [String: String]? = nil, currentDirectory: URL? = nil) throws -> Result {
        let process = Process()
        process.executableURL = url
        process.arguments = arguments
        if let environment { process.environment = environment }
        if let currentDirectory { process.currentDirectoryURL = currentDirectory }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let group = DispatchGroup()
        nonisolated(unsafe) var outData = Data()
        nonisolated(unsafe) var errData = Data()
        DispatchQueue.global().async(group: group) { outData = out.fileHandleForReading.readDataToEndOfFile() }
        DispatchQueue.global().async(group: group) { errData = err.fileHandleForReading.readDataToEndOfFile() }
        process.waitUntilExit()
        group.wait()
        return Result(
            status: process.terminationStatus,
            stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self),
            stdoutBytes: outData
        )
    }
}

