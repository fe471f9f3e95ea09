import Hummingbird
import Logging

/// Turns unexpected errors into a generic 500 problem (no internals leak) and logs them.
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = TesseraRequestContext

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPResponseError {
            throw error
        } catch {
            context.logger.error("unhandled error", metadata: ["error": "\(String(describing: type(of: error)))"])
            throw ProblemDetails(.internalServerError, "Internal error", detail: "the server could not complete the request")
        }
    }
}
