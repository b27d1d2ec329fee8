import ArgumentParser
import CTIProtocol
import Foundation
import Reports
import Storage

struct JournalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "journal",
        abstract: "Print the journal's lines exactly as the CTI server sent them, one per line.",
        discussion: """
            For support and for feeding other tools: every line received, byte for byte, in \
            receive order, streamed (memory stays small whatever the range). --from and --to \
            select by when the collector received a line (its local clock), in the zone of --tz.
            """
    )

    @OptionGroup var database: DatabaseOptions

    @Option(help: ArgumentHelp("Lines received at or after: YYYY-MM-DD, YYYY-MM-DDTHH:MM[:SS] (wall clock of --tz) or with an offset (…+02:00, …Z).", valueName: "time"))
    var from: String?

    @Option(help: ArgumentHelp("Lines received before this time, in the same forms as --from.", valueName: "time"))
    var to: String?

    @Option(help: ArgumentHelp("Time zone of --from and --to (default: this machine's).", valueName: "zone"))
    var tz: String?

    @Option(help: ArgumentHelp("Only the lines of this collection session (`callstats status` lists them).", valueName: "id"))
    var session: Int64?

    @Option(name: .customLong("class"), help: ArgumentHelp("Only the lines of this message class (getlist, getqueuesstats, login_id, ...).", valueName: "class"))
    var messageClass: String?

    @Flag(help: "Put each line's seq, received time and event time (seconds since 1970) before it, separated by tabs.")
    var withTimes = false

    func validate() throws {
        if let session, session < 1 {
            throw ValidationError("--session must be a collection session's id (1 or more)")
        }
        _ = try filter()
    }

    /// The lines asked for; every error is about the options' values (`ValidationError`).
    private func filter() throws -> JournalFilter {
        let calendar = try NowOptions.calendar(tz)
        func instant(_ text: String?, _ option: String) throws -> Double? {
            guard let text else { return nil }
            do {
                return try calendar.parseInstant(text)
            } catch {
                throw ValidationError("\(option) \(error)")
            }
        }
        let filter = JournalFilter(
            sessionID: session, receivedFrom: try instant(from, "--from"), receivedBefore: try instant(to, "--to"))
        if let start = filter.receivedFrom, let end = filter.receivedBefore, end <= start {
            throw ValidationError("--to \(to ?? "") must come after --from \(from ?? "")")
        }
        return filter
    }

    func run() throws {
        let filter = try filter()
        let connection = try database.openReader()
        var output = StandardOutput()
        try database.explainingFailures {
            try connection.read {
                try JournalReader(database: connection).forEachLine(filter) { line in
                    if let messageClass {
                        guard let decoded = try? ServerMessage.decode(line.bytes), decoded.classname == messageClass else { return }
                    }
                    if withTimes {
                        try output.write("\(line.seq)\t\(line.receivedAt)\t\(line.eventTime)\t")
                    }
                    try output.write(line.bytes)
                    try output.write("\n")
                }
            }
        }
        try output.flush()
    }
}

/// Standard output through a buffer, written in large pieces.
private struct StandardOutput {
    private var buffer = Data()

    mutating func write(_ text: String) throws {
        buffer.append(contentsOf: text.utf8)
        try flushIfFull()
    }

    mutating func write(_ bytes: UnsafeRawBufferPointer) throws {
        buffer.append(contentsOf: bytes)
        try flushIfFull()
    }

    private mutating func flushIfFull() throws {
        if buffer.count >= 64 * 1024 { try flush() }
    }

    mutating func flush() throws {
        do {
            try FileHandle.standardOutput.write(contentsOf: buffer)
        } catch {
            throw CLIError("cannot write to standard output: \(error.localizedDescription)")
        }
        buffer.removeAll(keepingCapacity: true)
    }
}
