import CallStatsTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Reports
import Testing
import WebService

/// `/reports`: the nightly folders listed and served, nothing outside them, and the form's
/// reports the binary's.
@Suite("serve: /reports")
struct ReportsPagesTests {
    let database: String
    let folder: TemporaryFolder

    init() throws {
        database = try DemoDatabase.path()
        folder = try TemporaryFolder()
        let nightly = try DemoDatabase.run(["report", "nightly", "--db", database, "--date", DemoDatabase.day, "--tz", "UTC",
                                            "--out", folder.path("nightly")])
        #expect(nightly.status == 0, "\(nightly.stderr)")
        // Something beside the day folders that must never be served.
        try Data("secret".utf8).write(to: URL(fileURLWithPath: folder.path("secret.txt")))
    }

    func app(token: String? = nil) throws -> some ApplicationProtocol {
        var settings = ServeSettings(databasePath: database, calendar: try #require(ReportCalendar(timeZoneIdentifier: "UTC")))
        settings.reportsFolder = folder.path("nightly")
        settings.token = token
        return Application(router: ServeRouter.make(try ServeContext.open(settings: settings)))
    }

    @Test("the nightly folders are listed by day with their files, which are served as written")
    func nightlyFolders() async throws {
        let day = DemoDatabase.day
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path("nightly/\(day)")).sorted()
        #expect(files.contains("index.html") && files.contains("missed.csv") && files.contains("report.xlsx"))
        try await app().test(.router) { client in
            try await client.execute(uri: "/reports", method: .get) { response in
                #expect(response.status == .ok)
                let page = String(buffer: response.body)
                for file in files {
                    #expect(page.contains("href=\"/reports/files/\(day)/\(file)\""), "\(file)")
                }
                #expect(page.contains("action=\"/reports/run\""))
            }
            for file in ["missed.csv", "index.html", "report.xlsx"] {
                let written = try Data(contentsOf: URL(fileURLWithPath: folder.path("nightly/\(day)/\(file)")))
                try await client.execute(uri: "/reports/files/\(day)/\(file)", method: .get) { response in
                    #expect(response.status == .ok, "\(file)")
                    #expect(Data(response.body.readableBytesView) == written, "\(file)")
                }
            }
        }
    }

    /// Paths under /reports/files that try to name something outside the folder: `..` plain,
    /// encoded, double-encoded and mixed; absolute paths; backslashes; NUL; the folder itself.
    static func escapingPaths(day: String) -> [String] {
        [
            "/reports/files/../secret.txt", "/reports/files/%2e%2e/secret.txt", "/reports/files/%2E%2E/secret.txt",
            "/reports/files/.%2e/secret.txt", "/reports/files/%252e%252e/secret.txt", "/reports/files/%252e%252e%252fsecret.txt",
            "/reports/files/\(day)/../../secret.txt", "/reports/files/\(day)/..%2f..%2fsecret.txt", "/reports/files/\(day)%2f..%2f..%2fsecret.txt",
            "/reports/files/..%5csecret.txt", "/reports/files/..\\secret.txt", "/reports/files/\(day)\\..\\..\\secret.txt",
            "/reports/files//etc/passwd", "/reports/files/%2Fetc%2Fpasswd", "/reports/files/%252Fetc%252Fpasswd",
            "/reports/files///etc/passwd", "/reports/files/\(day)//etc/passwd", "/reports/files/\(day)/%2Fetc%2Fpasswd",
            "/reports/files/\(day)/missed.csv%00.txt", "/reports/files/\(day)/missed.csv%00", "/reports/files/%00",
            "/reports/files/%c0%ae%c0%ae/secret.txt", "/reports/files/%", "/reports/files/%zz",
            "/reports/files", "/reports/files/", "/reports/files/\(day)", "/reports/files/\(day)/", "/reports/files/\(day)/.",
            "/reports/files/nothing.csv", "/reports/files/\(day)/nothing.csv", "/reports/files/secret.txt",
            "/reports/files/\(day)/./missed.csv", "/reports/files/./\(day)/missed.csv",
        ]
    }

    @Test("every path that tries to leave the folder (.., encoded, double-encoded, absolute, backslash, NUL) is exactly 404, and says nothing of what is there",
          arguments: [false, true])
    func escapingPathsAre404(live: Bool) async throws {
        let day = DemoDatabase.day
        // live: the paths as bytes on a real socket, through NIO's HTTP parser (but those with a
        // raw backslash, which its client refuses to send: the router alone checks them).
        let paths = Self.escapingPaths(day: day).filter { !live || !$0.contains("\\") }
        try await app().test(live ? .live : .router) { client in
            for path in paths {
                try await client.execute(uri: path, method: .get) { response in
                    #expect(response.status == .notFound, "\(path): \(response.status)")
                    let body = String(buffer: response.body)
                    #expect(!body.contains("secret") && !body.contains("root:"), "\(path)")
                }
                try await client.execute(uri: path, method: .head) { response in
                    #expect(response.status == .notFound, "HEAD \(path): \(response.status)")
                }
            }
            // The same file by its plain path is served: the 404s above are the paths', not the file's.
            try await client.execute(uri: "/reports/files/\(day)/missed.csv", method: .get) { response in
                #expect(response.status == .ok)
            }
        }
    }

