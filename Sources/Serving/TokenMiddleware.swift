import Foundation
import Hummingbird
import TensorCore

/// Refuses every request but the page (`GET /`) without the server's token: `Authorization:
/// Bearer <token>`, or HTTP Basic auth whose password is the token (AUTOMATIC1111's `--api-auth`
/// style, which Open WebUI sends). 401 with `{"error": …}` otherwise.
struct TokenMiddleware<Context: RequestContext>: RouterMiddleware {
    let digest: [UInt8]

    init(token: String) {
        digest = Self.digest(token)
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if request.uri.path == "/" || request.method == .options { return try await next(request, context) }
        guard let header = request.headers[.authorization], let given = Self.token(in: header), matches(given) else {
            let why = (request.headers[.authorization] ?? "").isEmpty ? "missing token" : "wrong token"
            throw ServingError(.unauthorized, "\(why): send the header 'Authorization: Bearer <token>' given to t2i serve --token",
                               headers: [.wwwAuthenticate: "Bearer realm=\"t2i\""])
        }
        return try await next(request, context)
    }

    /// The token a header carries: after `Bearer `, or the password of `Basic base64(user:password)`.
    static func token(in header: String) -> String? {
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2 else { return nil }
        switch parts[0].lowercased() {
        case "bearer": return String(parts[1]).trimmingCharacters(in: .whitespaces)
        case "basic":
            guard let data = Data(base64Encoded: String(parts[1]).trimmingCharacters(in: .whitespaces)),
                  let text = String(data: data, encoding: .utf8), let colon = text.firstIndex(of: ":") else { return nil }
            return String(text[text.index(after: colon)...])
        default: return nil
        }
    }

    /// Compares digests in time independent of where they differ.
    func matches(_ given: String) -> Bool {
        zip(Self.digest(given), digest).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }

    private static func digest(_ text: String) -> [UInt8] {
        Array(SHA256.hex(Array(text.utf8)).utf8)
    }
}
