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
    /// Lines added in the time another queue_log source of the database read (journaled only).
    public var heldByOtherSource = 0
    /// A table's source name (`postgres://HOST:PORT/DB?table=T`); nil for files.
    public var table: String?
    /// A table import stopped before rows still being written (a gap in the ids that their
    /// transactions may fill): the next import reads them.
    public var stoppedBeforeUncommitted = false
    /// Compressed files whose data is wrong or ends early: the lines before the damage are
    /// imported, the other files too; the command names each and exits 1.
    public var damaged: [QueueLogDamagedFile] = []

    public init() {}

    public var line: String {
        var text: String
        if let table {
            text = "queue_log: \(table), \(linesRead) rows read, \(added) added, \(unreadable) unreadable"
        } else {
            text = "queue_log: \(files) file\(files == 1 ? "" : "s"), \(linesRead) lines read, \(added) added, \(unreadable) unreadable"
        }
        if !damaged.isEmpty {
            text += ", \(damaged.count) damaged"
        }
        if older > 0 {
            text += ", \(older) older than what was already imported (skipped)"
        }
        if heldByOtherSource > 0 {
            text += ", \(heldByOtherSource) in the time another queue_log source of this database holds (journaled only, counted once)"
        }
        if stoppedBeforeUncommitted {
            text += "; stopped before rows still being written (the next import reads them)"
        }
        return text
    }
}

/// A compressed queue_log file found damaged, and how many of its lines are imported (its
/// lines before the damage, as `zcat` prints them before its error).
public struct QueueLogDamagedFile: Sendable, Equatable, CustomStringConvertible {
    public let path: String
    public let problem: String
    public let linesImported: Int64