    @Test("a symbolic link in the folder: to a file outside it, 404; to a file inside it, served")
    func symbolicLinks() async throws {
        let day = DemoDatabase.day
        let manager = FileManager.default
        try manager.createSymbolicLink(atPath: folder.path("nightly/\(day)/outside.csv"), withDestinationPath: folder.path("secret.txt"))
        try manager.createSymbolicLink(atPath: folder.path("nightly/\(day)/etc.txt"), withDestinationPath: "/etc/passwd")
        try manager.createSymbolicLink(atPath: folder.path("nightly/2026-01-01"), withDestinationPath: folder.path("."))
        try manager.createSymbolicLink(atPath: folder.path("nightly/\(day)/inside.csv"), withDestinationPath: "missed.csv")
        try await app().test(.router) { client in
            for path in ["/reports/files/\(day)/outside.csv", "/reports/files/\(day)/etc.txt", "/reports/files/2026-01-01/secret.txt"] {
                try await client.execute(uri: path, method: .get) { response in
                    #expect(response.status == .notFound, "\(path): \(response.status)")
                    let body = String(buffer: response.body)
                    #expect(!body.contains("secret") && !body.contains("root:"), "\(path)")
                }
            }
            let written = try Data(contentsOf: URL(fileURLWithPath: folder.path("nightly/\(day)/missed.csv")))
            try await client.execute(uri: "/reports/files/\(day)/inside.csv", method: .get) { response in
                #expect(response.status == .ok)
                #expect(Data(response.body.readableBytesView) == written)
            }
        }
    }

    @Test("the form runs any report as the binary prints it: a page, or a CSV or workbook download; a field its kind does not take is left out")
    func reportForm() async throws {
        let day = DemoDatabase.day
        let csv = try DemoDatabase.run(["report", "missed", "--db", database, "--date", day, "--tz", "UTC", "--interval", "1h", "--format", "csv"])
        let page = try DemoDatabase.run(["report", "calls-missed", "--db", database, "--date", day, "--tz", "UTC", "--format", "html"])
        try await app().test(.router) { client in
            try await client.execute(uri: "/reports/run?kind=missed&date=\(day)&from=&to=&interval=1h&tz=UTC&format=csv", method: .get) { response in
                #expect(response.status == .ok, "\(String(buffer: response.body))")
                #expect(response.headers[.contentDisposition] == "attachment; filename=\"missed.csv\"")
                #expect(Data(response.body.readableBytesView) == csv.stdout)
            }
            // calls-missed has no interval: the form's is dropped.
            try await client.execute(uri: "/reports/run?kind=calls-missed&date=\(day)&interval=1h&tz=UTC&format=html", method: .get) { response in
                #expect(response.status == .ok, "\(String(buffer: response.body))")
                #expect(Data(response.body.readableBytesView) == page.stdout)
            }
            try await client.execute(uri: "/reports/run?kind=ewt&date=\(day)&tz=UTC&format=xlsx", method: .get) { response in
                #expect(response.status == .ok)
                #expect(Data(response.body.readableBytesView).starts(with: Data("PK".utf8)))
            }
            try await client.execute(uri: "/reports/run?kind=sales&date=\(day)", method: .get) { response in
                #expect(response.status == .badRequest)
                #expect(String(buffer: response.body).contains("kind: use occupancy"))
            }
        }
    }

    @Test("with a token, the list, the files and the form need it")
    func needsTheToken() async throws {
        let day = DemoDatabase.day
        try await app(token: "s3cret-token").test(.router) { client in
            for path in ["/reports", "/reports/files/\(day)/missed.csv", "/reports/run?kind=missed&date=\(day)&format=csv"] {
                try await client.execute(uri: path, method: .get) { response in
                    #expect(response.status == .unauthorized || response.status == .seeOther, "\(path): \(response.status)")
                    #expect(!String(buffer: response.body).contains("queue_id"), "\(path)")
                }
                try await client.execute(uri: path, method: .get, headers: [.authorization: "Bearer s3cret-token"]) { response in
                    #expect(response.status == .ok, "\(path): \(response.status)")
                }
            }
        }
    }
}
