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
        let result = try CallStatsBinary.built().run(arguments)
        return (result.status, result.stdoutBytes, result.stderr)
    }
}