    public var description: String {
        let imported = switch linesImported {
        case 0: "none of its lines is imported"
        case 1: "its first line is imported"
        default: "its first \(linesImported) lines are imported"
        }
        return "\(path): damaged: \(problem); \(imported)"
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
    /// A commit writes every page the batch changed (the indexes' among them) once: fewer,
    /// larger batches write fewer pages. 200,000 lines are a few days of a busy center (the
    /// simulated year's 140 agents write 56,000 a day); that year wrote 7.5 GB instead of 9.4
    /// with 50,000 (BENCHMARKS.md "queue_log import").
    public static let defaultCommitEvery = 200_000
    public private(set) var summary = QueueLogImportSummary()
    private var source: QueueLogSourceInfo?
    private var sessionOpen = false
    private var linesSinceCommit = 0
    private var server = "queue_log"
    /// The file `--follow` reads as Asterisk appends to it.
    private var followed: Followed?
    /// The files the import was given: beside the followed one, where a rotation copies it.
    private var given: [String] = []
    /// Indexes built once the files are read rather than row by row, when set.
    var catchUpIndexes: CatchUpIndexes?

    public init(recorder: Recorder, now: @escaping () -> Double, commitEvery: Int = defaultCommitEvery, logger: Logger = Logger(label: "callstats.import")) {
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
        try importFiles(paths)
        try finish(reason: "end_of_input")
        return summary
    }

    /// Reads every new line of `paths` (see `run`), leaving the session open. `mayBeMissing`
    /// when following: Asterisk may not have created the live file yet, and the rotated file
    /// is absent until the log's first rotation.
    public func importFiles(_ paths: [String], mayBeMissing: Bool = false) throws {
        let source = try recorder.queueLogSource(name: "file", kind: .file)
        self.source = source
        var inputs: [Input] = []
        // The followed file counts as read even before it exists; a rotated file only once it does.
        var absentRotated = 0
        for (index, path) in paths.enumerated() {
            if mayBeMissing && QueueLogFileReader.identity(of: path) == nil {
                if index > 0 { absentRotated += 1 }
                continue
            }
            let firstLine: [UInt8]?
            do {
                firstLine = try QueueLogFileReader.firstLine(path: path)
            } catch {
                guard error.damaged else { throw error }
                // Damaged before its first line ends: nothing of it can be read.
                summary.damaged.append(QueueLogDamagedFile(path: path, problem: error.problem, linesImported: 0))
                continue
            }
            guard let first = firstLine else { continue }
            let time = try? first.withUnsafeBytes({ QueueLogLine.parse($0) }).get().time
            inputs.append(Input(path: path, firstLine: first, firstTime: time, index: index))
        }
        inputs.sort { ($0.firstTime ?? .infinity, $0.index) < ($1.firstTime ?? .infinity, $1.index) }
        // The same file given twice (a name and a link to it) is read once.
        var seen: Set<[UInt8]> = []
        for input in inputs where seen.insert(input.firstLine).inserted {
            // SIGTERM (the caller's task cancelled): stop at a commit; the next import goes on.
            if Task.isCancelled { break }
            try read(input, olderThan: source.lastEventAt, server: Self.serverName(paths))
        }
        summary.files = paths.count - absentRotated
        given = paths
        server = Self.serverName(paths)
    }

    /// Ends the session, if one was begun (`end_of_input`, or `shutdown` after `--follow`),
    /// and builds what the import left unbuilt.
    public func finish(reason: String) throws {
        if sessionOpen {
            try recorder.endSession(reason: reason, at: nil)
            sessionOpen = false
        }
        summary.heldByOtherSource = recorder.statistics.heldByOtherSource
        try catchUpIndexes?.build()
    }

    static func serverName(_ paths: [String]) -> String {
        "queue_log " + (paths.first ?? "") + (paths.count > 1 ? " and \(paths.count - 1) more" : "")
    }

    private func read(_ input: Input, olderThan cutoff: Double?, server: String) throws {
        let progress = try recorder.queueLogFileProgress(sourceID: source?.id ?? 0, firstLine: input.firstLine)
        let reader = try QueueLogFileReader(path: input.path)
        var lines = progress?.lines ?? 0
        do {
            if let progress {
                try reader.skip(progress.bytes)
            }
            // A file never read whose lines are older than the source's latest: its lines
            // would go back in time behind what is recorded.
            try drain(reader, firstLine: input.firstLine, lines: &lines, skipOlder: progress == nil ? cutoff : nil, server: server)
        } catch let error as QueueLogFileError where error.damaged {
            // Its lines before the damage are committed (`drain`); the next file is read.
            summary.damaged.append(QueueLogDamagedFile(path: input.path, problem: error.problem, linesImported: lines))
        }
    }

    /// Records every complete line `reader` has now, committing every `commitEvery` lines and
    /// at the end, each time with where the file was left; the number of lines read.
    @discardableResult
    private func drain(_ reader: QueueLogFileReader, firstLine: [UInt8], lines: inout Int64, skipOlder: Double?, server: String) throws -> Int {
        var wroteProgress = false
        var count = 0
        // A line is received when the read that brought it returned: one clock reading per
        // read (about 4,000 lines), not per line, so the journal's receive times repeat and
        // compress (the 24-day import's journal: 23.8 MB instead of 28.8).
        var receivedAt = now()
        var readsSeen = reader.reads
        // A damaged compressed file: the lines before the damage are committed with where the
        // file was left, then the damage is thrown.
        var damage: QueueLogFileError?
        while true {
            let next: ArraySlice<UInt8>?
            do {
                next = try reader.nextLine()
            } catch {
                guard error.damaged else { throw error }
                damage = error
                break
            }
            guard let line = next else { break }
            if reader.reads != readsSeen {
                readsSeen = reader.reads
                receivedAt = now()
            }
            lines += 1
            count += 1
            summary.linesRead += 1
            if let skipOlder, let time = try? line.withUnsafeBytes({ QueueLogLine.parse($0) }).get().time, time < skipOlder {
                summary.older += 1
                continue
            }
            if !sessionOpen, let source {
                try recorder.beginQueueLogSession(source: source, server: server, connectedAt: now())
                sessionOpen = true
            }
            let readable = try line.withUnsafeBytes { try recorder.recordQueueLog(line: $0, receivedAt: receivedAt) }
            if readable { summary.added += 1 } else { summary.unreadable += 1 }
            linesSinceCommit += 1
            wroteProgress = false
            if linesSinceCommit >= commitEvery {
                try recorder.noteQueueLogFile(firstLine: firstLine, bytesRead: reader.offset, linesRead: lines, path: reader.path)
                try recorder.commit()
                linesSinceCommit = 0
                wroteProgress = true
                if followed == nil { try catchUpIndexes?.committedWhileCatchingUp() }
                // Runs within the caller's task (an actor's method): SIGTERM cancelled it.
                if Task.isCancelled { break }
            }
        }
        if sessionOpen && !wroteProgress && count > 0 {
            try recorder.noteQueueLogFile(firstLine: firstLine, bytesRead: reader.offset, linesRead: lines, path: reader.path)
            try recorder.commit()
            linesSinceCommit = 0
        }
        if let damage { throw damage }
        return count
    }

    // MARK: --follow

    /// The file `--follow` reads: the name, and the file it names while that is being read.
    struct Followed {
        let path: String
        /// The other files given, among them the one `copytruncate` copies the file to.
        let rotatedFiles: [String]
        var file: FollowedFile?
        /// The file the name named before a rotation: Asterisk may write to it until it reopens
        /// its log (logrotate creates the new file before it tells Asterisk), so it is read
        /// until the new file has lines.
        var previous: FollowedFile?
        /// A file was opened under the name already.
        var opened = false
    }

    struct FollowedFile {
        let reader: QueueLogFileReader
        let firstLine: [UInt8]
        var lines: Int64
    }

    /// Starts following `path` (after `importFiles`): the session begins now, so the source is
    /// live (`status`) before Asterisk writes its next line.
    public func beginFollowing(path: String) throws {
        if source == nil {
            source = try recorder.queueLogSource(name: "file", kind: .file)
        }
        if !sessionOpen, let source {
            try recorder.beginQueueLogSession(source: source, server: server == "queue_log" ? Self.serverName([path]) : server, connectedAt: now())
            sessionOpen = true
        }
        followed = Followed(path: path, rotatedFiles: given.filter { $0 != path })
    }

    /// Reads what was appended to the followed file since the last step, like `tail -F`: a
    /// file renamed away (rotated) is read to its end and the new file under the name from its
    /// start; a file truncated (`copytruncate`) is read to its end in its copy, then again from
    /// its start. Returns the number of lines read; 0 when there was nothing new.
    public func followStep() throws -> Int {
        guard var current = followed else { return 0 }
        defer { followed = current }
        var count = 0
        if var previous = current.previous {
            count += try drain(previous.reader, firstLine: previous.firstLine, lines: &previous.lines, skipOlder: nil, server: server)
            current.previous = previous
        }
        if var file = current.file {
            let named = QueueLogFileReader.identity(of: current.path)
            let same = named.map { $0.device == file.reader.identity.device && $0.inode == file.reader.identity.inode } ?? true
            if same && named != nil && !QueueLogFileReader.begins(path: current.path, with: file.firstLine) {
                // Truncated, and perhaps written again since: a new file under the same name.
                // What Asterisk appended since the last look is now only in the copy.
                count += try readCopy(of: &file, among: current.rotatedFiles)
                current.file = nil
            } else {
                count += try drain(file.reader, firstLine: file.firstLine, lines: &file.lines, skipOlder: nil, server: server)
                current.file = file
                if !same {
                    // Renamed away (a new file, or none yet, under the name).
                    current.previous = file
                    current.file = nil
                }
            }
        }
        if current.file == nil {
            // Nothing under the name yet, or not one complete line: look again next time.
            guard let first = try? QueueLogFileReader.firstLine(path: current.path) else { return count }
            let reader = try QueueLogFileReader(path: current.path)
            let progress = try recorder.queueLogFileProgress(sourceID: source?.id ?? 0, firstLine: first)
            if let progress {
                try reader.skip(progress.bytes)
            }
            if current.opened {
                // A new file under the name (after a rotation): the one given is counted.
                summary.files += 1
            }
            current.opened = true
            var file = FollowedFile(reader: reader, firstLine: first, lines: progress?.lines ?? 0)
            let read = try drain(reader, firstLine: first, lines: &file.lines, skipOlder: nil, server: server)
            if read > 0, var previous = current.previous {
                // Asterisk writes to the new file: what it wrote to the old one is all there.
                count += try drain(previous.reader, firstLine: previous.firstLine, lines: &previous.lines, skipOlder: nil, server: server)
                current.previous = nil
            }
            count += read
            current.file = file
        }
        return count
    }

    /// After `copytruncate`: the lines the followed file had beyond where it was left, read in
    /// its copy, the rotated file known by the same first line (as an import of it would). A copy
    /// shorter than what was read (Asterisk wrote between the copy and the truncation, and
    /// the follower read that line: logrotate's own window) holds nothing more.
    private func readCopy(of file: inout FollowedFile, among paths: [String]) throws -> Int {
        for path in paths {
            guard let first = try? QueueLogFileReader.firstLine(path: path), first == file.firstLine else { continue }
            let reader = try QueueLogFileReader(path: path)
            do {
                try reader.skip(file.reader.offset)
            } catch {
                logger.notice("\(error); the followed file's lines beyond it were read before its truncation")
                return 0
            }
            return try drain(reader, firstLine: file.firstLine, lines: &file.lines, skipOlder: nil, server: server)
        }
        return 0
    }
}
