import Hummingbird
import Reports
import Storage

/// Responses with their content type and the security headers every page carries.
enum Responses {
    /// Nothing but this origin's own scripts, styles and images: every page is served from
    /// the binary (no CDN), and an injected inline script would not run.
    static let contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

    /// The report pages (their templates' own inline style, no script at all).
    static let reportPagePolicy = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

    static func make(_ text: String, type: String, status: HTTPResponse.Status = .ok, policy: String = contentSecurityPolicy) -> Response {
        make(bytes: ByteBuffer(string: text), type: type, status: status, policy: policy)
    }

    static func make(bytes: ByteBuffer, type: String, status: HTTPResponse.Status = .ok, policy: String = contentSecurityPolicy) -> Response {
        var headers: HTTPFields = [
            .contentType: type,
            .xContentTypeOptions: "nosniff",
            .contentSecurityPolicy: policy,
            .cacheControl: "no-store",
        ]
        if let name = HTTPFields.Element.Name("Referrer-Policy") { headers[name] = "no-referrer" }
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: bytes))
    }

    static func json(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        make(text, type: "application/json; charset=utf-8", status: status)
    }

    static func html(_ text: String, status: HTTPResponse.Status = .ok, policy: String = contentSecurityPolicy) -> Response {
        make(text, type: "text/html; charset=utf-8", status: status, policy: policy)
    }

    static func text(_ text: String, type: String = "text/plain; charset=utf-8", status: HTTPResponse.Status = .ok) -> Response {
        make(text, type: type, status: status)
    }

    static func error(_ failure: APIFailure) -> Response {
        json(#"{"error":"# + JSONText.quote(failure.message) + "}\n", status: HTTPResponse.Status(code: failure.status))
    }

    /// What a failed read means for the client: a bad parameter is its fault (400); a database
    /// that cannot be read, or holds nothing yet, is the service's (503), worded as the CLI words it.
    static func failure(_ error: any Error) -> APIFailure {
        switch error {
        case let failure as APIFailure: return failure
        case let error as ReportError: return APIFailure(status: error.isBadArgument ? 400 : 503, error.description)
        case let error as ReportTimeError: return APIFailure(status: 400, error.description)
        case let error as StorageError: return APIFailure(status: 503, "the database could not be read: \(error.explanation)")
        default: return APIFailure(status: 500, "\(error)")
        }
    }
}
