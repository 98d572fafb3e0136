import Hummingbird

/// Turns the router's own errors (no such route, a wrong method) and anything unexpected into
/// `{"error": "…"}` responses, so every answer of the API is JSON.
struct JSONErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as ServingError {
            throw error
        } catch let error as HTTPError {
            let message = error.body ?? (error.status == .notFound ? "no route \(request.method) \(request.uri.path)" : error.status.reasonPhrase)
            throw ServingError(error.status, message, headers: error.headers)
        } catch {
            throw ServingError(.internalServerError, "internal error: \(error)")
        }
    }
}
