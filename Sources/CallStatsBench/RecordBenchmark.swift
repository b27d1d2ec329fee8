import ArgumentParser
import CTIProtocol
import Foundation
import Recording
import Storage

/// The recorder alone, without a network: lines from a file (one CTI message per line, e.g.
/// a capture of the simulator) or synthetic ones, through `Recorder.record` into a fresh
/// database. The part of the collector's ingest rate that is ours to optimise.
struct RecordBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "record",
        abstract: "Recorder throughput: lines into journal and derived rows, no network."
    )

    @Option(help: "A file of CTI lines to record (default: synthetic lines).") var lines: String?
    @Option(help: "Synthetic lines to generate when no file is given.") var count = 1_000_000
    @Option(help: "Keep the database at this path (default: a temporary file, removed).") var db: String?
    @Flag(help: "Decode every line before the clock starts and checkpoint on a background thread, as the collector does: the CPU rate is then the writer thread's alone.")
    var predecoded = false
    @Option(name: .customLong("keep-wal"), help: ArgumentHelp(
        "With --predecoded: no checkpoint at all, and the WAL, every frame of every commit, copied to this path at the end (bench/wal_pages.py counts each commit's pages by table).",
        valueName: "path"))
    var keepWAL: String?
    @Flag(help: "With --predecoded: rows written on the recorder's writing thread, as the collector does; the CPU time is then the whole process's.")
    var background = false

    func validate() throws {
        if keepWAL != nil && !predecoded {
            throw ValidationError("--keep-wal needs --predecoded")
        }
        if background && !predecoded {
            throw ValidationError("--background needs --predecoded")
        }
    }

    func run() throws {
        var input: [[UInt8]] = []
        if let lines {
            let data = try Data(contentsOf: URL(fileURLWithPath: lines))
            input = data.withUnsafeBytes { Self.lines(in: $0) }
        } else {
            var generator = SyntheticJournal()
            input = (0..<count).map { _ in generator.nextRow().line }
        }
        let bytes = input.reduce(0) { $0 + $1.count }
        let folder = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("callstats-record-\(ProcessInfo.processInfo.processIdentifier)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let (database, _) = try Database.openWriter(path: db ?? folder.appendingPathComponent("record.db").path)
        let recorder = try Recorder(database: database)
        try recorder.beginSession(server: "bench", connectedAt: 0)
        let cpuStart = cpuSeconds()
        let start = ContinuousClock.now
        if predecoded {
            let checkpointer = BackgroundCheckpointer(databasePath: database.path)
            try database.leaveCheckpointsToBackground()
            if keepWAL == nil {
                checkpointer.start()
                recorder.checkpointer = checkpointer
            }
            defer { checkpointer.stop() }
            let messages = input.map { line in
                line.withUnsafeBytes { bytes in Result { () throws(DecodeError) in try ServerMessage.decode(bytes) } }
            }
            let wholeProcess = background
            let cpuClock: () -> Double = { wholeProcess ? cpuSeconds() : threadCPUSeconds() }
            let writing = background ? recorder.startWritingInBackground() : nil
            defer { writing?.stop() }
            let cpuDecoded = cpuClock()
            let startDecoded = ContinuousClock.now
            for (index, line) in input.enumerated() {
                try line.withUnsafeBytes {
                    try recorder.record(line: $0, decoded: messages[index], receivedAt: Double(index) / 100_000)
                }
            }
            if let keepWAL {
                try recorder.commit()
                try recorder.waitForWrites()
                try? FileManager.default.removeItem(atPath: keepWAL)
                try FileManager.default.copyItem(atPath: database.path + "-wal", toPath: keepWAL)
            }
            try finish(recorder: recorder, database: database, input: input, bytes: bytes, cpuStart: cpuDecoded, start: startDecoded,
                       cpuSeconds: cpuClock)
            return
        }
        for (index, line) in input.enumerated() {
            try recorder.record(line: line, receivedAt: Double(index) / 100_000)
        }
        try finish(recorder: recorder, database: database, input: input, bytes: bytes, cpuStart: cpuStart, start: start)
    }

    private func finish(recorder: Recorder, database: Database, input: [[UInt8]], bytes: Int, cpuStart: Double,
                        start: ContinuousClock.Instant, cpuSeconds: () -> Double = cpuSeconds) throws {
        try recorder.endSession(reason: "shutdown", at: Double(input.count) / 100_000)
        let elapsed = (ContinuousClock.now - start).seconds
        let cpu = cpuSeconds() - cpuStart
        let derived = try database.fetchInt64("""
            SELECT (SELECT count(*) FROM agent_status_change) + (SELECT count(*) FROM agent_state_interval)
                 + (SELECT count(*) FROM channel_event) + (SELECT count(*) FROM queue_visit)
                 + (SELECT count(*) FROM queue_stat_sample) + (SELECT count(*) FROM call)
            """) ?? 0
        print("lines: \(input.count), \(bytes / max(input.count, 1)) bytes average, derived rows: \(derived)")
        print(String(format: "recorder: %.3f s, %.0f lines/s, %.1f MB/s, %d commits", elapsed, Double(input.count) / elapsed,
                     Double(bytes) / elapsed / 1e6, recorder.statistics.commits))
        let whose = background ? " (the process)" : predecoded ? " (writer thread)" : ""
        print(String(format: "recorder CPU time%@: %.3f s, %.0f lines per CPU second", whose, cpu,
                     Double(input.count) / cpu))
    }
}

extension RecordBenchmark {
    /// The file's lines without their line ends (a plain scan: `split` on `Data` costs more
    /// than recording the lines).
    static func lines(in bytes: UnsafeRawBufferPointer) -> [[UInt8]] {
        var lines: [[UInt8]] = []
        var start = 0
        for index in 0..<bytes.count where bytes[index] == 0x0A {
            if index > start { lines.append(Array(bytes[start..<index])) }
            start = index + 1
        }
        if start < bytes.count { lines.append(Array(bytes[start...])) }
        return lines
    }
}

/// User + system CPU time of this process: a rate per CPU second does not depend on what
/// else the machine is running.
func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
        + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
}

/// User + system CPU time of the calling thread alone.
func threadCPUSeconds() -> Double {
    var usage = rusage()
    getrusage(__rusage_who_t(1), &usage)  // RUSAGE_THREAD
    return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
        + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
}
