import CallStatsTestSupport
import Foundation
import Storage
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Certificates made for the run with the `openssl` command-line tool (Debian's `openssl`
/// package; `.ci/run` installs it): a private CA, a server certificate it signed for the name
/// `localhost` only, and a self-signed certificate that no one trusts.
struct TestPKI {
    let caCertificate: String
    let serverCertificate: String
    let serverKey: String
    let selfSignedCertificate: String
    let selfSignedKey: String

    struct OpenSSLFailed: Error, CustomStringConvertible {
        let description: String
    }

    static func make(in folder: TemporaryFolder) throws -> TestPKI {
        let pki = TestPKI(
            caCertificate: folder.path("ca.pem"), serverCertificate: folder.path("server.pem"),
            serverKey: folder.path("server.key"), selfSignedCertificate: folder.path("self-signed.pem"),
            selfSignedKey: folder.path("self-signed.key"))
        let caKey = folder.path("ca.key")
        let request = folder.path("server.csr")
        let extensions = folder.path("server.ext")
        try Data("subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n".utf8)
            .write(to: URL(fileURLWithPath: extensions))
        let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        try openssl(["req", "-x509"] + ec + ["-days", "2", "-subj", "/CN=CallStats test CA",
                     "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
                     "-keyout", caKey, "-out", pki.caCertificate])
        try openssl(["req"] + ec + ["-subj", "/CN=localhost", "-keyout", pki.serverKey, "-out", request])
        try openssl(["x509", "-req", "-in", request, "-CA", pki.caCertificate, "-CAkey", caKey, "-set_serial", "0x5eca11",
                     "-days", "2", "-extfile", extensions, "-out", pki.serverCertificate])
        try openssl(["req", "-x509"] + ec + ["-days", "2", "-subj", "/CN=localhost",
                     "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                     "-keyout", pki.selfSignedKey, "-out", pki.selfSignedCertificate])
        return pki
    }

    private static func openssl(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try RequiredTool.openssl.require())
        process.arguments = arguments
        let errors = Pipe()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw OpenSSLFailed(description: "openssl \(arguments.joined(separator: " ")): \(text)")
        }
    }
}

/// TLS between the real collector and the real simulator, both as processes: STARTTLS (protocol
/// 2.3) and the direct TLS port (protocol 1.2), certificate and host name verification, and
/// `--tls require` against servers that cannot give it.
@Suite("TLS end to end", .serialized, .timeLimit(.minutes(5)), RequiredTool.openssl.trait)
struct TLSEndToEndTests {
    struct Setup {
        let binary: CallStatsBinary
        let folder: TemporaryFolder
        let pki: TestPKI
        let database: String
        let passwordFile: String
    }

    static func setup() throws -> Setup {
        let base = try CollectorSetup.make()
        return Setup(binary: base.binary, folder: base.folder, pki: try TestPKI.make(in: base.folder),
                     database: base.database, passwordFile: base.passwordFile)
    }

    struct Simulator {
        let process: RunningCallStats
        /// The clear-text port (STARTTLS there with protocol 2.3).
        let port: Int
        /// The direct TLS port, with `--tls-listen`.
        let tlsPort: Int?

        /// Stops it (if the day has not ended it) and returns its log.
        func finish() -> String {
            process.signal(SIGTERM)
            _ = process.wait()
            return process.standardError()
        }
    }

    /// A short day at full speed that ends by itself, so a `--once` collector exits 0.
    static func simulator(_ setup: Setup, protocolVersion: String, extra: [String] = []) throws -> Simulator {
        let process = try RunningCallStats(binary: setup.binary, arguments: [
            "simulate", "--listen", "127.0.0.1:0", "--protocol", protocolVersion, "--speed", "max", "--exit-when-done",
            "--duration", "20m", "--agents", "5", "--queues", "2", "--seed", "3",
        ] + extra)
        func port(after prefix: String) throws -> Int {
            guard let line = process.nextLine(), line.hasPrefix(prefix),
                  let port = line.split(separator: ":").last.flatMap({ Int($0) })
            else { throw CollectorTruthTests.Failure("the simulator did not start: \(process.standardError())") }
            return port
        }
        let main = try port(after: "listening ")
        let tls = extra.contains("--tls-listen") ? try port(after: "listening-tls ") : nil
        return Simulator(process: process, port: main, tlsPort: tls)
    }

    /// One collection session (`--once`), run to its end.
    static func collect(_ setup: Setup, server: String, _ options: [String]) throws -> CallStatsBinary.Result {
        try setup.binary.run([
            "collect", "--server", server, "--user", "stats", "--password-file", setup.passwordFile,
            "--db", setup.database, "--once", "--log-level", "info",
        ] + options)
    }

    static func sessions(_ setup: Setup) throws -> [(tls: Bool, protocolVersion: String?, endReason: String?)] {
        let database = try Database(path: setup.database, mode: .readWrite)
        try database.snapshotJournal()
        var rows: [(Bool, String?, String?)] = []
        try database.makeStatement("SELECT tls, protocol, end_reason FROM collection_session ORDER BY session_id")
            .forEachRow { rows.append(($0.int(0) != 0, $0.string(1), $0.string(2))) }
        return rows
    }

    /// The simulator's `login_id received` lines: what reached it, and whether over TLS.
    static func loginIDs(in log: String) -> [String] {
        log.split(separator: "\n").filter { $0.contains("login_id received") }.map(String.init)
    }

    @Test("STARTTLS (protocol 2.3): the CA given with --ca is trusted, the day is recorded, the session says TLS")
    func startTLS() throws {
        let setup = try Self.setup()
        let simulator = try Self.simulator(setup, protocolVersion: "2.3", extra: [
            "--tls-certificate", setup.pki.serverCertificate, "--tls-key", setup.pki.serverKey,
        ])
        let result = try Self.collect(setup, server: "localhost:\(simulator.port)", [
            "--protocol", "2.3", "--tls", "require", "--ca", setup.pki.caCertificate,
        ])
        let log = simulator.finish()
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("(CTI protocol 2.3, TLS)"), "\(result.stderr)")

        let sessions = try Self.sessions(setup)
        #expect(sessions.count == 1)
        #expect(sessions.first?.tls == true)
        #expect(sessions.first?.protocolVersion == "2.3")
        let database = try Database(path: setup.database, mode: .readWrite)
        try database.snapshotJournal()
        // The offer and its echo in clear, then the whole day over TLS.
        #expect(try database.fetchString("SELECT line FROM journal ORDER BY seq LIMIT 1")?.hasPrefix(#"{"class":"starttls""#) == true)
        #expect(try database.fetchString("SELECT line FROM journal ORDER BY seq LIMIT 1 OFFSET 1")?
            .hasPrefix(#"{"class":"starttls","starttls":true"#) == true)
        #expect(try database.fetchInt64("SELECT count(*) FROM journal") ?? 0 > 500)
        #expect(try database.fetchInt64("SELECT count(*) FROM agent_state_interval") ?? 0 > 0)
        let logins = Self.loginIDs(in: log)
        #expect(logins.count == 1, "\(log)")
        #expect(logins.allSatisfy { $0.contains("tls=true") }, "\(logins)")
    }

    @Test("direct TLS (protocol 1.2, --tls direct): TLS from the first byte to the simulator's TLS port")
    func directTLS() throws {
        let setup = try Self.setup()
        let simulator = try Self.simulator(setup, protocolVersion: "1.2", extra: [
            "--tls-certificate", setup.pki.serverCertificate, "--tls-key", setup.pki.serverKey,
            "--tls-listen", "127.0.0.1:0",
        ])
        let tlsPort = try #require(simulator.tlsPort)
        let result = try Self.collect(setup, server: "localhost:\(tlsPort)", ["--tls", "direct", "--ca", setup.pki.caCertificate])
        let log = simulator.finish()
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("(CTI protocol 1.2, TLS)"), "\(result.stderr)")

        let sessions = try Self.sessions(setup)
        #expect(sessions.map(\.tls) == [true])
        let database = try Database(path: setup.database, mode: .readWrite)
        try database.snapshotJournal()
        // No STARTTLS exchange: the first line is the login_id reply.
        #expect(try database.fetchString("SELECT line FROM journal ORDER BY seq LIMIT 1")?.hasPrefix(#"{"class":"login_id""#) == true)
        #expect(try database.fetchInt64("SELECT count(*) FROM journal") ?? 0 > 500)
        let logins = Self.loginIDs(in: log)
        #expect(logins.count == 1, "\(log)")
        #expect(logins.allSatisfy { $0.contains("tls=true") }, "\(logins)")
    }

    @Test("--tls require against a server without STARTTLS: refused before any login line is sent")
    func requireWithoutOffer() throws {
        let setup = try Self.setup()
        // Protocol 1.2: no offer at all.
        let legacy = try Self.simulator(setup, protocolVersion: "1.2")
        let refused = try Self.collect(setup, server: "127.0.0.1:\(legacy.port)", ["--tls", "require"])
        let legacyLog = legacy.finish()
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("did not offer STARTTLS, and --tls require forbids logging in over clear text"), "\(refused.stderr)")
        #expect(legacyLog.contains("client connected"), "\(legacyLog)")
        #expect(Self.loginIDs(in: legacyLog).isEmpty, "\(legacyLog)")
        #expect(try Self.sessions(setup).map(\.endReason) == ["tls_unavailable"])

        // Protocol 2.3 without a certificate: offered, then declined.
        let declining = try Self.simulator(setup, protocolVersion: "2.3")
        let declined = try Self.collect(setup, server: "127.0.0.1:\(declining.port)", ["--protocol", "2.3", "--tls", "require"])
        let decliningLog = declining.finish()
        #expect(declined.status != 0)
        #expect(declined.stderr.contains("declined the STARTTLS upgrade"), "\(declined.stderr)")
        #expect(Self.loginIDs(in: decliningLog).isEmpty, "\(decliningLog)")

        // (Only the last session's reason: the first one never heard the server, so it has no
        // end time, and the next run's start takes it for a crashed session.)
        #expect(try Self.sessions(setup).last?.endReason == "tls_unavailable")
        let database = try Database(path: setup.database, mode: .readWrite)
        try database.snapshotJournal()
        #expect(try database.fetchInt64("SELECT count(*) FROM journal WHERE class = 'login_id'") == 0)
    }

    @Test("verification is on by default: a self-signed certificate is refused without --ca, accepted with it")
    func selfSignedRefusedByDefault() throws {
        let setup = try Self.setup()
        let simulator = try Self.simulator(setup, protocolVersion: "2.3", extra: [
            "--tls-certificate", setup.pki.selfSignedCertificate, "--tls-key", setup.pki.selfSignedKey,
        ])
        let refused = try Self.collect(setup, server: "localhost:\(simulator.port)", ["--protocol", "2.3"])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("TLS with localhost:\(simulator.port) failed"), "\(refused.stderr)")
        #expect(refused.stderr.contains("CERTIFICATE_VERIFY_FAILED"), "\(refused.stderr)")
        #expect(refused.stderr.contains("a private CA needs --ca PATH"), "\(refused.stderr)")
        #expect(try Self.sessions(setup).map(\.endReason) == ["tls_failed"])

        // The same certificate, trusted explicitly: the day is recorded.
        let trusted = try Self.collect(setup, server: "localhost:\(simulator.port)", [
            "--protocol", "2.3", "--ca", setup.pki.selfSignedCertificate,
        ])
        let log = simulator.finish()
        #expect(trusted.status == 0, "\(trusted.stderr)")
        #expect(try Self.sessions(setup).map(\.tls) == [false, true])
        // The refused session never sent its login: one login_id reached the server, over TLS.
        let logins = Self.loginIDs(in: log)
        #expect(logins.count == 1, "\(log)")
        #expect(logins.allSatisfy { $0.contains("tls=true") }, "\(logins)")
    }

    @Test("a certificate for localhost is refused when the server is reached as 127.0.0.1, even with its CA trusted")
    func wrongHostName() throws {
        let setup = try Self.setup()
        let simulator = try Self.simulator(setup, protocolVersion: "1.2", extra: [
            "--tls-certificate", setup.pki.serverCertificate, "--tls-key", setup.pki.serverKey,
            "--tls-listen", "127.0.0.1:0",
        ])
        let tlsPort = try #require(simulator.tlsPort)
        let refused = try Self.collect(setup, server: "127.0.0.1:\(tlsPort)", ["--tls", "direct", "--ca", setup.pki.caCertificate])
        let log = simulator.finish()
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("TLS with 127.0.0.1:\(tlsPort) failed"), "\(refused.stderr)")
        #expect(try Self.sessions(setup).map(\.endReason) == ["tls_failed"])
        #expect(Self.loginIDs(in: log).isEmpty, "\(log)")
        let database = try Database(path: setup.database, mode: .readWrite)
        try database.snapshotJournal()
        #expect(try database.fetchInt64("SELECT count(*) FROM journal") == 0)
    }

    @Test("simulate refuses TLS options the server it imitates could not have, and unreadable certificates")
    func simulateOptions() throws {
        let binary = try CallStatsBinary.built()
        let folder = try TemporaryFolder()
        let pki = try TestPKI.make(in: folder)
        let cases: [([String], String)] = [
            (["--tls-certificate", pki.serverCertificate], "--tls-certificate and --tls-key go together"),
            (["--tls-listen", "127.0.0.1:0"], "--tls-listen needs --tls-certificate and --tls-key"),
            (["--protocol", "2.3", "--tls-certificate", pki.serverCertificate, "--tls-key", pki.serverKey, "--tls-listen", "127.0.0.1:0"],
             "--tls-listen is for --protocol 1.2"),
            (["--protocol", "1.2", "--tls-certificate", pki.serverCertificate, "--tls-key", pki.serverKey],
             "protocol 1.2 servers offered no STARTTLS"),
            (["--protocol", "2.3", "--tls-certificate", folder.path("missing.pem"), "--tls-key", pki.serverKey],
             "cannot set up TLS: certificate \(folder.path("missing.pem"))"),
            (["--protocol", "2.3", "--tls-certificate", pki.serverCertificate, "--tls-key", pki.caCertificate],
             "cannot set up TLS: key \(pki.caCertificate)"),
        ]
        for (options, message) in cases {
            let result = try binary.run(["simulate", "--listen", "127.0.0.1:0"] + options)
            #expect(result.status != 0, "\(options)")
            #expect(result.stderr.contains(message), "\(options): \(result.stderr)")
            #expect(!result.stdout.contains("listening"), "\(options)")
        }
    }
}
