import ArgumentParser
import CTIProtocol
import Foundation

/// Codec decoding throughput over a file of CTI lines (for instance a capture of the
/// simulator), against Python's `json` module decoding the same lines in the same run.
struct DecodeBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decode",
        abstract: "Codec throughput: framing + JSON + message decoding, vs Python's json.loads."
    )

    @Option(help: "A file of CTI lines, one message per line.") var lines: String
    @Option(name: .customLong("repeat"), help: "Timed repetitions; the best is reported.") var repetitions = 3
    @Option(help: "The Python interpreter.") var python = "python3"

    func run() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: lines))
        let bytes = [UInt8](data)
        var messages = 0
        var bestFramed = Double.infinity
        var bestParse = Double.infinity
        for _ in 0..<max(1, repetitions) {
            // Framing and full decoding, as the collector does.
            var count = 0
            var framer = LineFramer()
            let start = ContinuousClock.now
            bytes.withUnsafeBytes { framer.append($0) }
            while let decoded = try framer.nextLine({ line -> Bool in
                (try? ServerMessage.decode(line)) != nil
            }) {
                if decoded { count += 1 }
            }
            bestFramed = min(bestFramed, (ContinuousClock.now - start).seconds)
            messages = count

            // JSON alone, the part comparable to json.loads.
            var parsed = 0
            let parseStart = ContinuousClock.now
            var parseFramer = LineFramer()
            bytes.withUnsafeBytes { parseFramer.append($0) }
            while let ok = try parseFramer.nextLine({ line -> Bool in (try? JSON.parse(line)) != nil }) {
                if ok { parsed += 1 }
            }
            bestParse = min(bestParse, (ContinuousClock.now - parseStart).seconds)
            guard parsed == messages else { throw ValidationError("JSON parsed \(parsed) lines, decode \(messages)") }
        }
        let megabytes = Double(bytes.count) / 1e6
        print("lines: \(messages), \(bytes.count / max(messages, 1)) bytes average, \(String(format: "%.1f", megabytes)) MB")
        print(String(format: "CTIProtocol JSON.parse:                 %.3f s, %.0f messages/s, %.1f MB/s",
                     bestParse, Double(messages) / bestParse, megabytes / bestParse))
        print(String(format: "CTIProtocol framing + ServerMessage:    %.3f s, %.0f messages/s, %.1f MB/s",
                     bestFramed, Double(messages) / bestFramed, megabytes / bestFramed))

        // Python's json module over the same lines, timed inside Python (excludes start-up).
        let script = """
            import json, sys, time
            data = open(sys.argv[1], 'rb').read().split(b'\\n')
            best = None
            for _ in range(\(max(1, repetitions))):
                t = time.perf_counter()
                n = 0
                for line in data:
                    if line:
                        json.loads(line); n += 1
                e = time.perf_counter() - t
                best = e if best is None else min(best, e)
            print(n, best)
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [python, "-c", script, lines]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let fields = text.split(whereSeparator: \.isWhitespace)
        guard process.terminationStatus == 0, fields.count == 2, let count = Double(fields[0]), let seconds = Double(fields[1]) else {
            throw ValidationError("python failed: \(text)")
        }
        print(String(format: "Python json.loads:                      %.3f s, %.0f messages/s, %.1f MB/s",
                     seconds, count / seconds, megabytes / seconds))
        print(String(format: "ratio JSON.parse / json.loads: %.2f (target >= 2); framing + decode / json.loads: %.2f",
                     seconds / bestParse, seconds / bestFramed))
    }
}
