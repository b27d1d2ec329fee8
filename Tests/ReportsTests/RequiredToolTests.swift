import CallStatsTestSupport
import Testing

/// `RequiredTool`, which the browser, terminal, sqlite3 and openssl tests use: a missing tool
/// skips with what is missing and how to install it, and fails in CI. Tested on a made-up file
/// system and environment, so whatever this machine has installed does not matter.
@Suite("RequiredTool: find a tool, or say what is missing")
struct RequiredToolTests {
    static func tool(installed: Set<String>, environment: [String: String]) -> RequiredTool {
        RequiredTool("chromium", candidates: ["chromium", "chromium-browser", "/opt/chrome/chrome"], install: "apt-get install -y chromium",
                     environment: environment, isExecutable: { installed.contains($0) })
    }

    @Test("found in PATH before the usual folders, or at an absolute candidate; the test runs")
    func found() {
        let inPath = Self.tool(installed: ["/home/me/bin/chromium-browser", "/usr/bin/chromium"], environment: ["PATH": "/home/me/bin"])
        // Candidates in order, each looked for in PATH then the usual folders.
        #expect(inPath.path == "/usr/bin/chromium")
        let second = Self.tool(installed: ["/home/me/bin/chromium-browser"], environment: ["PATH": "/home/me/bin"])
        #expect(second.path == "/home/me/bin/chromium-browser")
        #expect(second.runs)
        #expect(throws: Never.self) { try second.require() }
        let absolute = Self.tool(installed: ["/opt/chrome/chrome"], environment: [:])
        #expect(absolute.path == "/opt/chrome/chrome")
    }

    @Test("missing outside CI: the test is skipped, and the reason names the tool and its install command")
    func missingSkips() {
        for environment in [["PATH": "/usr/bin"], ["CI": ""], ["CI": "false"], ["CI": "0"]] {
            let tool = Self.tool(installed: [], environment: environment)
            #expect(tool.path == nil)
            #expect(!tool.required, "\(environment)")
            #expect(!tool.runs, "\(environment)")
        }
        let tool = Self.tool(installed: [], environment: [:])
        #expect(tool.missing == "chromium not found (looked for chromium, chromium-browser, /opt/chrome/chrome in PATH, /usr/local/bin, /usr/bin, /bin): install it with `apt-get install -y chromium` (.ci/run does)")
    }

    @Test("missing in CI: the test runs, and fails with the reason instead of skipping")
    func missingFailsInCI() {
        for value in ["true", "1", "yes"] {
            let tool = Self.tool(installed: [], environment: ["CI": value])
            #expect(tool.required)
            #expect(tool.runs)
            let error = #expect(throws: RequiredTool.Missing.self) { try tool.require() }
            #expect(error?.description.hasPrefix("CI is set, where a missing tool fails instead of skipping: chromium not found") == true)
            #expect(error?.description.contains("apt-get install -y chromium") == true)
        }
    }
}
