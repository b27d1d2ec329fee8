import Storage

/// The instant the supervisor's views describe, on the CTI server's clock (the clock of every
/// recorded time).
///
/// While a collection session is live it is the server's clock now: the latest message's
/// `timenow` carried forward by the local time elapsed since that message was received.
/// Otherwise nothing is known after the latest recorded event, so that is "now", and every
/// view says so.
public struct AsOf: Sendable, Equatable {
    public enum Source: String, Sendable {
        /// A collector is connected and recording: the server's clock now.
        case live
        /// No live collection: the latest event recorded in the database.
        case latestEvent = "latest_event"
    }

    public let time: Double
    public let source: Source
    /// The live session's server (`host:port`), when live.
    public let server: String?

    public init(time: Double, source: Source, server: String? = nil) {
        self.time = time
        self.source = source
        self.server = server
    }

    public var isLive: Bool { source == .live }

    /// Finds "now" in the snapshot being read (call inside `database.read { }`).
    ///
    /// - Parameters:
    ///   - collectorRunning: whether a collector process holds the database's writer lock;
    ///     a session row without an end but without a running collector is a crash, not live.
    ///   - wallClock: the local clock now, to carry the server's clock forward while live.
    /// - Returns: nil when no session ever heard from the server (nothing recorded yet).
    public static func find(in database: Database, collectorRunning: Bool, wallClock: Double) throws -> AsOf? {
        let latest = try database.cachedStatement("""
            SELECT session_id, server, started_at, ended_at, last_event_at FROM collection_session
            ORDER BY session_id DESC LIMIT 1
            """).firstRow { row in
            (id: row.int64(0), server: row.string(1) ?? "", started: row.optionalDouble(2), ended: row.optionalDouble(3),
             lastEvent: row.optionalDouble(4))
        }
        if collectorRunning, let latest, latest.ended == nil, let started = latest.started {
            // The newest journal row is the line behind `last_event_at` (both are written in
            // the same commit); its local receive time dates the server's clock.
            let receivedAt = try JournalReader(database: database).lastReceivedAt(sessionID: latest.id)
            let serverTime = latest.lastEvent ?? started
            let elapsed = receivedAt.map { max(0, wallClock - $0) } ?? 0
            return AsOf(time: serverTime + elapsed, source: .live, server: latest.server)
        }
        let latestEvent = try database.cachedStatement("""
            SELECT max(coalesce(last_event_at, started_at)) FROM collection_session WHERE started_at IS NOT NULL
            """).firstRow { $0.optionalDouble(0) } ?? nil
        return latestEvent.map { AsOf(time: $0, source: .latestEvent) }
    }

    /// `live: collecting from HOST:PORT` or `latest recorded event; no live collection`.
    public var explanation: String {
        switch source {
        case .live: return "live: collecting from \(server ?? "the CTI server")"
        case .latestEvent: return "latest recorded event; no live collection"
        }
    }
}

/// "Today so far" in the views: from the start of the calendar day (in the views' time zone)
/// holding `asOf`, to `asOf` itself, included.
public struct TodaySoFar: Sendable, Equatable {
    public let day: ReportCalendar.Day
    /// `[start of day, asOf]`, as a half-open period ending just after `asOf`, so whatever
    /// happened at the very instant of the latest event is counted.
    public let period: Period

    public init(asOf: Double, calendar: ReportCalendar) throws(ReportTimeError) {
        day = calendar.day(containing: asOf)
        let start = try calendar.range(of: day).start
        period = Period(start: start, end: max(asOf, start).nextUp)
    }
}
