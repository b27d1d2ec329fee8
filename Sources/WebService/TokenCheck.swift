import Crypto
import Foundation
import Hummingbird

/// The token of `--token-file`: a request carries it as `Authorization: Bearer TOKEN`, or as
/// the cookie the login form sets (which holds a digest of the token, not the token).
/// Comparisons take the same time whatever the guess: both sides are hashed first, and the
/// digests compared byte by byte without stopping early.
public struct TokenCheck: Sendable {
    static let cookieName = "callstats_session"
    private let digest: [UInt8]
    private let cookieValue: String

    public init(token: String) {
        digest = Array(SHA256.hash(data: Data(token.utf8)))
        // Bound to the token: a new token logs every browser out.
        cookieValue = SHA256.hash(data: Data(("callstats serve session\n" + token).utf8)).map { String(format: "%02x", $0) }.joined()
    }

    public func accepts(token candidate: String) -> Bool {
        Self.equal(Array(SHA256.hash(data: Data(candidate.utf8))), digest)
    }

    func accepts(cookie candidate: String) -> Bool {
        Self.equal(Array(SHA256.hash(data: Data(candidate.utf8))), Array(SHA256.hash(data: Data(cookieValue.utf8))))
    }

    var sessionCookie: Cookie {
        Cookie(name: Self.cookieName, value: cookieValue, path: "/", httpOnly: true, sameSite: .strict)
    }

    static func equal(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }

    func allows(_ request: Request) -> Bool {
        if let header = request.headers[.authorization], header.hasPrefix("Bearer ") {
            return accepts(token: String(header.dropFirst("Bearer ".count)))
        }
        if let cookie = request.cookies[Self.cookieName] {
            return accepts(cookie: cookie.value)
        }
        return false
    }
}

/// 401 for a request without the token; a browser asking for a page gets the login form.
struct TokenMiddleware<Context: RequestContext>: RouterMiddleware {
    let check: TokenCheck

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        if path == "/login" || check.allows(request) {
            return try await next(request, context)
        }
        if path.hasPrefix("/api/") || path == "/metrics" || path == "/events" {
            var response = Responses.json(#"{"error":"unauthorized: send Authorization: Bearer TOKEN"}"# + "\n", status: .unauthorized)
            response.headers[.wwwAuthenticate] = #"Bearer realm="callstats""#
            return response
        }
        return Responses.html(Pages.login(next: path, failed: false), status: .unauthorized)
    }
}
