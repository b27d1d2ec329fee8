import CallStatsTestSupport
import Foundation
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `callstats serve --tls-cert --tls-key`, run as a process with certificates `openssl` made
/// for the run (`TestPKI`): a client that trusts the test CA and checks the name `localhost`
/// gets the API over HTTPS; one that does not trust it is refused; bad files are one line.
@Suite("callstats serve over HTTPS", RequiredTool.openssl.trait)
struct ServeTLSTests {
    let binary: CallStatsBinary
    let database: String

    init() throws {
        binary = try CallStatsBinary.built()
        database = try SupervisorDemo.database()
    }

    /// `GET path` through `openssl s_client`, which verifies the server's chain against
    /// `trusting` and its name against `localhost` (`-verify_return_error`: a failed check
    /// ends the connection); the raw HTTP response, or openssl's complaint.
    static func get(port: Int, path: String, trusting caFile: String) throws -> CallStatsBinary.Result {
        let openssl = CallStatsBinary(url: URL(fileURLWithPath: try RequiredTool.openssl.require()))
        let folder = try TemporaryFolder()
        let request = folder.path("request")
        try Data("GET \(path) HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".utf8).write(to: URL(fileURLWithPath: request))
        // -quiet keeps reading after the request is sent, until the server closes.
        return try CallStatsBinary(url: URL(fileURLWithPath: "/bin/sh")).run([
            "-c", "exec \"$0\" s_client -quiet -connect 127.0.0.1:\(port) -servername localhost -verify_hostname localhost "
                + "-CAfile \"$1\" -verify_return_error < \"$2\"",
            openssl.url.path, caFile, request,
        ])
    }

    @Test("HTTPS: a client trusting the CA gets the same JSON as the command line; an untrusting one and clear HTTP get nothing")
    func https() async throws {
        let folder = try TemporaryFolder()
        let pki = try TestPKI.make(in: folder)
        let (server, base) = try await ServeProcess.start(binary, [
            "--db", database, "--listen", "127.0.0.1:0", "--tz", "UTC", "--tls-cert", pki.serverCertificate, "--tls-key", pki.serverKey,
        ])
        #expect(base.hasPrefix("https://127.0.0.1:"))
        let port = try ServeProcess.port(base)

        let trusted = try await offPool { try Self.get(port: port, path: "/api/v1/queues", trusting: pki.caCertificate) }
        #expect(trusted.stdout.hasPrefix("HTTP/1.1 200"), "\(trusted.stdout) \(trusted.stderr)")
        let body = trusted.stdout.components(separatedBy: "\r\n\r\n").dropFirst().joined(separator: "\r\n\r\n")
        let cli = try binary.run(["queues", "--db", database, "--tz", "UTC", "--format", "json"])
        #expect(cli.status == 0)
        #expect(body == cli.stdout)

        // The certificate is checked: a client trusting another certificate only is refused.
        let untrusted = try await offPool { try Self.get(port: port, path: "/api/v1/queues", trusting: pki.selfSignedCertificate) }
        #expect(untrusted.status != 0)
        #expect(!untrusted.stdout.contains("HTTP/1.1"))
        #expect(untrusted.stderr.contains("verify"), "\(untrusted.stderr)")

        // Nothing in clear text on the TLS port.
        await #expect(throws: (any Error).self) {
            _ = try await ServeProcess.fetch("http://127.0.0.1:\(port)/api/v1/queues")
        }

        #expect(try await ServeProcess.stop(server) == 0)
    }

    @Test("a missing, unreadable-as-PEM or mismatched certificate or key: one line naming the file, status 1, nothing listens")
    func badFiles() throws {
        let folder = try TemporaryFolder()
        let pki = try TestPKI.make(in: folder)
        let missing = folder.path("missing.pem")
        let notPEM = folder.path("not.pem")
        try Data("not a certificate\n".utf8).write(to: URL(fileURLWithPath: notPEM))
        for (certificate, key, named, says) in [
            (missing, pki.serverKey, missing, "no such file"),
            (pki.serverCertificate, missing, missing, "no such file"),
            (notPEM, pki.serverKey, notPEM, "PEM certificate"),
            (pki.serverCertificate, notPEM, notPEM, "PEM private key"),
            (folder.path(""), pki.serverKey, "--tls-cert", "folder"),
            // The self-signed certificate's key is not the server certificate's.
            (pki.serverCertificate, pki.selfSignedKey, pki.selfSignedKey, "is not the private key"),
        ] {
            let result = try binary.run(["serve", "--db", database, "--listen", "127.0.0.1:0", "--tls-cert", certificate, "--tls-key", key])
            #expect(result.status == 1, "\(certificate) \(key): \(result.stderr)")
            let lines = result.stderr.split(separator: "\n")
            #expect(lines.count == 1, "\(result.stderr)")
            #expect(result.stderr.contains(named) && result.stderr.contains(says), "\(result.stderr)")
            #expect(result.stdout.isEmpty, "nothing listens: \(result.stdout)")
        }
        let alone = try binary.run(["serve", "--db", database, "--tls-cert", pki.serverCertificate])
        #expect(alone.status == 64)
        #expect(alone.stderr.contains("--tls-cert and --tls-key go together"))
    }
}
