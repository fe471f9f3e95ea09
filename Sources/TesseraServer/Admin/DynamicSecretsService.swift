import Foundation
import Logging
import TesseraAudit
import TesseraCore
import TesseraSecrets
import TesseraStore

/// Dynamic PostgreSQL credentials for legacy systems: a workload inside an open task trades its access
/// token for a role created just for it, valid until the task ends; ending the task drops the role.
struct DynamicSecretsService: Sendable {
    static let leaseKind = "postgres_role"

    let manager: PostgresRoleManager
    let tokens: TokenService
    let tasks: any TaskRepository
    let identities: any IdentityRepository
    let authorizer: any IssuanceAuthorizer
    let audit: AuditLog
    let clock: any TimeSource
    let logger: Logger

    struct Issued: Sendable {
        let credential: PostgresRoleManager.Credential
        let taskID: String
    }

    func issue(_ presented: ResourceRequest, template: String, remoteAddress: String?) async throws -> Issued {
        let claims = try await tokens.authenticateResource(presented)
        guard let subject = claims.sub else { throw ProblemDetails(.unauthorized, "Unauthorized", detail: "token has no sub") }
        guard let taskID = claims.taskID else {
            throw ProblemDetails(
                .forbidden, "Forbidden", detail: "database credentials belong to a task: request the token with task_id")
        }
        let now = clock.now()
        guard let task = try await tasks.get(id: taskID), task.effectiveState(at: now) == .open else {
            throw ProblemDetails(.forbidden, "Forbidden", detail: "task \(taskID) is not open")
        }
        guard let identity = try await identities.get(spiffeID: subject), identity.eligibility(at: now).isEligible,
            task.identities.contains(subject)
        else { throw ProblemDetails(.forbidden, "Forbidden", detail: "this identity may not act in task \(taskID)") }
        guard manager.templates[template] != nil else {
            throw ProblemDetails.notFound("no database role template named \(template.prefix(64))")
        }
        let decision = await authorizer.authorize(
            IssuanceRequest(
                action: "issue_secret", identity: identity, requestedScopes: [], audience: "postgres:\(template)",
                grantType: "dynamic_secret", sourceAddress: remoteAddress, time: now, intent: task.intent, task: task))
        guard decision.isAllowed else {
            try? await refuse(subject: subject, task: taskID, template: template, decision: decision)
            throw ProblemDetails(.forbidden, "Forbidden", detail: decision.reasons.joined(separator: "; "))
        }
        let credential: PostgresRoleManager.Credential
        do {
            credential = try await manager.create(template: template, requestedExpiry: task.expiresAt, now: now)
        } catch let error as SecretsError {
            throw ProblemDetails(.badGateway, "Database unavailable", detail: error.reason)
        }
        let lease = Lease(
            id: credential.username, kind: Self.leaseKind, subject: subject, taskID: taskID, issuedAt: now,
            expiresAt: credential.expiresAt)
        do {
            try await audit.append(
                AuditEvent(
                    type: AuditEventType.secretIssued, outcome: .success, actor: subject, subject: subject, task: taskID,
                    details: [
                        "kind": .string(Self.leaseKind), "template": .string(template), "username": .string(credential.username),
                        "expires_at": .int(Int64(credential.expiresAt.timeIntervalSince1970)),
                        "policies": .strings(decision.determiningPolicies), "policy_version": .string(decision.policySetVersion),
                    ].merging(decision.auditDetails) { current, _ in current },
                    lease: lease))
        } catch {
            // No credential without its durable record: destroy what was just created.
            try? await manager.drop(credential.username)
            throw ProblemDetails(
                .serviceUnavailable, "Unavailable", detail: "the audit log is unavailable; no credential was issued")
        }
        return Issued(credential: credential, taskID: taskID)
    }

    /// Moves the role's `VALID UNTIL` for an explicit renewal (the caller bounds it by the task).
    func extend(_ lease: Lease, until: Date) async throws {
        do {
            try await manager.extend(lease.id, until: until)
        } catch let error as SecretsError {
            throw ProblemDetails(.badGateway, "Database unavailable", detail: error.reason)
        }
    }

    /// Drops the roles of revoked or expired leases; called about once a second.
    func releaseDue() async {
        guard let due = try? await tasks.pendingReleases(kind: Self.leaseKind, now: clock.now()) else { return }
        // Several drops at once (each waits on PostgreSQL terminating sessions), at most `parallelDrops`.
        await withTaskGroup(of: Void.self) { group in
            for (index, lease) in due.enumerated() {
                if index >= Self.parallelDrops { await group.next() }
                group.addTask { await release(lease) }
            }
        }
    }

    /// Drops running at once in a sweep (the role manager keeps as many admin connections idle).
    static let parallelDrops = 8

    private func release(_ lease: Lease) async {
        do {
            try await manager.drop(lease.id)
            try await tasks.markReleased(id: lease.id, at: clock.now())
            _ = try? await audit.append(
                AuditEvent(
                    type: AuditEventType.secretDestroyed, outcome: .success, actor: "system", subject: lease.subject,
                    reason: lease.revokedAt == nil ? "lease expired" : (lease.revokeReason ?? "lease revoked"),
                    task: lease.taskID, details: ["kind": .string(lease.kind), "username": .string(lease.id)]))
        } catch {
            logger.warning("could not drop a dynamic role; will retry", metadata: ["role": "\(lease.id)"])
        }
    }

    /// Crash repair: drops roles with Tessera's prefix that no unreleased lease accounts for.
    func repairOrphans() async {
        guard let roles = try? await manager.managedRoles(),
            let known = try? await tasks.unreleasedIDs(kind: Self.leaseKind)
        else { return }
        for role in roles where !known.contains(role) {
            guard (try? await manager.drop(role)) != nil else { continue }
            _ = try? await audit.append(
                AuditEvent(
                    type: AuditEventType.secretOrphanDropped, outcome: .success, actor: "system",
                    reason: "role without a lease (left behind by a crash)", details: ["username": .string(role)]))
        }
    }

    private func refuse(subject: String, task: String, template: String, decision: PolicyDecision) async throws {
        try await audit.append(
            AuditEvent(
                type: AuditEventType.secretRefused, outcome: .denied, actor: subject, subject: subject,
                reason: decision.reasons.joined(separator: "; "), task: task,
                details: [
                    "template": .string(template), "policies": .strings(decision.determiningPolicies),
                    "policy_version": .string(decision.policySetVersion),
                ].merging(decision.auditDetails) { current, _ in current }))
    }
}
