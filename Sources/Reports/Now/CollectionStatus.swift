import Foundation
import Storage

#if canImport(Glibc)
import Glibc
#endif

/// What `callstats status` reports, read from one snapshot; also `serve`'s `/api/v1/status`
/// and `/metrics`, so the three never disagree.
public struct CollectionStatus: Sendable {
    public enum Health: Sendable { case live, notLive, stale }

    public struct Session: Sendable {
        public let id: Int64
        public let server: String
        public let protocolVersion: String?
        public let tls: Bool
        public let connectedAt: Double
        public let startedAt: Double?
        public let endedAt: Double?
        public let endReason: String?
        /// `queue_log_file` or `queue_log_table` for an import of Asterisk's queue_log (its
        /// `server` is then `queue_log` and what it reads); nil for a CTI session.
        public let queueLogKind: String?
        /// A queue_log follower's last look at its source (local clock), which a quiet
        /// queue_log leaves without new lines for hours.
        public let polledAt: Double?

        /// What the session reads, for people: the CTI server, or the queue_log's files or table.
        public var sourceText: String {
            guard let queueLogKind else { return server }
            let what = server.hasPrefix("queue_log ") ? String(server.dropFirst("queue_log ".count)) : server
            return (queueLogKind == "queue_log_table" ? "queue_log table " : "queue_log file ") + what
        }
    }

    public let sessions: [Session]
    public let collectorRunning: Bool
    public let lastReceivedAt: Double?
    public let journalRows: Int64
    public let malformedRows: Int64
    public let databaseBytes: Int64
    public let now: Double

    public init(database: Database, path: String, now: Double) throws {
        self.now = now
        var sessions: [Session] = []
        var last: Double?
        var journal: Int64 = 0
        var malformed: Int64 = 0
        try database.read {
            try database.makeStatement("""
                SELECT s.session_id, s.server, s.protocol, s.tls, s.connected_at, s.started_at, s.ended_at, s.end_reason, 'queue_log_' || q.kind, q.polled_at
                FROM collection_session s LEFT JOIN queue_log_source q ON q.source_id = s.source_id ORDER BY s.session_id
                """).forEachRow { row in
                sessions.append(Session(
                    id: row.int64(0), server: row.string(1) ?? "", protocolVersion: row.string(2), tls: row.int(3) != 0,
                    connectedAt: row.double(4), startedAt: row.optionalDouble(5), endedAt: row.optionalDouble(6),
                    endReason: row.string(7), queueLogKind: row.string(8), polledAt: row.optionalDouble(9)))
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
    public static func writerLockHeld(_ path: String) -> Bool {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        if flock(descriptor, LOCK_SH | LOCK_NB) == 0 {
            flock(descriptor, LOCK_UN)
            return false
        }
        return true
    }

    public var current: Session? {
        guard collectorRunning, let last = sessions.last, last.endedAt == nil else { return nil }
        return last
    }

    public var secondsSinceLastMessage: Double? {
        lastReceivedAt.map { max(0, now - $0) }
    }

    /// A queue_log follower's last look at its file or table.
    public var secondsSinceLastLook: Double? {
        current?.polledAt.map { max(0, now - $0) }
    }

    /// Fresh when the last message, or a queue_log follower's last look, is recent: a quiet
    /// queue_log (no call at night) writes no line for hours while its follower is live.
    public func health(stale: Double) -> Health {
        guard current != nil else { return .notLive }
        let ages = [secondsSinceLastMessage, secondsSinceLastLook].compactMap { $0 }
        guard let age = ages.min(), age <= stale else { return .stale }
        return .live
    }

    static func iso(_ time: Double) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: Date(timeIntervalSince1970: time))
    }

    public func text(stale: Double) -> String {
        var lines: [String] = []
        if let current, current.queueLogKind != nil {
            // An import of Asterisk's queue_log (`import queue-log`, `--follow` to keep reading).
            lines.append("following: session \(current.id), \(current.sourceText), since \(Self.iso(current.connectedAt))")
        } else if let current {
            lines.append("collecting: session \(current.id) from \(current.server), protocol \(current.protocolVersion ?? "?"), "
                + "\(current.tls ? "TLS" : "clear text"), connected since \(Self.iso(current.connectedAt))")
        } else {
            lines.append("not collecting: no collection session is live")
        }
        if let look = secondsSinceLastLook {
            // A follower: its last look says whether it is live; its last line may be hours old.
            lines.append(String(format: "last look at the queue_log: %.0f s ago%@", look, look > stale ? " (stale: more than \(Int(stale)) s)" : ""))
            lines.append(secondsSinceLastMessage.map { String(format: "last line read: %.0f s ago", $0) } ?? "last line read: none recorded")
        } else if let age = secondsSinceLastMessage {
            lines.append(String(format: "last message: %.0f s ago%@", age, age > stale ? " (stale: more than \(Int(stale)) s)" : ""))
        } else {
            lines.append("last message: none recorded")
        }
        lines.append("sessions: \(sessions.count)")
        for session in sessions.suffix(5) {
            let end = session.endedAt == nil ? "open" : "ended (\(session.endReason ?? "?"))"
            lines.append("  #\(session.id) \(session.sourceText) connected \(Self.iso(session.connectedAt)), \(end)")
        }
        lines.append(String(format: "database: %.1f MB, %lld journal lines, %lld malformed",
                            Double(databaseBytes) / 1e6, journalRows, malformedRows))
        return lines.joined(separator: "\n") + "\n"
    }

    /// `status --format json`: sorted keys, indented, one object and a newline.
    public func jsonText(stale: Double) -> String {
        // Only strings, numbers, booleans, NSNull and dictionaries of them: serializable.
        let data = (try? JSONSerialization.data(withJSONObject: json(stale: stale), options: [.prettyPrinted, .sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self) + "\n"
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
        if let look = secondsSinceLastLook {
            object["seconds_since_last_look"] = look
        }
        if let current {
            object["current_session"] = [
                "id": current.id, "server": current.server, "protocol": current.protocolVersion ?? NSNull(),
                "tls": current.tls, "connected_at": Self.iso(current.connectedAt),
                "source": current.queueLogKind ?? "cti",
            ] as [String: Any]
        }
        return object
    }
}
