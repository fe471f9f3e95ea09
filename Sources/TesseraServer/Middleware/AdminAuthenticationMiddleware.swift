import Hummingbird
import TesseraAudit

/// Requires an admin bearer token on every route it guards. A refused role is audited with the principal;
/// a missing or invalid token is counted per source and reason (`RefusalScope`), not one record per request.
struct AdminAuthenticationMiddleware: RouterMiddleware {
    typealias Context = TesseraRequestContext

    let authenticator: AdminAuthenticator
    let audit: AuditLog

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let principal: AdminPrincipal?
        do {
            principal = try await authenticator.authenticate(authorization: request.headers[.authorization])
        } catch {
            throw ProblemDetails(.serviceUnavailable, "Unavailable", detail: "the credential store is unavailable")
        }
        guard let principal else {
            // Nothing was proved: counted per source (RefusalAggregator) rather than one durable record per request.
            if let scope = RefusalScope.current {
                scope.aggregate(
                    type: AuditEventType.adminAuthFailed, code: "invalid_admin_token", reason: "missing or invalid admin token")
            } else {
                _ = try? await audit.append(
                    AuditEvent(
                        type: AuditEventType.adminAuthFailed, outcome: .denied, reason: "missing or invalid admin token",
                        details: [
                            "path": .string(String(request.uri.path.prefix(200))),
                            "source": .string(context.remoteAddress ?? "unknown"),
                        ]))
            }
            throw ProblemDetails(
                .unauthorized, "Unauthorized", detail: "an admin bearer token is required (Authorization: Bearer tsr_admin_...)")
        }
        guard AdminRole.permits(principal.role, method: request.method, path: request.uri.path) else {
            _ = try? await audit.append(
                AuditEvent(
                    type: AuditEventType.adminForbidden, outcome: .denied, actor: principal.auditActor,
                    reason: "role \(principal.role) may not \(request.method.rawValue) \(request.uri.path.prefix(200))",
                    details: ["role": .string(principal.role), "source": .string(context.remoteAddress ?? "unknown")]))
            throw ProblemDetails(
                .forbidden, "Forbidden",
                detail:
                    "role \(principal.role) may not \(request.method.rawValue) this route (viewer: reads; operator: tasks, leases, delegations)"
            )
        }
        var context = context
        context.admin = principal
        return try await next(request, context)
    }
}
