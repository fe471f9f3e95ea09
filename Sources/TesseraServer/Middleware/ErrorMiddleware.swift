import Hummingbird
import Logging
import TesseraAudit
import TesseraStore

/// Turns unexpected errors into a generic 500 problem (no internals leak) and logs them; the framework's HTTP
/// errors on admin routes (`/v1/...`) become problem details too, and storage errors the status they mean
/// (unavailable 503, not found 404, conflict 409; an unreadable record 500 with a log line).
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = TesseraRequestContext

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPResponseError
            where request.uri.path.hasPrefix("/v1/") && !(error is ProblemDetails) && !(error is OAuthError)
        {
            // The admin API answers RFC 9457 everywhere, also for the framework's own errors (an oversized body's 413).
            let title = error.status.reasonPhrase.isEmpty ? "Error" : error.status.reasonPhrase
            let detail =
                error.status == .contentTooLarge
                ? "request body is larger than the server accepts"
                : ((error as? HTTPError)?.body.map { String($0.prefix(256)) } ?? title)
            throw ProblemDetails(error.status, title, detail: detail)
        } catch let error as HTTPResponseError {
            throw error
        } catch is AuditError {
            // Nothing is handed out without its durable record: the audit log being unavailable is a 503 to retry,
            // not an internal error.
            context.logger.error("audit log unavailable; request refused")
            throw ProblemDetails(
                .serviceUnavailable, "Service Unavailable", detail: "the audit log is unavailable; nothing was done, retry later")
        } catch  where StoreError.isUnavailable(error) {
            // A full disk, a database locked by another writer or a lost connection: nothing was done; retry.
            context.logger.error(
                "storage unavailable; request refused", metadata: ["error": "\(String(describing: type(of: error)))"])
            throw ProblemDetails(
                .serviceUnavailable, "Service Unavailable", detail: "the storage is unavailable; nothing was done, retry later")
        } catch let error as StoreError where error.code == .notFound {
            // Storage reasons name what is missing, never a secret (module rule).
            throw ProblemDetails(.notFound, "Not Found", detail: String(error.reason.prefix(256)))
        } catch let error as StoreError where error.code == .conflict {
            throw ProblemDetails(.conflict, "Conflict", detail: String(error.reason.prefix(256)))
        } catch let error as StoreError where error.code == .invalidValue {
            throw ProblemDetails.badRequest(String(error.reason.prefix(256)))
        } catch let error as StoreError where error.code == .corrupted {
            context.logger.error("corrupted stored record", metadata: ["reason": "\(error.reason.prefix(200))"])
            throw ProblemDetails(
                .internalServerError, "Internal error",
                detail: "a stored record could not be read; the server log names it (tessera audit verify checks the chain)")
        } catch {
            context.logger.error("unhandled error", metadata: ["error": "\(String(describing: type(of: error)))"])
            throw ProblemDetails(.internalServerError, "Internal error", detail: "the server could not complete the request")
        }
    }
}
