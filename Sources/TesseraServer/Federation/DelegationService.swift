import Foundation
import TesseraAudit
import TesseraCore
import TesseraCrypto
import TesseraStore

/// A signed-in person hands a task to a workload: `POST /v1/delegations` returns a short delegation token
/// (`sub` = the person, `aud` and `may_act` = the workload, the task's scopes and deadline). The workload
/// exchanges it (RFC 8693, with its own actor token) for tokens that carry `act` = itself, `sub` = the person.
struct DelegationService: Sendable {
    let keys: KeyRing
    let issuer: String
    let tasks: any TaskRepository
    let identities: any IdentityRepository
    let audit: AuditLog
    let clock: any TimeSource
    /// Delegation tokens live at most this long (seconds).
    let ttl: Int

    func delegate(_ body: JSONObjectReader, principal: AdminPrincipal) async throws -> (token: String, expiresAt: Date) {
        try body.rejectUnknown(allowed: ["task_id", "actor"])
        guard principal.tokenID.hasPrefix("human:") else {
            throw ProblemDetails(
                .forbidden, "Forbidden", detail: "only a signed-in person delegates (sign in with tessera login)")
        }
        let taskID = try body.requiredString("task_id")
        let actor = try body.requiredString("actor")
        guard taskID.utf8.count <= 128, let task = try await tasks.get(id: taskID) else {
            throw ProblemDetails.notFound("no task \(taskID.prefix(128))")
        }
        let human = principal.tokenID
        guard task.initiator == human || principal.role == AdminRole.admin.rawValue else {
            throw ProblemDetails(.forbidden, "Forbidden", detail: "you may delegate only in a task you started")
        }
        let now = clock.now()
        if case .ineligible(let reason) = task.admits(clientID: actor, requestedScopes: task.scopes, at: now) {
            throw ProblemDetails(.conflict, "Not delegable", detail: reason)
        }
        guard let identity = try await identities.get(spiffeID: actor), case .eligible = identity.eligibility(at: now) else {
            throw ProblemDetails.badRequest("$.actor must be an active identity in the inventory")
        }
        let expiry = min(now.addingTimeInterval(TimeInterval(ttl)), task.expiresAt)
        var token = AccessToken(
            issuer: issuer, subject: human, audience: identity.clientID, clientID: human, scopes: task.scopes, issuedAt: now,
            expiresAt: expiry, jti: RandomToken.base64URL(bytes: 18), taskID: task.id)
        token.mayActSubject = identity.clientID
        let signed = try keys.active.sign(claims: token.claims(), typ: "at+jwt")
        try await audit.append(
            AuditEvent(
                type: AuditEventType.tokenIssued, outcome: .success, actor: human, subject: human, task: task.id,
                details: [
                    "jti": .string(token.jti), "grant_type": .string("urn:tessera:delegation"),
                    "may_act": .string(identity.clientID),
                    "aud": .string(identity.clientID), "scope": .strings(task.scopes), "act_chain": .strings([]),
                    "issuer": .string(issuer), "exp": .int(Int64(expiry.timeIntervalSince1970)),
                ],
                lease: Lease(
                    id: token.jti, kind: "delegation_token", subject: human, taskID: task.id, issuedAt: now, expiresAt: expiry)))
        return (signed, expiry)
    }
}
