import Foundation

/// A `callstats` process left running (a simulator, a collector), read line by line.
public final class RunningCallStats {
    public let process = Process()
    private let output = Pipe()
    private let errors = Pipe()
    private var buffer = Data()
    private let errorSink = ErrorSink()
    /// Its standard input, when started with `input` (else /dev/null).
    private let input: Pipe?

    public init(binary: CallStatsBinary, arguments: [String], environment: [String: String]? = nil, input: Bool = false) throws {
        process.executableURL = binary.url
        process.arguments = arguments
        if let environment { process.environment = environment }
        process.standardOutput = output
        process.standardError = errors
        self.input = input ? Pipe() : nil
        process.standardInput = self.input ?? FileHandle.nullDevice
        try process.run()
        // Drained as it comes, so a chatty stderr can never block the process.
        errorSink.drain(errors.fileHandleForReading)
    }

    /// The next line the process prints on stdout (blocking), or nil when it closed stdout.
    public func nextLine() -> String? {
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
    public func send(_ line: String) throws {
        try input?.fileHandleForWriting.write(contentsOf: Data((line + "\n").utf8))
    }

    /// Closes its standard input: a program that reads commands ends.
    public func closeInput() throws {
        try input?.fileHandleForWriting.close()
    }

    /// Everything it wrote on stderr, once it has exited.
    public func standardError() -> String {
        errorSink.text()
    }

    public func signal(_ number: Int32) {
        kill(process.processIdentifier, number)
    }

    public func wait() -> Int32 {
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// Its exit status, awaited on a thread of its own (not the tests' cooperative pool).
    public func exitStatus() async throws -> Int32 {
        let process = self.process
        return try await offPool {
            process.waitUntilExit()
            return process.terminationStatus
        }
    }

    deinit {
        if process.isRunning { process.terminate() }
    }
}

/// Collects what a process writes on a pipe, on a thread of its own.
public final class ErrorSink: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()
    private let done = DispatchGroup()

    public init() {}

    public func drain(_ handle: FileHandle) {
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
    public func text() -> String {
        done.wait()
        return lock.withLock { String(decoding: data, as: UTF8.self) }
    }
}
