import Foundation
import Reports
import Storage

/// A read-only connection on a thread of its own: every SQLite call of `serve` runs here,
/// never on Swift's cooperative pool (a read can wait on the disk, and a month's report takes
/// seconds). Callers await it like any actor and get text or `Sendable` values back; the
/// connection never leaves this thread.
///
/// `serve` keeps two: one for the live views (API views, `/metrics`, the wallboard's polls)
/// and one for reports, so a long report never holds up the wallboard.
public actor SnapshotReader {
    private let executor: ThreadExecutor
    public nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    private let database: Database
    public nonisolated let path: String
    /// Views, statuses and boards read since the reader opened (the tests count them).
    public private(set) var snapshotsRead = 0

    /// Opens `path` read-only (never creates it).
    public init(path: String, threadName: String) throws {
        self.path = path
        executor = ThreadExecutor(name: threadName)
        database = try Database.openReader(path: path)
        try ReportQueries.tune(database)
    }

    deinit {
        executor.stop()
    }

    /// SQLite's `data_version`: changes whenever another connection commits to the file, and
    /// costs no read of the database (the wallboard's change detector).
    public func dataVersion() throws -> Int64 {
        try database.fetchInt64("PRAGMA data_version") ?? 0
    }

    /// One of the supervisor's views, rendered as `callstats agents|queues|calls --format json` would.
    public func listing(_ view: ViewRequest, calendar: ReportCalendar, wallClock: Double) throws -> String {
        snapshotsRead += 1
        return try NowSnapshot.read(database: database, path: path, calendar: calendar, thresholds: view.thresholds, wallClock: wallClock) { queries in
            switch view.kind {
            case .agents:
                return NowListing.agents(try queries.agents(), queries: queries).render(.json)
            case .queues:
                return NowListing.queues(try queries.queues(), queries: queries).render(.json)
            case .calls(let since, let queues, let users, let missed, let limit):
                let start = try since.map { text -> Double in
                    guard let instant = ParameterText.since(text, calendar: queries.calendar, today: queries.today.day) else {
                        throw ReportError("since=\(text): not a time: use HH:MM (today), YYYY-MM-DD, or YYYY-MM-DDTHH:MM[:SS] with an optional offset (Z, +02:00)", isBadArgument: true)
                    }
                    return instant
                } ?? queries.today.period.start
                let filter = RecentCallsFilter(since: start, queues: queues, users: users, missedOnly: missed, limit: limit == 0 ? nil : limit)
                return NowListing.calls(try queries.recentCalls(filter), queries: queries, filter: filter).render(.json)
            }
        }
    }

    /// A report, as `callstats report KIND --format FORMAT` prints it.
    public func report(_ kind: ReportKind, format: ReportFormat, parameters: ReportParameters) throws -> String {
        var output = StringOutput()
        try ReportRendering.render(kind, format: format, database: database, parameters: parameters, width: 100, into: &output)
        return output.text
    }

    /// A report as `callstats report KIND --format xlsx` writes it: the workbook's bytes (held
    /// whole, to be sent as one download).
    public func workbook(_ kind: ReportKind, parameters: ReportParameters) throws -> [UInt8] {
        let output = MemoryByteOutput()
        _ = try ReportRendering.renderWorkbook(kind, database: database, parameters: parameters, into: output)
        return output.bytes
    }

    /// `callstats status --format json`.
    public func status(stale: Double, wallClock: Double) throws -> String {
        snapshotsRead += 1
        return try CollectionStatus(database: database, path: path, now: wallClock).jsonText(stale: stale)
    }

    /// Everything the wallboard and `/metrics` show, from one snapshot.
    public func board(calendar: ReportCalendar, thresholds: NowThresholds, stale: Double, wallClock: Double, missedLimit: Int = 10) throws -> Board {
        snapshotsRead += 1
        let status = try CollectionStatus(database: database, path: path, now: wallClock)
        return try NowSnapshot.read(database: database, path: path, calendar: calendar, thresholds: thresholds, wallClock: wallClock) { queries in
            let filter = RecentCallsFilter(since: queries.today.period.start, missedOnly: true, limit: missedLimit)
            return Board(
                asOf: queries.asOf, calendar: queries.calendar, today: queries.today,
                serviceLevelThreshold: queries.todayParameters.serviceLevelThreshold,
                agents: try queries.agents(), queues: try queries.queues(),
                missedCalls: try queries.recentCalls(filter),
                visitTotals: try queries.visitOutcomeTotals(),
                collecting: status.current != nil, health: status.health(stale: stale),
                secondsSinceLastMessage: status.secondsSinceLastMessage, journalLines: status.journalRows
            )
        }
    }
}

/// One snapshot of the floor: the wallboard's and `/metrics`' figures.
public struct Board: Sendable {
    public var asOf: AsOf
    public var calendar: ReportCalendar
    public var today: TodaySoFar
    public var serviceLevelThreshold: Double
    public var agents: [AgentNow]
    public var queues: [QueueNow]
    /// Today's latest missed calls and visits, newest first.
    public var missedCalls: [RecentCall]
    /// Per queue id and outcome, the visits that ended since the database began.
    public var visitTotals: [VisitOutcomeTotal]
    public var collecting: Bool
    public var health: CollectionStatus.Health
    public var secondsSinceLastMessage: Double?
    public var journalLines: Int64

    /// The agents of a queue (by membership) in each state.
    public func agentStates(ofQueue queueID: String) -> [String: Int] {
        var counts: [String: Int] = [:]
        for agent in agents where agent.queueIDs.contains(queueID) {
            counts[agent.state ?? "unknown", default: 0] += 1
        }
        return counts
    }
}

/// Which view an API request asks for, with the command line's options.
public struct ViewRequest: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        case agents, queues
        case calls(since: String?, queues: [String], users: [String], missed: Bool, limit: Int)
    }

    public var kind: Kind
    public var thresholds: NowThresholds

    public init(kind: Kind, thresholds: NowThresholds = NowThresholds()) {
        self.kind = kind
        self.thresholds = thresholds
    }
}
