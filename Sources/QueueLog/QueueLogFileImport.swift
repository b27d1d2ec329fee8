import Foundation
import Logging
import Recording

/// What an import read, for its one-line summary.
public struct QueueLogImportSummary: Sendable, Equatable {
    public var files = 0
    /// New lines read (lines an earlier import read are skipped without being counted).
    public var linesRead = 0
    /// Lines journaled and interpreted.
    public var added = 0
    /// Lines journaled with the reason they could not be read.
    public var unreadable = 0
    /// Lines of a file never read before that are older than what the source already holds.
    public var older = 0

    public init() {}

    public var line: String {
        var text = "queue_log: \(files) file\(files == 1 ? "" : "s"), \(linesRead) lines read, \(added) added, \(unreadable) unreadable"
        if older > 0 {
            text += ", \(older) older than what was already imported (skipped)"
        }
        return text
    }
}

/// `callstats import queue-log FILE...`: reads Asterisk's queue_log files (rotated, compressed,
/// given in any order) into the recorder, from where each was left.
///
/// Blocking (file reads, the recorder's writes): runs on the caller's thread, which must not
/// be one of Swift's cooperative pool.
public final class QueueLogFileImport {
    let recorder: Recorder
    let now: () -> Double
    let logger: Logger
    /// Lines between two commits (each commit also saves where every file was left).
    let commitEvery: Int
    public private(set) var summary = QueueLogImportSummary()
    private var source: QueueLogSourceInfo?
    private var sessionOpen = false
    private var linesSinceCommit = 0

    public init(recorder: Recorder, now: @escaping () -> Double, commitEvery: Int = 10_000, logger: Logger = Logger(label: "callstats.import")) {
        self.recorder = recorder
        self.now = now
        self.commitEvery = commitEvery
        self.logger = logger
    }

    /// A file to read, in the order its first line gives.
    struct Input {
        let path: String
        let firstLine: [UInt8]
        let firstTime: Double?
        let index: Int
    }

    /// Reads every new line of `paths`; the oldest file first (by its first line), whatever
    /// the order given, so a rotated file's lines come before its successor's.
    public func run(paths: [String]) throws -> QueueLogImportSummary {
        let source = try recorder.queueLogSource(name: "file", kind: .file)
        self.source = source
        var inputs: [Input] = []
        for (index, path) in paths.enumerated() {
            guard let first = try QueueLogFileReader.firstLine(path: path) else {
                summary.files += 1
                continue
            }
            let time = try? first.withUnsafeBytes({ QueueLogLine.parse($0) }).get().time
            inputs.append(Input(path: path, firstLine: first, firstTime: time, index: index))
        }
        inputs.sort { ($0.firstTime ?? .infinity, $0.index) < ($1.firstTime ?? .infinity, $1.index) }
        // The same file given twice (a name and a link to it) is read once.
        var seen: Set<[UInt8]> = []
        for input in inputs where seen.insert(input.firstLine).inserted {
            try read(input, olderThan: source.lastEventAt, server: Self.serverName(paths))
        }
        summary.files = paths.count
        if sessionOpen {
            try recorder.endSession(reason: "end_of_input", at: nil)
            sessionOpen = false
        }
        return summary
    }

    static func serverName(_ paths: [String]) -> String {
        "queue_log " + (paths.first ?? "") + (paths.count > 1 ? " and \(paths.count - 1) more" : "")
    }

    private func read(_ input: Input, olderThan cutoff: Double?, server: String) throws {
        let progress = try recorder.queueLogFileProgress(sourceID: source?.id ?? 0, firstLine: input.firstLine)
        let reader = try QueueLogFileReader(path: input.path)
        var lines = progress?.lines ?? 0
        if let progress {
            try reader.skip(progress.bytes)
        }
        // A file never read whose lines are older than the source's latest: its lines
        // would go back in time behind what is recorded.
        let skipOlder = progress == nil ? cutoff : nil
        var wroteProgress = false
        while let line = try reader.nextLine() {
            lines += 1
            summary.linesRead += 1
            if let skipOlder, let time = try? line.withUnsafeBytes({ QueueLogLine.parse($0) }).get().time, time < skipOlder {
                summary.older += 1
                continue
            }
            if !sessionOpen, let source {
                try recorder.beginQueueLogSession(source: source, server: server, connectedAt: now())
                sessionOpen = true
            }
            let readable = try line.withUnsafeBytes { try recorder.recordQueueLog(line: $0, receivedAt: now()) }
            if readable { summary.added += 1 } else { summary.unreadable += 1 }
            linesSinceCommit += 1
            wroteProgress = false
            if linesSinceCommit >= commitEvery {
                try recorder.noteQueueLogFile(firstLine: input.firstLine, bytesRead: reader.offset, linesRead: lines, path: input.path)
                try recorder.commit()
                linesSinceCommit = 0
                wroteProgress = true
            }
        }
        if sessionOpen && !wroteProgress {
            try recorder.noteQueueLogFile(firstLine: input.firstLine, bytesRead: reader.offset, linesRead: lines, path: input.path)
            try recorder.commit()
            linesSinceCommit = 0
        }
    }
}
