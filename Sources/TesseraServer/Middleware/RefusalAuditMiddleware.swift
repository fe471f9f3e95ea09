import Hummingbird
import TesseraAudit

/// Audits every admin request the server refuses (validation errors, conflicts, missing resources), so bad
/// input leaves a trace with the administrator who sent it. Runs after authentication.
struct RefusalAuditMiddleware: RouterMiddleware {
    typealias Context = TesseraRequestContext

    let audit: AuditLog

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let problem as ProblemDetails where (400..<500).contains(problem.status.code) {
            _ = try? await audit.append(
                AuditEvent(
                    type: AuditEventType.adminRequestRefused, outcome: .denied, actor: context.admin?.auditActor,
                    reason: String(problem.detail.prefix(512)),
                    details: [
                        "method": .string(request.method.rawValue), "path": .string(String(request.uri.path.prefix(200))),
                        "status": .int(Int64(problem.status.code)),
                    ]))
            throw problem
        }
    }
}
