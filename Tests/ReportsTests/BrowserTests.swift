import CallStatsTestSupport
import Foundation
@testable import Reports
import Testing

/// The nightly page in a real browser: headless Chromium loads it and must log nothing to the
/// console (no script error, no blocked fetch). Where Chromium is not installed the tests are
/// skipped with that reason (`RequiredTool.chromium`), except in CI (`CI` set, as `.ci/run`
/// runs), which installs it: there a missing browser fails them instead.
@Suite("Nightly page in headless Chromium")
struct BrowserTests {
    /// Chromium's stderr and the DOM it built from the file. `--no-sandbox`: CI runs as root,
    /// where Chromium refuses to start with its sandbox.
    static func load(_ path: String) throws -> (log: String, dom: String) {
        let chromium = try RequiredTool.chromium.require()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: chromium)
        process.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr", "--v=0",
                             "--virtual-time-budget=2000", "--dump-dom", URL(fileURLWithPath: path).absoluteString]
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let dom = output.fileHandleForReading.readDataToEndOfFile()
        let log = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (String(decoding: log, as: UTF8.self), String(decoding: dom, as: UTF8.self))
    }

    @Test("a page with a script error is caught by this check", RequiredTool.chromium.trait)
    func controlPage() throws {
        let fixture = try Fixture()
        let path = fixture.folder.path("control.html")
        try Data("<!DOCTYPE html><title>x</title><script>console.error('boom')</script>".utf8).write(to: URL(fileURLWithPath: path))
        #expect(try Self.load(path).log.contains("CONSOLE"))
    }

    @Test("the golden nightly page logs nothing to the console and runs no script", RequiredTool.chromium.trait)
    func goldenPage() throws {
        let report = try OutputTests.nightly()
        let fixture = try Fixture()
        let folder = try report.write(into: fixture.folder.url.path)
        let (log, dom) = try Self.load(folder + "/index.html")
        let console = log.split(separator: "\n").filter { $0.contains("CONSOLE") || $0.contains("Uncaught") || $0.contains("ERR_") }
        #expect(console.isEmpty, "console: \(console)")
        #expect(dom.contains("Call center day report"))
        #expect(!dom.contains("<script"))
    }
}
