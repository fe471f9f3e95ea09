import Foundation
import TesseraAudit
import TesseraCore
import TesseraStore

/// Exceptions for the admin API: create (owner, justification, scope and a mandatory, capped expiry),
/// list, show, revoke; the sweeper records expiries.
struct ExceptionService: Sendable {
    let repository: any ExceptionRepository
    let identities: any IdentityRepository
    let audit: AuditLog
    let clock: any TimeSource
    /// Longest allowed lifetime in seconds.
    let maximumTTL: Int

    static let createFields: Set<String> = [
        "identity", "owner", "justification", "actions", "scopes", "audiences", "expires_at", "ttl",
    ]

    func create(_ body: JSONObjectReader, actor: AdminPrincipal) async throws -> PolicyException {
        try body.rejectUnknown(allowed: Self.createFields)
        let now = clock.now()
        let expiresAt: Date
        switch (try body.nullableDate("expires_at"), try body.nullableInt("ttl")) {
        case (.some(.some(let date)), nil): expiresAt = date
        case (nil, .some(.some(let ttl))): expiresAt = now.addingTimeInterval(TimeInterval(ttl))
        case (.some, .some): throw ProblemDetails.badRequest("send either $.expires_at or $.ttl, not both")
        default:
            throw ProblemDetails.badRequest(
                "$.expires_at (RFC 3339) or $.ttl (seconds) is required: every exception expires")
        }
        let name = try body.requiredString("identity")
        guard let identity = try await resolve(name) else {
            throw ProblemDetails(.unprocessableContent, "Unknown identity", detail: "no identity \(name.prefix(200))")
        }
        guard identity.status == .active else {
            throw ProblemDetails(
                .conflict, "Identity not active",
                detail: "identity is \(identity.status.rawValue); an exception cannot revive it")
        }
        let exception = PolicyException(
            id: PolicyException.newID(), identity: identity.spiffeID.description, owner: try body.requiredString("owner"),
            justification: try body.requiredString("justification"),
            actions: try body.stringArray("actions") ?? ["issue_token"], scopes: try body.stringArray("scopes") ?? [],
            audiences: try body.stringArray("audiences") ?? [], createdBy: actor.auditActor, createdAt: now,
            expiresAt: expiresAt)
        do {
            try exception.validate(maximumTTL: maximumTTL)
        } catch {
            throw ProblemDetails.badRequest(error.reason)
        }
        try await repository.create(exception)
        try await audit.append(
            AuditEvent(
                type: AuditEventType.exceptionCreated, outcome: .success, actor: actor.auditActor, subject: exception.identity,
                reason: String(exception.justification.prefix(512)),
                details: [
                    "exception": .string(exception.id), "owner": .string(exception.owner),
                    "actions": .strings(exception.actions), "scope": .strings(exception.scopes),
                    "audiences": .strings(exception.audiences),
                    "expires_at": .int(Int64(exception.expiresAt.timeIntervalSince1970)),
                ]))
        return exception
    }

    func find(_ id: String) async throws -> PolicyException {
        guard id.utf8.count <= 128, let exception = try await repository.get(id: id) else {
            throw ProblemDetails.notFound("no exception with id \(id.prefix(64))")
        }
        return exception
    }

    func revoke(_ id: String, reason: String?, actor: AdminPrincipal) async throws -> PolicyException {
        let exception = try await find(id)
        let revoked: PolicyException
        do {
            revoked = try await repository.revoke(id: exception.id, reason: reason ?? "revoked by an operator", at: clock.now())
        } catch let error as StoreError where error.code == .conflict {
            throw ProblemDetails(.conflict, "Invalid transition", detail: error.reason)
        }
        try await audit.append(
            AuditEvent(
                type: AuditEventType.exceptionRevoked, outcome: .success, actor: actor.auditActor, subject: exception.identity,
                reason: reason.map { String($0.prefix(512)) }, details: ["exception": .string(exception.id)]))
        return revoked
    }

    /// Records in the audit log every exception that expired since the last call (about once a second).
    func recordExpiries() async {
        guard let expired = try? await repository.takeNewlyExpired(now: clock.now()) else { return }
        for exception in expired {
            _ = try? await audit.append(
                AuditEvent(
                    type: AuditEventType.exceptionExpired, outcome: .success, actor: "system", subject: exception.identity,
                    details: ["exception": .string(exception.id), "uses": .int(Int64(exception.uses))]))
        }
    }

    /// An identity by inventory id or SPIFFE ID.
    private func resolve(_ name: String) async throws -> Identity? {
        guard name.utf8.count <= 2048 else { return nil }
        if let identity = try await identities.get(id: name) { return identity }
        return try await identities.get(spiffeID: name)
    }
}
