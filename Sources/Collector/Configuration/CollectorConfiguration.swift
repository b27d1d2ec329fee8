import CTIProtocol
import NIOSSL

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Whether to upgrade the connection with STARTTLS (offered by servers from 15.20).
public enum TLSMode: String, Sendable, CaseIterable {
    /// Answer the server's STARTTLS offer; stay in clear text with a server that makes none.
    case auto
    /// Never upgrade (the server's offer goes unanswered).
    case off
    /// Refuse to log in over clear text.
    case require
    /// TLS from the first byte, no STARTTLS: the separate TLS port (5013) XiVO had up to 15.19.
    case direct
}

/// Which protocol version `login_id` announces.
public enum ProtocolChoice: Sendable, Equatable {
    /// Start with 1.2 and, when the server names another version in its mismatch error
    /// (`xivoversion_client:<client>;<server>`), reconnect once with that one.
    case auto
    case fixed(CTIProtocolVersion)

    /// `auto` or one of the known versions (`1.2`, `2.0` ... `2.3`).
    public init?(argument: String) {
        if argument == "auto" {
            self = .auto
            return
        }
        let version = CTIProtocolVersion(argument)
        guard CTIProtocolVersion.known.contains(version) else { return nil }
        self = .fixed(version)
    }

    var firstVersion: CTIProtocolVersion {
        switch self {
        case .auto: return .v1_2
        case .fixed(let version): return version
        }
    }
}

/// The intervals the collector runs on. The defaults are the product's; tests shorten them.
public struct CollectorTiming: Sendable {
    /// A `keepalive` is sent this often once logged in (seconds).
    public var keepaliveInterval: Double = 60
    /// No line at all for this many keepalive intervals drops the connection (`idle_timeout`),
    /// once something we sent (a keepalive, a request) went unanswered for a whole interval:
    /// a collector that fell behind does not take its own delay for the server's silence.
    public var idleIntervals: Double = 2
    /// Windowed `getqueuesstats` for every queue this often (seconds).
    public var statsPollInterval: Double = 60
    /// With `--tls auto|require`, how long to wait for the server's STARTTLS offer (sent as
    /// soon as a 15.20+ server accepts the connection) before logging in without it.
    public var startTLSOfferWait: Double = 1
    /// Granularity of the session's timers (keepalive, polls, idle check, offer wait).
    public var tickInterval: Double = 0.25
    /// How often the writer is asked to commit a batch that has become old enough.
    public var commitCheckInterval: Double = 0.1
    /// How often the statistics line is logged.
    public var statusLogInterval: Double = 60
    /// TCP connection attempt timeout.
    public var connectTimeout: Double = 10
    public var backoff = Backoff()
    /// Waiting for another process's lock, and checking that the file is still there.
    public var database = DatabaseGuardTiming()

    public init() {}

    public var idleTimeout: Double { keepaliveInterval * idleIntervals }
}

/// Everything `callstats collect` was asked to do.
public struct CollectorConfiguration: Sendable {
    public var server: ServerAddress
    public var user: String
    public var password: Password
    public var protocolChoice: ProtocolChoice = .auto
    public var tls: TLSMode = .auto
    /// A PEM file of the certificate authorities to trust instead of the system's.
    public var certificateAuthorityFile: String?
    /// One session: exit 0 when the server closes, throw on any failure (no reconnection).
    public var once = false
    /// The `window` and `xqos` of the windowed statistics requests (seconds). The window
    /// must be the recorder's `RecorderOptions.statsWindowSeconds`.
    public var statsWindowSeconds = 3_600
    public var statsQoSSeconds = 60
    /// `ident` and `company` of `login_id`.
    public var ident = "callstats"
    public var company = "default"
    /// The lists read at every session's start (`listid`, then each object's config and status).
    public var lists = ["users", "phones", "agents", "queues", "queuemembers"]
    /// The longest line accepted; a longer one drops the connection (`line_too_long`).
    public var maximumLineLength = LineFramer.defaultMaximumLineLength
    public var timing = CollectorTiming()

    public init(server: ServerAddress, user: String, password: Password) {
        self.server = server
        self.user = user
        self.password = password
    }

    /// The TLS client context: full certificate and host name verification, trusting either
    /// the system's roots or only the authorities of `certificateAuthorityFile`. `nil` when TLS
    /// is off. The server only speaks TLS 1.0, which NIOSSL's client default still allows.
    func makeTLSContext() throws(CollectorError) -> NIOSSLContext? {
        guard tls != .off else { return nil }
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.certificateVerification = .fullVerification
        if let path = certificateAuthorityFile {
            guard access(path, R_OK) == 0 else {
                throw .certificateAuthorityFile(path, String(cString: strerror(errno)))
            }
            do {
                let certificates = try NIOSSLCertificate.fromPEMFile(path)
                guard !certificates.isEmpty else {
                    throw CollectorError.certificateAuthorityFile(path, "no PEM certificate in it")
                }
                configuration.trustRoots = .certificates(certificates)
            } catch let error as CollectorError {
                throw error
            } catch {
                throw .certificateAuthorityFile(path, "\(error)")
            }
        }
        do {
            return try NIOSSLContext(configuration: configuration)
        } catch {
            throw .tlsSetup("\(error)")
        }
    }
}
