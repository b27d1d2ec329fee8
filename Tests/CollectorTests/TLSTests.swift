import CallStatsTestSupport
import CTIProtocol
import Foundation
import NIOSSL
import Testing

@testable import Collector

@Suite("STARTTLS", .timeLimit(.minutes(3)))
struct TLSTests {
    /// The server's side up to the TLS handshake (the offer went out on connect): read the
    /// answer, switch.
    static func serveStartTLS(_ connection: FakeConnection, context: NIOSSLContext) async throws {
        let answer = try await connection.readCommand()
        guard case .starttls(status: true) = answer.kind else {
            throw TestFailure("expected the STARTTLS answer, got \(answer.fields)")
        }
        try await connection.acceptStartTLS(context: context)
    }

    func writeCA(_ pem: String, in harness: CollectorHarness) throws -> String {
        let path = harness.folder.path("ca.pem")
        try pem.write(toFile: path, atomically: false, encoding: .utf8)
        return path
    }

    @Test("--tls auto answers the offer, upgrades, verifies the certificate against --ca, and logs in over TLS")
    func startTLS() async throws {
        let harness = try CollectorHarness()
        let ca = try writeCA(TestCertificates.localhostCertificate, in: harness)
        let context = try NIOSSLContext.testServer(certificate: TestCertificates.localhostCertificate, key: TestCertificates.localhostKey)
        let server = try await FakeCTIServer.start(autopilot: .offerStartTLS)
        let run = harness.start(try harness.collector(port: server.port) {
            $0.once = true
            $0.tls = .auto
            $0.certificateAuthorityFile = ca
            $0.timing.startTLSOfferWait = 5
        })
        defer { run.cancel() }

        try await server.nextConnection { connection in
            try await Self.serveStartTLS(connection, context: context)
            let login = try await connection.serveLogin()
            #expect(login.map(\.classname) == ["login_id", "login_pass", "login_capas"])
            _ = try await connection.readBootstrap()
        }
        try await withTimeout(60, "the collector to finish") { try await run.value }

        let sessions = try harness.sessions()
        #expect(sessions.count == 1)
        #expect(sessions.first?.tls == true)
        #expect(sessions.first?.endReason == "server_closed")
        // The STARTTLS exchange is journaled like every other line, first.
        let journal = try harness.journal().map(\.text)
        #expect(journal.first == AutopilotHandler.offer)
        #expect(journal.dropFirst().first?.hasPrefix(#"{"class":"starttls","starttls":true"#) == true)
        #expect(journal.count == 5)
    }

    @Test("--tls require fails against a server that does not offer STARTTLS, without logging in in clear")
    func requireWithoutOffer() async throws {
        let harness = try CollectorHarness()
        let server = try await FakeCTIServer.start()
        let run = harness.start(try harness.collector(port: server.port) {
            $0.once = true
            $0.tls = .require
        })
        defer { run.cancel() }

        let received = try await server.nextConnection { connection in
            try await connection.waitForClose()
            return connection.received
        }
        #expect(received.isEmpty)
        await #expect(throws: CollectorError.tlsNotOffered(server: "127.0.0.1:\(server.port)")) {
            try await withTimeout(60, "the collector to fail") { try await run.value }
        }
        #expect(try harness.sessions().map(\.endReason) == ["tls_unavailable"])
    }

    @Test("--tls off leaves the offer unanswered and logs in in clear text")
    func tlsOff() async throws {
        let harness = try CollectorHarness()
        let server = try await FakeCTIServer.start(autopilot: .offerStartTLS)
        let run = harness.start(try harness.collector(port: server.port) {
            $0.once = true
            $0.tls = .off
        })
        defer { run.cancel() }

        try await server.nextConnection { connection in
            let login = try await connection.serveLogin()
            #expect(login.first?.classname == "login_id")
        }
        try await withTimeout(60, "the collector to finish") { try await run.value }
        #expect(try harness.sessions().first?.tls == false)
    }

    @Test("a certificate for another host name is refused even when its CA is trusted")
    func hostNameChecked() async throws {
        let harness = try CollectorHarness()
        let ca = try writeCA(TestCertificates.otherHostCertificate, in: harness)
        let context = try NIOSSLContext.testServer(certificate: TestCertificates.otherHostCertificate, key: TestCertificates.otherHostKey)
        let server = try await FakeCTIServer.start(autopilot: .offerStartTLS)
        let run = harness.start(try harness.collector(port: server.port) {
            $0.once = true
            $0.certificateAuthorityFile = ca
            $0.tls = .auto
            $0.timing.startTLSOfferWait = 5
        })
        defer { run.cancel() }

        try await server.nextConnection { connection in
            try await Self.serveStartTLS(connection, context: context)
            try await connection.waitForClose()
        }
        let error = await #expect(throws: CollectorError.self) {
            try await withTimeout(60, "the collector to fail") { try await run.value }
        }
        guard case .tlsFailed? = error else {
            Issue.record("expected a TLS failure, got \(String(describing: error))")
            return
        }
        #expect(try harness.sessions().map(\.endReason) == ["tls_failed"])
    }

    @Test("without --ca a self-signed certificate is not trusted")
    func untrustedByDefault() async throws {
        let harness = try CollectorHarness()
        let context = try NIOSSLContext.testServer(certificate: TestCertificates.localhostCertificate, key: TestCertificates.localhostKey)
        let server = try await FakeCTIServer.start(autopilot: .offerStartTLS)
        let run = harness.start(try harness.collector(port: server.port) {
            $0.once = true
            $0.tls = .require
            $0.timing.startTLSOfferWait = 5
        })
        defer { run.cancel() }

        try await server.nextConnection { connection in
            try await Self.serveStartTLS(connection, context: context)
            try await connection.waitForClose()
        }
        let error = await #expect(throws: CollectorError.self) {
            try await withTimeout(60, "the collector to fail") { try await run.value }
        }
        #expect(error?.description.contains("TLS with 127.0.0.1:\(server.port) failed") == true)
    }
}
