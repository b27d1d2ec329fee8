import CallStatsTestSupport
import Foundation
import Testing

/// One database made by `callstats demo --hours 1 --seed 3` for the whole suite (2026-11-02,
/// 08:00 to 09:00 UTC, no live collection), and the binary to run the CLI's side of each
/// comparison.
enum DemoDatabase {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var folder: String?

    static let day = "2026-11-02"

    /// The `callstats` SwiftPM built beside this test bundle.
    static func binary() throws -> URL {
        let me = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        let url = URL(fileURLWithPath: me).deletingLastPathComponent().appendingPathComponent("callstats")
        guard FileManager.default.isExecutableFile(atPath: url.path) else {
            throw TestFailure("no binary at \(url.path): build it first (swift build)")
        }
        return url
    }

    static func path() throws -> String {
        try lock.withLock {
            if let folder { return folder + "/calls.db" }
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("callstats-serve-tests-\(UUID().uuidString)").path
            let result = try run(["demo", "--out", path, "--hours", "1", "--seed", "3"])
            guard result.status == 0 else { throw TestFailure("the demo failed: \(result.stderr)") }
            folder = path
            atexit {
                if let folder = DemoDatabase.folder { try? FileManager.default.removeItem(atPath: folder) }
            }
            return path + "/calls.db"
        }
    }

    /// Runs the binary to completion; output read while it runs.
    static func run(_ arguments: [String]) throws -> (status: Int32, stdout: Data, stderr: String) {
        let process = Process()
        process.executableURL = try binary()
        process.arguments = arguments
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
        return (process.terminationStatus, outData, String(decoding: errData, as: UTF8.self))
    }
}
