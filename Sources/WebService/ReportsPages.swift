import Foundation
import Hummingbird
import NIOPosix
import Reports

/// `/reports`: the nightly folders (`report nightly --out`, given as `--reports`) listed by day
/// with their files, served from `/reports/files/DAY/FILE` by Hummingbird's `FileMiddleware`
/// behind `ReportFilesGuard` (which keeps requests inside the folder), and a form that runs any
/// report through the API's own path (`ReportResponses.run`).
enum ReportsPages {
    static let filesPath = "/reports/files"

    static func addRoutes(to router: Router<BasicRequestContext>, _ serve: ServeContext) {
        if let folder = serve.settings.reportsFolder {
            router.add(middleware: ReportFilesGuard(folder: folder))
            router.add(middleware: FileMiddleware(folder, urlBasePath: filesPath)
                .withAdditionalMediaType(
                    MediaType(type: .application, subType: "vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
                    mappedToFileExtension: "xlsx"))
        }
        router.get("/reports") { _, _ -> Response in
            var days: [Day] = []
            if let folder = serve.settings.reportsFolder {
                // Listing a folder blocks: on NIO's thread pool, not the cooperative one.
                days = try await NIOThreadPool.singleton.runIfActive { try Self.days(in: folder) }
            }
            return Responses.html(page(days: days, configured: serve.settings.reportsFolder != nil))
        }
        router.get("/reports/run") { request, _ -> Response in
            await ServeRouter.respond {
                let query = QueryItems(request.uri.query)
                guard let name = query.value("kind"), let kind = ReportKind(rawValue: name) else {
                    throw APIFailure.badParameter("kind: use \(ReportKind.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                // One form for every kind: the fields a kind does not take are left out.
                var parameters = query.removing("kind")
                for item in parameters.items where !APIParameters.allowed(kind).contains(item.name) {
                    parameters = parameters.removing(item.name)
                }
                return try await ReportResponses.run(kind, parameters, serve, download: true)
            }
        }
    }

    /// A nightly folder: its day and the files in it.
    struct Day: Sendable, Equatable {
        let day: String
        let files: [String]
    }

    /// The `YYYY-MM-DD` folders of `folder`, newest first, with their files.
    static func days(in folder: String) throws -> [Day] {
        let manager = FileManager.default
        return try manager.contentsOfDirectory(atPath: folder)
            .filter { $0.wholeMatch(of: /[0-9]{4}-[0-9]{2}-[0-9]{2}/) != nil }
            .sorted(by: >)
            .map { day in
                Day(day: day, files: ((try? manager.contentsOfDirectory(atPath: folder + "/" + day)) ?? [])
                    .filter { !$0.hasPrefix(".") }.sorted())
            }
    }

    static func page(days: [Day], configured: Bool) -> String {
        let kinds = ReportKind.allCases.map { "<option>\(HTML.escape($0.rawValue))</option>" }.joined()
        let list: String
        if !configured {
            list = "<p>No folder of nightly reports was given (<code>callstats serve --reports DIR</code>).</p>"
        } else if days.isEmpty {
            list = "<p>No nightly report yet.</p>"
        } else {
            list = "<ul class=\"days\">" + days.map { day in
                let files = day.files.map { file in
                    "<a href=\"\(filesPath)/\(HTML.escape(day.day))/\(HTML.escape(file))\">\(HTML.escape(file))</a>"
                }.joined(separator: " ")
                return "<li><strong>\(HTML.escape(day.day))</strong> \(files)</li>"
            }.joined() + "</ul>"
        }
        return """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>CallStats: reports</title>
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <link rel="stylesheet" href="/static/wallboard.css"></head>
            <body class="reports"><main>
            <h1>Reports</h1>
            <form method="get" action="/reports/run">
            <label>Report <select name="kind">\(kinds)</select></label>
            <label>Day <input name="date" placeholder="YYYY-MM-DD, today, yesterday"></label>
            <label>or from <input name="from" placeholder="YYYY-MM-DDTHH:MM"></label>
            <label>to <input name="to" placeholder="YYYY-MM-DDTHH:MM"></label>
            <label>Interval <select name="interval"><option>15m</option><option>30m</option><option selected>1h</option><option>1d</option><option>total</option></select></label>
            <label>Time zone <input name="tz" placeholder="Europe/Paris"></label>
            <label>As <select name="format"><option value="html">page</option><option value="csv">CSV</option><option value="xlsx">workbook</option></select></label>
            <button type="submit">Run</button>
            </form>
            <h2>Nightly</h2>
            \(list)
            </main></body></html>

            """
    }
}

/// In front of `FileMiddleware` for `/reports/files`: only `DAY/FILE` with plain names, whose
/// real path (symbolic links resolved) is a regular file inside the folder, reaches it; any
/// other path there is 404. `FileMiddleware` alone answers 400 to `..` and to a bad escape
/// (telling a prober which of its tricks was seen), and follows a link out of the folder.
struct ReportFilesGuard<Context: RequestContext>: RouterMiddleware {
    let folder: String

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        guard path.hasPrefix(ReportsPages.filesPath + "/") || path == ReportsPages.filesPath else {
            return try await next(request, context)
        }
        guard let relative = Self.dayAndFile(path), request.method == .get || request.method == .head else {
            throw HTTPError(.notFound)
        }
        let folder = folder
        // realpath and stat block: on NIO's thread pool, not the cooperative one.
        let inside = try await NIOThreadPool.singleton.runIfActive { Self.isFileInside(folder, relative) }
        guard inside else { throw HTTPError(.notFound) }
        return try await next(request, context)
    }

    /// `DAY/FILE` of a request path, decoded once: a `YYYY-MM-DD` folder and a name of letters,
    /// digits, `.`, `_` and `-` not starting with a dot (what `report nightly` writes). Nil for
    /// anything else: `..`, a second escape, a backslash, NUL, an empty or absolute part.
    static func dayAndFile(_ path: String) -> String? {
        guard let decoded = String(path.dropFirst(ReportsPages.filesPath.count)).removingPercentEncoding else { return nil }
        let parts = decoded.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].isEmpty,
              parts[1].wholeMatch(of: /[0-9]{4}-[0-9]{2}-[0-9]{2}/) != nil,
              parts[2].wholeMatch(of: /[A-Za-z0-9_-][A-Za-z0-9._-]*/) != nil
        else { return nil }
        return "\(parts[1])/\(parts[2])"
    }

    /// Whether `folder/relative`, links resolved, is a regular file inside `folder` (resolved too).
    static func isFileInside(_ folder: String, _ relative: String) -> Bool {
        guard let root = realPath(folder), let file = realPath(folder + "/" + relative), file.hasPrefix(root + "/") else { return false }
        var status = stat()
        return stat(file, &status) == 0 && (status.st_mode & S_IFMT) == S_IFREG
    }

    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
