import Foundation
import Hummingbird
import Reports
import ServiceLifecycle

/// `/`: the wallboard. The page is rendered on the server (a browser without JavaScript shows
/// a correct snapshot; every string from the database is HTML-escaped there), and
/// `/static/wallboard.js` replaces its board with each one `/events` pushes (Server-Sent
/// Events, which the browser reconnects on its own) and counts the times in state up between
/// pushes. Nothing comes from another origin.
enum Wallboard {
    struct Options: Sendable {
        var dark = false
        /// `?queues=Blue,2`: names or ids; empty for every queue.
        var queues: [String] = []

        init(_ query: QueryItems) {
            dark = query.value("theme") == "dark"
            queues = query.values("queues").flatMap { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }.filter { !$0.isEmpty }
        }

        init(queues: [String], dark: Bool = false) {
            self.queues = queues
            self.dark = dark
        }
    }

    static func addRoutes(to router: Router<BasicRequestContext>, _ serve: ServeContext) {
        let settings = serve.settings
        router.get("/") { request, _ -> Response in
            let options = Options(QueryItems(request.uri.query))
            do {
                let board = try await serve.live.board(calendar: settings.calendar, thresholds: settings.thresholds,
                                                       stale: settings.stale, wallClock: serve.wallClock())
                return Responses.html(page(board, options: options, settings: settings, query: request.uri.query))
            } catch {
                let failure = Responses.failure(error)
                return Responses.html(errorPage(failure.message, dark: options.dark), status: .init(code: failure.status))
            }
        }
        router.get("/events") { request, _ -> Response in
            let options = Options(QueryItems(request.uri.query))
            guard let (id, events) = await serve.hub.subscribe(queues: options.queues) else {
                return Responses.text("too many wallboards are open\n", status: .serviceUnavailable)
            }
            let hub = serve.hub
            let body = ResponseBody { writer in
                // The browser waits this long before reconnecting after the server went away.
                try await writer.write(ByteBuffer(string: "retry: 2000\n\n"))
                do {
                    // Ended by a graceful shutdown (SIGTERM) too: the server stops before the
                    // hub and waits for its open responses, so a stream left for the hub to
                    // end would hold the process forever.
                    try await withGracefulShutdownHandler {
                        for await event in events {
                            try await writer.write(event)
                        }
                    } onGracefulShutdown: {
                        Task { await hub.unsubscribe(id) }
                    }
                } catch {
                    await hub.unsubscribe(id)
                    throw error
                }
                await hub.unsubscribe(id)
                try await writer.finish(nil)
            }
            return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-store"], body: body)
        }
        router.get("/static/wallboard.css") { _, _ -> Response in
            Responses.text(WallboardAssets.css, type: "text/css; charset=utf-8")
        }
        router.get("/static/wallboard.js") { _, _ -> Response in
            Responses.text(WallboardAssets.javascript, type: "text/javascript; charset=utf-8")
        }
    }

    /// One SSE event: each line of the fragment as a `data:` line. A name may hold CR (escaping
    /// keeps it: whitespace in HTML), which ends a line in SSE too: split there as well, or the
    /// rest of its line would reach the browser as a field of its own (`retry:`, `event:`).
    static func event(_ html: String) -> String {
        let lines = html.unicodeScalars.split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r" }
        return "event: board\n" + lines.map { "data: " + String(Substring($0)) }.joined(separator: "\n") + "\n\n"
    }

    static func page(_ board: Board, options: Options, settings: ServeSettings, query: String?) -> String {
        let events = "/events" + (query.map { "?" + $0 } ?? "")
        return """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>CallStats wallboard</title>
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <link rel="stylesheet" href="/static/wallboard.css">
            <script src="/static/wallboard.js" defer></script></head>
            <body class="\(options.dark ? "dark" : "light")">
            <main id="board" data-events="\(HTML.escape(events))">
            \(fragment(board, options: options, settings: settings))
            </main>
            <footer><a href="/reports">Reports</a> · <a href="/metrics">Metrics</a> · <a href="\(options.dark ? "/" : "/?theme=dark")">\(options.dark ? "Light" : "Dark") theme</a></footer>
            </body></html>

            """
    }

    static func errorPage(_ message: String, dark: Bool) -> String {
        """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>CallStats wallboard</title>
        <link rel="stylesheet" href="/static/wallboard.css"></head>
        <body class="\(dark ? "dark" : "light")"><main><p class="error">\(HTML.escape(message))</p></main></body></html>

        """
    }

