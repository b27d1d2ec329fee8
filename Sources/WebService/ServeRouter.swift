import Foundation
import Hummingbird
import Reports

/// Everything `serve` needs to answer a request: the settings, the two readers, the
/// wallboard's hub, the live views' shared answers, and the wall clock (injected: tests fix it).
public struct ServeContext: Sendable {
    public var settings: ServeSettings
    public var live: SnapshotReader
    public var reports: SnapshotReader
    public var hub: BoardHub
    public var answers = SnapshotAnswers()
    public var wallClock: @Sendable () -> Double

    public init(settings: ServeSettings, live: SnapshotReader, reports: SnapshotReader, hub: BoardHub,
                wallClock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }) {
        self.settings = settings
        self.live = live
        self.reports = reports
        self.hub = hub
        self.wallClock = wallClock
    }

    /// Opens both readers (read-only) and the hub over the live one.
    public static func open(settings: ServeSettings, wallClock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 },
                            clock: any Clock<Duration> = ContinuousClock()) throws -> ServeContext {
        let live = try SnapshotReader(path: settings.databasePath, threadName: "cs-serve-live")
        let reports = try SnapshotReader(path: settings.databasePath, threadName: "cs-serve-report")
        let hub = BoardHub(reader: live, settings: settings, clock: clock, wallClock: wallClock)
        return ServeContext(settings: settings, live: live, reports: reports, hub: hub, wallClock: wallClock)
    }

    /// `question`'s answer for the database's current commit and this whole second: read
    /// once (by `read`, as of that second) for every request that asks it in that snapshot.
    func shared(_ question: SnapshotAnswers.Question, read: @escaping @Sendable (Double) async throws -> String) async throws -> String {
        // The commit first, then the read: the text is never older than the commit it is filed under.
        let version = try await live.dataVersion()
        return try await answers.answer(question, dataVersion: version, second: wallClock().rounded(.down), read: read)
    }
}

public enum ServeRouter {
    public static func make(_ serve: ServeContext) -> Router<BasicRequestContext> {
        let router = Router()
        if let token = serve.settings.token {
            router.add(middleware: TokenMiddleware(check: TokenCheck(token: token)))
        }
        let settings = serve.settings

        // MARK: JSON API: the command line's views and reports, the same bytes as --format json.
        for view in ["agents", "queues", "calls"] {
            router.get("/api/v1/\(view)") { request, _ -> Response in
                await respond {
                    let query = QueryItems(request.uri.query)
                    let parsed = try APIParameters.view(view, query)
                    let calendar = try APIParameters.calendar(query, default: settings.calendar)
                    let live = serve.live
                    return Responses.json(try await serve.shared(.view(parsed, zone: calendar.timeZoneIdentifier)) { second in
                        try await live.listing(parsed, calendar: calendar, wallClock: second)
                    })
                }
            }
        }
        router.get("/api/v1/status") { request, _ -> Response in
            await respond {
                let query = QueryItems(request.uri.query)
                try APIParameters.refuseUnknown(query, allowed: ["stale"])
                let stale = try APIParameters.seconds(query, "stale", default: 300)
                guard stale > 0 else { throw APIFailure.badParameter("stale must be a positive number of seconds") }
                let live = serve.live
                return Responses.json(try await serve.shared(.status(stale: stale)) { second in
                    try await live.status(stale: stale, wallClock: second)
                })
            }
        }
        router.get("/api/v1/reports/:kind") { request, context -> Response in
            await respond {
                let name = context.parameters.get("kind") ?? ""
                guard let kind = ReportKind(rawValue: name) else {
                    throw APIFailure(status: 404, "no report \(name): use \(ReportKind.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                return try await ReportResponses.run(kind, QueryItems(request.uri.query), serve, download: false)
            }
        }

        // MARK: Prometheus
        router.get("/metrics") { _, _ -> Response in
            await respond {
                let live = serve.live
                let text = try await serve.shared(.metrics) { second in
                    MetricsExposition.render(try await live.board(calendar: settings.calendar, thresholds: settings.thresholds,
                                                                  stale: settings.stale, wallClock: second))
                }
                return Responses.text(text, type: "text/plain; version=0.0.4; charset=utf-8")
            }
        }

        // MARK: Browser pages
        Wallboard.addRoutes(to: router, serve)
        ReportsPages.addRoutes(to: router, serve)
        Pages.addLogin(to: router, serve)
        return router
    }

    /// Runs `body`; a failure becomes its JSON error.
    static func respond(_ body: () async throws -> Response) async -> Response {
        do {
            return try await body()
        } catch {
            return Responses.error(Responses.failure(error))
        }
    }
}

/// A report in its format's content type (CSV downloaded as a file when asked).
enum ReportResponses {
    /// `kind` with the command line's parameters in `query`: the API's and the report form's one path.
    static func run(_ kind: ReportKind, _ query: QueryItems, _ serve: ServeContext, download: Bool) async throws -> Response {
        let (parameters, format) = try APIParameters.report(kind, query, default: serve.settings.calendar, now: serve.wallClock())
        if format == .xlsx {
            let bytes = try await serve.reports.workbook(kind, parameters: parameters)
            return workbook(bytes, kind: kind)
        }
        let text = try await serve.reports.report(kind, format: format, parameters: parameters)
        return make(text, kind: kind, format: format, download: download)
    }

    static func make(_ text: String, kind: ReportKind, format: ReportFormat, download: Bool) -> Response {
        switch format {
        case .json: return Responses.json(text)
        case .html: return Responses.html(text, policy: Responses.reportPagePolicy)
        case .table: return Responses.text(text)
        case .csv:
            var response = Responses.text(text, type: "text/csv; charset=utf-8")
            if download {
                response.headers[.contentDisposition] = "attachment; filename=\"\(kind.rawValue).csv\""
            }
            return response
        case .xlsx:
            // Written by `workbook`; never text.
            return Responses.error(APIFailure(status: 500, "an xlsx report is not text"))
        }
    }

    /// A report's workbook, downloaded as a file.
    static func workbook(_ bytes: [UInt8], kind: ReportKind) -> Response {
        var response = Responses.make(bytes: ByteBuffer(bytes: bytes),
                                      type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        response.headers[.contentDisposition] = "attachment; filename=\"\(kind.rawValue).xlsx\""
        return response
    }
}
