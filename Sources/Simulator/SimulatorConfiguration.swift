/// The CTI protocol generation the simulated server speaks.
public enum SimulatedProtocolVersion: String, Sendable, CaseIterable {
    /// XiVO 12.x - 15.18: `xivoversion` "1.2", `hashedpassword`, channels list, no STARTTLS.
    case v1_2 = "1.2"
    /// Wazo 17.16 - 19.03: `wazoversion` "2.3", clear `password`, no channels list, STARTTLS
    /// offered on connect.
    case v2_3 = "2.3"

    var isLegacy: Bool { self == .v1_2 }
}

/// How simulated time relates to real time.
public enum SimulationSpeed: Sendable, Equatable, CustomStringConvertible {
    /// Simulated seconds per real second (1 = real time).
    case factor(Double)
    /// As fast as the slowest logged-in client reads (back-pressure), never faster.
    case max

    public var description: String {
        switch self {
        case .max: return "max"
        case .factor(let f): return "\(f)"
        }
    }
}

public struct SimulatorConfiguration: Sendable {
    /// Default start of the simulated day: Monday 2026-11-02 08:00:00 UTC.
    public static let defaultStart = ISO8601Instant.parse("2026-11-02T08:00:00Z")!.micros

    public var host = "127.0.0.1"
    public var port = 5003
    public var protocolVersion: SimulatedProtocolVersion = .v1_2
    /// The CTI account the collector logs in with.
    public var user = "stats"
    public var password = "secret"
    public var seed: UInt64 = 1
    public var speed: SimulationSpeed = .factor(1)
    /// Simulated time (µs since the epoch) the clock shows when it starts.
    public var start: Int64 = SimulatorConfiguration.defaultStart
    /// The simulated server's local zone, for queue members' `lastcall` (`HH:MM:SS`).
    public var utcOffsetSeconds = 0
    /// Length of the simulated day in µs.
    public var duration: Int64 = 8 * 3600 * 1_000_000
    public var queues = 3
    public var agents = 20
    /// Where to write the ground truth (JSON lines); nil for none.
    public var truthPath: String?
    /// Where to write the queue_log the simulated Asterisk would write (file form), if anywhere.
    public var queueLogPath: String?
    /// Close every connection and finish once the simulated duration has elapsed.
    public var exitWhenDone = false
    /// Real seconds between the first successful login and the start of the simulated clock.
    /// A real server answers a client's bootstrap (lists, configs, statuses, subscriptions)
    /// in milliseconds of its day; at `--speed max` the day would otherwise run ahead while
    /// those requests cross the loopback, and the client would start from a later state
    /// than the one the day began with.
    public var clockStartDelaySeconds: Double = 1
    /// Login must complete within this many real seconds of connecting (the real server: 5).
    public var loginTimeoutSeconds: Double = 5
    /// Protocol 2.x: send `{"class":"starttls"}` on connect as Wazo does (`starttls: true` in
    /// its config). A client that answers `status: true` gets `starttls: true` back and the TLS
    /// handshake follows when `tls` is set; without a certificate it is told `false` and stays
    /// in clear text.
    public var offerStartTLS = true
    /// The server's certificate and key: STARTTLS on the main port (protocol 2.x) and the
    /// direct TLS listener. TLS 1.0 only, like the real server (`ssl.PROTOCOL_TLSv1`).
    public var tls: SimulatorTLS?
    /// Protocol 1.2: a second listener that speaks TLS from the first byte, as XiVO's `CTIS`
    /// port (5013) up to 15.19 did; nil for none. Needs `tls`.
    public var directTLSHost: String?
    public var directTLSPort: Int?
    /// Multiplies every call rate (queue arrivals, direct inbound, outbound and internal calls).
    /// 1: the traffic is sized to the staff. Above 1, more calls arrive than the agents can
    /// answer and the queues fill, as in a surge.
    public var loadFactor: Double = 1
    /// Hold the call rates at the day's peak for the whole duration (stress runs) instead of
    /// following the day's profile.
    public var holdPeak = false
    /// Back-pressure bounds per client: NIO stops reporting the channel writable above `high`.
    public var writeBufferLowWaterMark = 128 * 1024
    public var writeBufferHighWaterMark = 512 * 1024
    /// At a finite speed the clock never waits: a client whose unsent output exceeds this is
    /// disconnected rather than buffered without bound.
    public var dropClientAboveBufferedBytes = 32 * 1024 * 1024
    /// Longest client line accepted (the real server has no limit; a line this long can only be
    /// an attack or a bug, and buffering it without bound would be one too).
    public var maximumLineLength = 1 << 20

    public init() {}
}

/// PEM files for the simulated server's TLS (a certificate chain, leaf first, and its key).
public struct SimulatorTLS: Sendable, Equatable {
    public var certificateChainFile: String
    public var privateKeyFile: String

    public init(certificateChainFile: String, privateKeyFile: String) {
        self.certificateChainFile = certificateChainFile
        self.privateKeyFile = privateKeyFile
    }
}
