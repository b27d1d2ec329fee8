import Foundation
import Hummingbird
import Reports

/// The small pages: the login form.
enum Pages {
    static func login(next: String, failed: Bool) -> String {
        // Only a path of this site: never a redirect elsewhere.
        let target = next.hasPrefix("/") && !next.hasPrefix("//") ? next : "/"
        return """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>CallStats: sign in</title>
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <link rel="stylesheet" href="/static/wallboard.css"></head>
            <body class="login"><main>
            <h1>CallStats</h1>
            \(failed ? "<p class=\"error\">That token is not the one this server was given.</p>" : "<p>This server needs its access token.</p>")
            <form method="post" action="/login">
            <input type="hidden" name="next" value="\(HTML.escape(target))">
            <label>Token <input type="password" name="token" autocomplete="current-password" autofocus></label>
            <button type="submit">Sign in</button>
            </form></main></body></html>

            """
    }

    static func addLogin(to router: Router<BasicRequestContext>, _ serve: ServeContext) {
        router.get("/login") { request, _ -> Response in
            Responses.html(login(next: QueryItems(request.uri.query).value("next") ?? "/", failed: false))
        }
        router.post("/login") { request, context -> Response in
            let body = try await request.body.collect(upTo: 16 * 1024)
            let form = QueryItems(String(buffer: body))
            let next = form.value("next") ?? "/"
            guard let token = serve.settings.token else {
                return Response(status: .seeOther, headers: [.location: "/"])
            }
            let check = TokenCheck(token: token)
            guard let given = form.value("token"), check.accepts(token: given) else {
                return Responses.html(login(next: next, failed: true), status: .unauthorized)
            }
            let target = next.hasPrefix("/") && !next.hasPrefix("//") ? next : "/"
            var response = Response(status: .seeOther, headers: [.location: target])
            response.setCookie(check.sessionCookie)
            return response
        }
    }
}
