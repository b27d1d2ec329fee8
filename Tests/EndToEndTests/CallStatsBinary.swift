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

/// A `callstats` process left running (a simulator, a collector), read line by line.
final class RunningCallStats {
    let process = Process()
    private let output = Pipe()
    private let errors = Pipe()
    private var buffer = Data()
    private let errorSink = ErrorSink()
    /// Its standard input, when started with `input` (else /dev/null).
    private let input: Pipe?

    init(binary: CallStatsBinary, arguments: [String], input: Bool = false) throws {
        process.executableURL = binary.url
        process.arguments = arguments
        process.standardOutput = output
        process.standardError = errors
        self.input = input ? Pipe() : nil
        process.standardInput = self.input ?? FileHandle.nullDevice
        try process.run()
        // Drained as it comes, so a chatty stderr can never block the process.
        errorSink.drain(errors.fileHandleForReading)
    }

    /// The next line the process prints on stdout (blocking), or nil when it closed stdout.
    func nextLine() -> String? {
        while true {
            if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self)
                buffer.removeSubrange(buffer.startIndex...newline)
                return line
            }
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { return nil }
            buffer.append(chunk)
        }
    }

    /// Writes `line` and a newline on its standard input (started with `input`).
    func send(_ line: String) throws {
        try input?.fileHandleForWriting.write(contentsOf: Data((line + "\n").utf8))
    }

    /// Closes its standard input: a program that reads commands ends.
    func closeInput() throws {
        try input?.fileHandleForWriting.close()
    }

    /// Everything it wrote on stderr, once it has exited.
    func standardError() -> String {
        errorSink.text()
    }

    func signal(_ number: Int32) {
        kill(process.processIdentifier, number)
    }

    func wait() -> Int32 {
        process.waitUntilExit()
        return process.terminationStatus
    }

    deinit {
        if process.isRunning { process.terminate() }
    }
}

/// Collects what a process writes on a pipe, on a thread of its own.
final class ErrorSink: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()
    private let done = DispatchGroup()

    func drain(_ handle: FileHandle) {
        done.enter()
        DispatchQueue.global().async {
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                self.lock.withLock { self.data.append(chunk) }
            }
            self.done.leave()
        }
    }

    /// Everything, once the writer closed the pipe.
    func text() -> String {
        done.wait()
        return lock.withLock { String(decoding: data, as: UTF8.self) }
    }
}
