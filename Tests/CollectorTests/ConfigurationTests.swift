import CallStatsTestSupport
import Foundation
import Testing

@testable import Collector

@Suite("Configuration")
struct ConfigurationTests {
    @Test("--server accepts host, host:port, IPv6 with and without brackets")
    func serverAddresses() throws {
        #expect(try ServerAddress(parsing: "pbx.example") == ServerAddress(host: "pbx.example", port: 5003))
        #expect(try ServerAddress(parsing: "pbx.example:5013") == ServerAddress(host: "pbx.example", port: 5013))
        #expect(try ServerAddress(parsing: "10.0.0.5") == ServerAddress(host: "10.0.0.5", port: 5003))
        #expect(try ServerAddress(parsing: "[::1]:6000") == ServerAddress(host: "::1", port: 6000))
        #expect(try ServerAddress(parsing: "[fe80::1]") == ServerAddress(host: "fe80::1", port: 5003))
        #expect(try ServerAddress(parsing: "fe80::1") == ServerAddress(host: "fe80::1", port: 5003))
        #expect(try ServerAddress(parsing: "[::1]:6000").description == "[::1]:6000")
        #expect(try ServerAddress(parsing: "pbx:1").description == "pbx:1")
    }

    @Test("bad --server values are refused with the reason", arguments: ["", ":5003", "pbx:", "pbx:0", "pbx:70000", "pbx:x", "[::1", "[::1]x", "a b"])
    func badServerAddresses(text: String) {
        #expect(throws: CollectorError.self) { try ServerAddress(parsing: text) }
    }

    @Test("IP literals are told from host names (no SNI for them)")
    func ipLiterals() {
        #expect(ServerAddress(host: "127.0.0.1").hostIsIPAddress)
        #expect(ServerAddress(host: "::1").hostIsIPAddress)
        #expect(!ServerAddress(host: "localhost").hostIsIPAddress)
        #expect(!ServerAddress(host: "1.2.3.example").hostIsIPAddress)
        #expect(!ServerAddress(host: "300.1.1.1").hostIsIPAddress)
    }

    @Test("--protocol takes auto or a known version")
    func protocolChoice() {
        #expect(ProtocolChoice(argument: "auto") == .auto)
        #expect(ProtocolChoice(argument: "2.3") == .fixed(.v2_3))
        #expect(ProtocolChoice(argument: "3.0") == nil)
    }

    @Test("a password never shows in interpolation, dumps or mirrors")
    func passwordRedacted() {
        let password = Password("hunter2")
        #expect("\(password)" == "<redacted>")
        #expect(String(reflecting: password) == "<redacted>")
        var dumped = ""
        dump(password, to: &dumped)
        #expect(!dumped.contains("hunter2"))
        let configuration = CollectorConfiguration(server: ServerAddress(host: "pbx"), user: "stats", password: password)
        #expect(!"\(configuration)".contains("hunter2"))
        #expect(password.revealed == "hunter2")
    }

    @Test("the password file's first line is the password; group- or world-readable files are flagged")
    func passwordFile() throws {
        let folder = try TemporaryFolder()
        let path = folder.path("password")
        try "pa:ss word\r\nsecond line\n".write(toFile: path, atomically: false, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
        let private_ = try PasswordFile.read(path: path)
        #expect(private_.password.revealed == "pa:ss word")
        #expect(!private_.readableByOthers)

        try FileManager.default.setAttributes([.posixPermissions: 0o640], ofItemAtPath: path)
        #expect(try PasswordFile.read(path: path).readableByOthers)
        try FileManager.default.setAttributes([.posixPermissions: 0o604], ofItemAtPath: path)
        #expect(try PasswordFile.read(path: path).readableByOthers)

        try "no-newline".write(toFile: path, atomically: false, encoding: .utf8)
        #expect(try PasswordFile.read(path: path).password.revealed == "no-newline")
    }

    @Test("an empty or missing password file is an error naming the file")
    func badPasswordFiles() throws {
        let folder = try TemporaryFolder()
        let empty = folder.path("empty")
        try "\n".write(toFile: empty, atomically: false, encoding: .utf8)
        #expect(throws: CollectorError.passwordFile(empty, "the file is empty")) { try PasswordFile.read(path: empty) }
        let missing = folder.path("missing")
        do {
            _ = try PasswordFile.read(path: missing)
            Issue.record("a missing file was read")
        } catch {
            #expect(error.description.contains(missing))
            #expect(error.description.contains("No such file"))
        }
    }

    @Test("an unreadable CA file is an error naming it")
    func badCAFile() throws {
        let folder = try TemporaryFolder()
        var configuration = CollectorConfiguration(server: ServerAddress(host: "pbx"), user: "stats", password: Password("x"))
        configuration.certificateAuthorityFile = folder.path("missing.pem")
        #expect(throws: CollectorError.self) { _ = try configuration.makeTLSContext() }
        let notPEM = folder.path("not.pem")
        try "hello".write(toFile: notPEM, atomically: false, encoding: .utf8)
        configuration.certificateAuthorityFile = notPEM
        do {
            _ = try configuration.makeTLSContext()
            Issue.record("a file without certificates was accepted")
        } catch {
            #expect(error.description.contains(notPEM))
        }
        configuration.tls = .off
        #expect(try configuration.makeTLSContext() == nil)
    }
}
