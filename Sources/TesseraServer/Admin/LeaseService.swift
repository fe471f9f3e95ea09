import Foundation
import TesseraAudit
import TesseraCore
import TesseraStore

/// Leases for the admin API: list, revoke one, revoke every live credential of an identity without
/// suspending it, and explicit renewals bounded by the task.
struct LeaseService: Sendable {
    let repository: any TaskRepository
    let audit: AuditLog
    let clock: any TimeSource
    let changes: ChangeFeed
    let secrets: DynamicSecretsService?

    /// Lease kinds Tessera records.
    static let kinds: Set<String> = ["access_token", DynamicSecretsService.leaseKind, "x509_svid", "jwt_svid"]

    func find(_ id: String) async throws -> Lease {
        guard id.utf8.count <= 200, let lease = try await repository.lease(id: id) else {
            throw ProblemDetails.notFound("no lease with id \(id.prefix(64))")
        }
        return lease
    }

    func revoke(_ id: String, reason: String?, actor: String) async throws -> Lease {
        let lease = try await find(id)
        let why = reason.map { String($0.prefix(512)) } ?? "revoked by an operator"
        let revoked: Lease
        do {
            revoked = try await repository.revokeLease(id: lease.id, reason: why, now: clock.now())
        } catch let error as StoreError where error.code == .conflict {
            throw ProblemDetails(.conflict, "Invalid transition", detail: error.reason)
        }
        changes.bump()
        try await audit.append(
            AuditEvent(
                type: AuditEventType.leaseRevoked, outcome: .success, actor: actor, subject: lease.subject, reason: why,
                task: lease.taskID,
                details: ["lease": .string(lease.id), "kind": .string(lease.kind)]))
        return revoked
    }

    /// Revokes every live lease of `subject` (optionally only some kinds); the identity stays active.
    func revokeAll(subject: String, kinds: [String], reason: String?, actor: String) async throws -> [String] {
        guard (try? SPIFFEID(parsing: subject)) != nil else {
            throw ProblemDetails.badRequest("$.subject must be the identity's SPIFFE ID")
        }
        let unknown = kinds.filter { !Self.kinds.contains($0) }
        guard unknown.isEmpty else {
            throw ProblemDetails.badRequest(
                "unknown lease kind \(unknown[0].prefix(40)); known: \(Self.kinds.sorted().joined(separator: ", "))")
        }
        let why = reason.map { String($0.prefix(512)) } ?? "revoked by an operator"
        let ids = try await repository.revokeLeases(subject: subject, kinds: kinds, reason: why, now: clock.now())
        changes.bump()
        try await audit.append(
            AuditEvent(
                type: AuditEventType.leaseRevoked, outcome: .success, actor: actor, subject: subject, reason: why,
                details: [
                    "kinds": .strings(kinds.isEmpty ? ["all"] : kinds), "revoked_leases": .int(Int64(ids.count)),
                    "lease_ids": .strings(Array(ids.prefix(100))),
                ]))
        return ids
    }

    /// Extends a dynamic secret's lease to `now + ttl`, never past its task's deadline.
    func renew(_ id: String, ttl: Int, actor: String) async throws -> Lease {
        let lease = try await find(id)
        let now = clock.now()
        guard lease.revokedAt == nil, lease.expiresAt > now else {
            throw ProblemDetails(.conflict, "Invalid transition", detail: "lease \(lease.id) is revoked or expired")
        }
        switch lease.kind {
        case DynamicSecretsService.leaseKind: break
        case "access_token":
            throw ProblemDetails(
                .conflict, "Not renewable",
                detail: "access tokens are signed with a fixed expiry and cannot be extended: request a new token")
        default:
            throw ProblemDetails(.conflict, "Not renewable", detail: "\(lease.kind) leases are renewed by re-issuance")
        }
        guard ttl >= 1 else { throw ProblemDetails.badRequest("$.ttl must be a positive number of seconds") }
        let until = now.addingTimeInterval(TimeInterval(ttl))
        if let taskID = lease.taskID {
            guard let task = try await repository.get(id: taskID), task.effectiveState(at: now) == .open else {
                throw ProblemDetails(.conflict, "Invalid transition", detail: "task \(taskID) is not open")
            }
            guard until <= task.expiresAt else {
                throw ProblemDetails.badRequest(
                    "renewal beyond the task: task \(taskID) ends at \(ISO8601.format(task.expiresAt)); renew the task first")
            }
        }
        guard until > lease.expiresAt else {
            throw ProblemDetails.badRequest(
                "a renewal only extends: the lease already lasts until \(ISO8601.format(lease.expiresAt))")
        }
        guard let secrets else {
            throw ProblemDetails(.serviceUnavailable, "Unavailable", detail: "dynamic secrets are not configured")
        }
        try await secrets.extend(lease, until: until)
        let renewed: Lease
        do {
            renewed = try await repository.renewLease(id: lease.id, until: until, now: now)
        } catch let error as StoreError where error.code == .conflict {
            throw ProblemDetails(.conflict, "Invalid transition", detail: error.reason)
        }
        try await audit.append(
            AuditEvent(
                type: AuditEventType.leaseRenewed, outcome: .success, actor: actor, subject: lease.subject, task: lease.taskID,
                details: [
                    "lease": .string(lease.id), "kind": .string(lease.kind),
                    "previous_expiry": .int(Int64(lease.expiresAt.timeIntervalSince1970)),
                    "expires_at": .int(Int64(until.timeIntervalSince1970)),
                ]))
        return renewed
    }
}
