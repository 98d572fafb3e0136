import Hummingbird

/// A request the server refuses or cannot answer: an HTTP status and one line for the client,
/// sent as `{"error": "…"}`.
public struct ServingError: Error, CustomStringConvertible, Sendable {
    public let status: HTTPResponse.Status
    public let message: String
    /// Extra response headers (e.g. `Retry-After`, `WWW-Authenticate`).
    public var headers: HTTPFields

    public init(_ status: HTTPResponse.Status, _ message: String, headers: HTTPFields = [:]) {
        self.status = status
        self.message = message
        self.headers = headers
    }

    public var description: String { message }
}

extension ServingError: HTTPResponseError {
    /// `{"error": "…"}` with the status and headers.
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = JSONValue.object([("error", .string(message))]).response(status: status)
        response.headers.append(contentsOf: headers)
        return response
    }
}

extension ServingError {
    /// `0.5 s`, `300 s`: a time limit as messages name it.
    static func seconds(_ s: Double) -> String {
        s == s.rounded() ? "\(Int(s)) s" : "\(s) s"
    }
}
