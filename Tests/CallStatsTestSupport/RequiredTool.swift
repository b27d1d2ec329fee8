import Foundation
import Testing

/// A program some tests run (a browser, a terminal, the sqlite3 shell, openssl): found on this
/// machine, or explained. Where it is missing, a test that needs it is skipped with what is
/// missing and how to install it; in CI (`CI` set, as `.ci/run` runs, which installs every
/// one) it fails instead, so a CI run that ends "passed" has run every test.
///
/// Declare the need with `trait` (`@Test(..., RequiredTool.chromium.trait)`), and take the path
/// with `require()` in the test: in CI the missing tool is its failure. Where a test learns of
/// the need only as it runs, `require()` alone skips it (`Test.cancel`) with the same words.
public struct RequiredTool: Sendable {
    /// What a person calls it: "chromium", "tmux".
    public let name: String
    /// The names looked for in `PATH` and the usual folders, or absolute paths.
    public let candidates: [String]
    /// How to get it: "apt-get install -y chromium".
    public let install: String
    /// Where it was found, nil when missing.
    public let path: String?
    /// A missing tool fails the test instead of skipping it.
    public let required: Bool

    /// Looks for the tool. `environment` and `isExecutable` are this process's and the file
    /// system's, given by the helper's own tests.
    public init(
        _ name: String, candidates: [String]? = nil, install: String,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        isExecutable: (String) -> Bool = { FileManager.default.isExecutableFile(atPath: $0) }
    ) {
        self.name = name
        self.candidates = candidates ?? [name]
        self.install = install
        required = Self.isCI(environment)
        // PATH first, then the usual folders: a test runner may start with a narrow PATH.
        let folders = (environment["PATH"] ?? "").split(separator: ":").map(String.init) + ["/usr/local/bin", "/usr/bin", "/bin"]
        path = self.candidates.lazy.flatMap { candidate in
            candidate.hasPrefix("/") ? [candidate] : folders.map { $0 + "/" + candidate }
        }.first(where: isExecutable)
    }

    /// `CI` set to anything but empty, `0` or `false`.
    static func isCI(_ environment: [String: String]) -> Bool {
        guard let value = environment["CI"]?.lowercased() else { return false }
        return !["", "0", "false", "no"].contains(value)
    }

    /// What is missing and how to install it: the reason a test is skipped.
    public var missing: String {
        let looked = candidates.joined(separator: ", ")
        return "\(name) not found (looked for \(looked) in PATH, /usr/local/bin, /usr/bin, /bin): install it with `\(install)` (.ci/run does)"
    }

    /// Whether a test that needs the tool runs: when the tool is there, and in CI always (to fail).
    public var runs: Bool { path != nil || required }

    /// `@Test(..., tool.trait)`: skipped with `missing` as the reason, except in CI.
    public var trait: ConditionTrait {
        .enabled(if: runs, Comment(rawValue: missing))
    }

    /// The tool's path. Missing in CI, the test fails (this throws); missing elsewhere, the test
    /// is skipped with the reason (`Test.cancel`).
    public func require() throws -> String {
        if let path { return path }
        if required { throw Missing(description: "CI is set, where a missing tool fails instead of skipping: \(missing)") }
        try Test.cancel(Comment(rawValue: missing))
    }

    public struct Missing: Error, CustomStringConvertible {
        public let description: String
    }
}

extension RequiredTool {
    /// The nightly page is loaded in it, headless (ReportsTests.BrowserTests).
    public static let chromium = RequiredTool("chromium", candidates: ["chromium", "chromium-browser", "google-chrome"], install: "apt-get install -y chromium")
    /// A real terminal for `callstats watch` (EndToEndTests.WatchCommandTests).
    public static let tmux = RequiredTool("tmux", install: "apt-get install -y tmux")
    /// Another process holding SQLite's write lock (EndToEndTests.ReliabilityTests).
    public static let sqlite3 = RequiredTool("sqlite3", install: "apt-get install -y sqlite3")
    /// The TLS tests' certificates (EndToEndTests.TLSEndToEndTests).
    public static let openssl = RequiredTool("openssl", install: "apt-get install -y openssl")
    /// A real spreadsheet program that opens the workbooks and saves their sheets as CSV
    /// (EndToEndTests.WorkbookTests).
    public static let libreOffice = RequiredTool("LibreOffice", candidates: ["soffice", "libreoffice"], install: "apt-get install -y libreoffice-calc-nogui")
    /// A real Prometheus server that scrapes `callstats serve` (EndToEndTests.PrometheusScrapeTests).
    public static let prometheus = RequiredTool("prometheus", install: "apt-get install -y prometheus")
    /// Prometheus' checker of expositions and rule files, from the same package.
    public static let promtool = RequiredTool("promtool", install: "apt-get install -y prometheus")
    /// Python 3 (standard library only): Tests/Tools/browser.py drives Chromium through the DevTools protocol.
    public static let python3 = RequiredTool("python3", install: "apt-get install -y python3")
    /// Python with openpyxl, which reads the workbooks' cell types and formats (Tests/Tools/check_xlsx.py).
    public static let openpyxl = RequiredTool("python3 with openpyxl", candidates: ["python3"], install: "pip install openpyxl",
                                              isExecutable: { pythonImports($0, module: "openpyxl") })

    /// Whether the Python at `path` imports `module`.
    static func pythonImports(_ path: String, module: String) -> Bool {
        guard FileManager.default.isExecutableFile(atPath: path) else { return false }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = ["-c", "import \(module)"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }
}