    /// The board itself: what `/events` pushes and the page embeds.
    static func fragment(_ board: Board, options: Options, settings: ServeSettings) -> String {
        let e = HTML.escape
        let thresholds = settings.wallboard
        let wanted = Set(options.queues)
        let queues = board.queues.filter { wanted.isEmpty || wanted.contains($0.queueID) || wanted.contains($0.queueName ?? "") }
        let queueIDs = Set(queues.map(\.queueID))
        let live = board.asOf.isLive
        var html = "<header data-live=\"\(live)\"><h1>\(e(NowWords.asOfLine(board.asOf, calendar: board.calendar)))</h1></header>\n<section class=\"tiles\">\n"
        for queue in queues {
            let states = board.agentStates(ofQueue: queue.queueID)
            var level = "ok"
            if queue.waitingCalls >= thresholds.alertWaiting || (queue.waitingCalls > 0 && queue.longestWait >= thresholds.alertLongestWait) {
                level = "alert"
            } else if queue.waitingCalls >= thresholds.warnWaiting || (queue.waitingCalls > 0 && queue.longestWait >= thresholds.warnLongestWait) {
                level = "warn"
            }
            var slLevel = "ok"
            if let sl = queue.serviceLevelTodayPercent {
                slLevel = sl < thresholds.alertServiceLevel ? "alert" : sl < thresholds.warnServiceLevel ? "warn" : "ok"
            }
            let counting = live && queue.waitingCalls > 0
            html += """
                <article class="tile level-\(level)" data-queue-id="\(e(queue.queueID))">
                <h2>\(e(queue.queueName ?? queue.queueID))</h2>
                <p class="waiting"><span class="n">\(queue.waitingCalls)</span> waiting</p>
                <dl>
                <dt>Longest wait</dt><dd class="longest"\(counting ? " data-elapsed=\"\(Int(queue.longestWait))\"" : "")>\(clock(queue.longestWait))</dd>
                <dt>EWT</dt><dd>\(queue.ewt.map(clock) ?? "–")</dd>
                <dt>Available</dt><dd class="agents-available">\(states["available"] ?? 0)</dd>
                <dt>On calls</dt><dd class="agents-calls">\((states["acd_call"] ?? 0) + (states["nonacd_call"] ?? 0))</dd>
                <dt>Paused</dt><dd class="agents-paused">\(states["paused"] ?? 0)</dd>
                <dt>Offered</dt><dd>\(queue.offeredToday)</dd>
                <dt>Answered</dt><dd>\(queue.answeredToday)</dd>
                <dt>Missed</dt><dd>\(percent(queue.missedTodayPercent))</dd>
                <dt>SL</dt><dd class="sl level-\(slLevel)">\(percent(queue.serviceLevelTodayPercent))</dd>
                </dl></article>

                """
        }
        html += "</section>\n<div class=\"lower\"><section class=\"agents\"><h2>Agents</h2><table>\n<thead><tr><th>Agent</th><th>State</th><th>For</th><th>ACD calls</th><th>Occupancy</th></tr></thead><tbody>\n"
        // Those at work first: on a wall screen, the logged-out are what scrolls off.
        let shown = board.agents.filter { wanted.isEmpty || !queueIDs.isDisjoint(with: $0.queueIDs) }
        for agent in shown.filter({ $0.state != "logged_out" }) + shown.filter({ $0.state == "logged_out" }) {
            let state = agent.state ?? "unknown"
            let elapsed = agent.stateSince.map { max(0, board.asOf.time - $0) }
            let counting = live && elapsed != nil && state != "logged_out"
            html += "<tr class=\"state-\(e(state))\" data-agent-id=\"\(e(agent.agentID))\"><td>\(e(agent.agentName ?? agent.agentNumber ?? agent.agentID))</td>"
                + "<td class=\"state\">\(e(state.replacingOccurrences(of: "_", with: " ")))</td>"
                + "<td\(counting ? " data-elapsed=\"\(Int(elapsed ?? 0))\"" : "")>\(elapsed.map(clock) ?? "")</td>"
                + "<td>\(agent.acdCallsToday)</td><td>\(percent(agent.occupancyToday))</td></tr>\n"
        }
        html += "</tbody></table></section>\n<section class=\"missed\"><h2>Latest missed calls</h2><table>\n<thead><tr><th>Time</th><th>Caller</th><th>To</th><th>Waited</th><th>Called back</th></tr></thead><tbody>\n"
        for call in board.missedCalls where wanted.isEmpty || (call.kind == .queue && queueIDs.contains(call.targetID ?? "")) {
            let day = board.today.day
            let time = board.calendar.wallClock(call.time, withDate: board.calendar.day(containing: call.time) != day)
            let back = call.calledBackAt.map { board.calendar.wallClock($0, withDate: board.calendar.day(containing: $0) != day) }
            html += "<tr class=\"\(back == nil ? "not-called-back" : "called-back")\"><td>\(e(time))</td><td>\(e(call.callerNumber ?? call.callerName ?? "unknown"))</td>"
                + "<td>\(e(call.targetName ?? call.targetID ?? call.calleeNumber ?? ""))</td><td>\(call.wait.map(clock) ?? "")</td>"
                + "<td>\(back.map { "yes, " + e($0) } ?? "no")</td></tr>\n"
        }
        html += "</tbody></table></section></div>"
        return html
    }

    static func clock(_ seconds: Double) -> String {
        let total = Int(max(0, seconds).rounded(.down))
        return "\(total / 3600):" + String(format: "%02d:%02d", total / 60 % 60, total % 60)
    }

    static func percent(_ value: Double?) -> String {
        guard let value, value.isFinite else { return "–" }
        return String(format: "%.1f %%", value)
    }
}
