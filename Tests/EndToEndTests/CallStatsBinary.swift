import CallStatsTestSupport
import Foundation

/// What a test of the collector process starts from: the binary, a folder of its own, the
/// database's path in it and a password file (mode 0600, as the collector wants it).
struct CollectorSetup {
    let binary: CallStatsBinary
    let folder: TemporaryFolder
    let database: String
    let passwordFile: String

    static func make(password: String = "secret") throws -> CollectorSetup {
        let binary = try CallStatsBinary.built()
        let folder = try TemporaryFolder()
        let passwordFile = folder.path("password")
        try Data("\(password)\n".utf8).write(to: URL(fileURLWithPath: passwordFile))
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: passwordFile)
        return CollectorSetup(binary: binary, folder: folder, database: folder.path("calls.db"), passwordFile: passwordFile)
    }

    /// `callstats simulate` with `arguments` (which say `--listen 127.0.0.1:0`: the system
    /// picks the port), and the address it listens on.
    func simulator(_ arguments: [String]) throws -> (RunningCallStats, String) {
        try binary.simulator(arguments)
    }
}

extension CallStatsBinary {
    /// `callstats simulate` with `arguments`, and the address it says it listens on.
    func simulator(_ arguments: [String]) throws -> (RunningCallStats, String) {
        let simulator = try RunningCallStats(binary: self, arguments: ["simulate"] + arguments)
        guard let line = simulator.nextLine(), line.hasPrefix("listening ") else {
            throw TestFailure("the simulator did not start: \(simulator.standardError())")
        }
        return (simulator, String(line.dropFirst("listening ".count)))
    }
}
