import Reports

/// What `callstats serve` was told: the database, the zone, the thresholds and the token.
public struct ServeSettings: Sendable {
    public var databasePath: String
    /// The zone of the pages and of the API when a request names none (`?tz=`).
    public var calendar: ReportCalendar
    /// The "today so far" thresholds of the wallboard and `/metrics` (the API takes its own).
    public var thresholds = NowThresholds()
    /// When set, every request must carry it (bearer header, or the login cookie).
    public var token: String?
    /// Where `report nightly --out` writes its day folders, listed under `/reports`.
    public var reportsFolder: String?
    /// The wallboard's colours: a tile turns amber at these, red at the `alert` ones.
    public var wallboard = WallboardThresholds()
    /// How often the database is checked for a new commit (its `data_version`).
    public var pollInterval: Duration = .milliseconds(250)
    /// At most this many open Server-Sent Events streams; more get 503.
    public var maximumEventClients = 256
    /// `status`'s staleness for `/metrics` and the wallboard.
    public var stale = 300.0

    public init(databasePath: String, calendar: ReportCalendar) {
        self.databasePath = databasePath
        self.calendar = calendar
    }
}

/// `--warn-waiting`, `--alert-waiting`, `--warn-wait`, `--alert-wait`, `--warn-sl`, `--alert-sl`.
public struct WallboardThresholds: Sendable, Equatable {
    public var warnWaiting = 1
    public var alertWaiting = 5
    /// Seconds.
    public var warnLongestWait = 20.0
    public var alertLongestWait = 60.0
    /// Percent: below it the service level is amber (red below `alertServiceLevel`).
    public var warnServiceLevel = 80.0
    public var alertServiceLevel = 60.0

    public init() {}
}
