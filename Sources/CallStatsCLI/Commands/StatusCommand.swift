import ArgumentParser
import Foundation
import Storage

#if canImport(Glibc)
import Glibc
#endif

/// `callstats status`: is the collector recording, and is it keeping up? Made for a human and
/// for a monitoring system (the exit status).
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the collection sessions and how fresh the data is; exit non-zero when collection is not live.",
        discussion: """
            Exit status: 0 when a collector is running with a live session whose last message is \
            at most --stale seconds old; 1 when no collection session is live; 2 when the last \
            message is older than --stale; 1 also when the database cannot be read, and 64 for a \
            usage error (a bad option value). The database is opened read-only.
            """
    )

    @OptionGroup var database: DatabaseOptions

    @Option(help: ArgumentHelp("Seconds without a message after which the data is stale.", valueName: "seconds"))
    var stale: Double = 300

    @Option(help: ArgumentHelp("table or json.", valueName: "format"))
    var format: String = "table"

    func validate() throws {
        guard stale > 0 else { throw ValidationError("--stale must be a positive number of seconds") }
        guard ["table", "json"].contains(format) else { throw ValidationError("--format must be table or json") }
    }

    func run() throws {
        let connection = try database.openReader()
        let report = try database.explainingFailures {
            try CollectionStatus(database: connection, path: database.db, now: Date().timeIntervalSince1970)
        }
        switch format {
        case "json":
            let data = try JSONSerialization.data(withJSONObject: report.json(stale: stale), options: [.prettyPrinted, .sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        default:
            print(report.text(stale: stale), terminator: "")
        }
        switch report.health(stale: stale) {
        case .live: return
        case .notLive: throw ExitCode(1)
        case .stale: throw ExitCode(2)
        }
    }
}

/// What `status` reports, read from one snapshot.
struct CollectionStatus {
    enum Health { case live, notLive, stale }

    struct Session {
        let id: Int64
        let server: String
        let protocolVersion: String?
        let tls: Bool
        let connectedAt: Double
        let startedAt: Double?
        let endedAt: Double?
        let endReason: String?
    }

    let sessions: [Session]
    let collectorRunning: Bool
    let lastReceivedAt: Double?
    let journalRows: Int64
    let malformedRows: Int64
    let databaseBytes: Int64
    let now: Double

    init(database: Database, path: String, now: Double) throws {
        self.now = now
        var sessions: [Session] = []
        var last: Double?
        var journal: Int64 = 0
        var malformed: Int64 = 0
        try database.read {
            try database.makeStatement("""
                SELECT session_id, server, protocol, tls, connected_at, started_at, ended_at, end_reason
                FROM collection_session ORDER BY session_id
                """).forEachRow { row in
                sessions.append(Session(
                    id: row.int64(0), server: row.string(1) ?? "", protocolVersion: row.string(2), tls: row.int(3) != 0,
                    connectedAt: row.double(4), startedAt: row.optionalDouble(5), endedAt: row.optionalDouble(6),
                    endReason: row.string(7)))
            }
            let reader = JournalReader(database: database)
            last = try reader.lastReceivedAt()
            journal = try reader.lineCount()
            malformed = try reader.malformedCount()
        }
        self.sessions = sessions
        lastReceivedAt = last
        journalRows = journal
        malformedRows = malformed
        let size = { (file: String) -> Int64 in
            ((try? FileManager.default.attributesOfItem(atPath: file))?[.size] as? NSNumber)?.int64Value ?? 0
        }
        databaseBytes = size(path) + size(path + "-wal")
        collectorRunning = Self.writerLockHeld(path + ".lock")
    }

    /// A collector holds `DB.lock` while it runs (see `WriterLock`); probing it never takes it
    /// for more than an instant, and never creates the file.
    static func writerLockHeld(_ path: String) -> Bool {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        if flock(descriptor, LOCK_SH | LOCK_NB) == 0 {
            flock(descriptor, LOCK_UN)
            return false
        }
        return true
    }

    var current: Session? {
        guard collectorRunning, let last = sessions.last, last.endedAt == nil else { return nil }
        return last
    }

    var secondsSinceLastMessage: Double? {
        lastReceivedAt.map { max(0, now - $0) }
    }

    func health(stale: Double) -> Health {
        guard current != nil else { return .notLive }
        guard let age = secondsSinceLastMessage, age <= stale else { return .stale }
        return .live
    }

    static func iso(_ time: Double) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: Date(timeIntervalSince1970: time))
    }

    func text(stale: Double) -> String {
        var lines: [String] = []
        if let current {
            lines.append("collecting: session \(current.id) from \(current.server), protocol \(current.protocolVersion ?? "?"), "
                + "\(current.tls ? "TLS" : "clear text"), connected since \(Self.iso(current.connectedAt))")
        } else {
            lines.append("not collecting: no collection session is live")
        }
        if let age = secondsSinceLastMessage {
            lines.append(String(format: "last message: %.0f s ago%@", age, age > stale ? " (stale: more than \(Int(stale)) s)" : ""))
        } else {
            lines.append("last message: none recorded")
        }
        lines.append("sessions: \(sessions.count)")
        for session in sessions.suffix(5) {
            let end = session.endedAt == nil ? "open" : "ended (\(session.endReason ?? "?"))"
            lines.append("  #\(session.id) \(session.server) connected \(Self.iso(session.connectedAt)), \(end)")
        }
        lines.append(String(format: "database: %.1f MB, %lld journal lines, %lld malformed",
                            Double(databaseBytes) / 1e6, journalRows, malformedRows))
        return lines.joined(separator: "\n") + "\n"
    }

    func json(stale: Double) -> [String: Any] {
        var object: [String: Any] = [
            "collecting": current != nil,
            "health": { switch health(stale: stale) { case .live: return "live"; case .notLive: return "not_live"; case .stale: return "stale" } }(),
            "sessions": sessions.count,
            "journal_rows": journalRows,
            "malformed_lines": malformedRows,
            "database_bytes": databaseBytes,
        ]
        object["seconds_since_last_message"] = secondsSinceLastMessage ?? NSNull()
        if let current {
            object["current_session"] = [
                "id": current.id, "server": current.server, "protocol": current.protocolVersion ?? NSNull(),
                "tls": current.tls, "connected_at": Self.iso(current.connectedAt),
            ] as [String: Any]
        }
        return object
    }
}
