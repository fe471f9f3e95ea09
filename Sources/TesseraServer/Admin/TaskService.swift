import Foundation
import TesseraAudit
import TesseraCore
import TesseraStore

/// Tasks for the admin API: create, end, revoke, expire. Ending a task revokes every lease under it in the
/// same transaction, so introspection answers `active: false` for its tokens at once.
struct TaskService: Sendable {
    let repository: any TaskRepository
    let audit: AuditLog
    let clock: any TimeSource
    /// Hard maximum task lifetime in seconds.
    let maximumTTL: Int

    static let createFields: Set<String> = ["intent", "purpose", "identities", "scopes", "ttl", "initiator"]

    func create(_ body: JSONObjectReader, actor: AdminPrincipal) async throws -> WorkTask {
        try body.rejectUnknown(allowed: Self.createFields)
        let now = clock.now()
        guard case .some(.some(let ttl)) = try body.nullableInt("ttl") else {
            throw ProblemDetails.badRequest("$.ttl (seconds) is required: every task ends")
        }
        guard let identities = try body.stringArray("identities") else {
            throw ProblemDetails.badRequest("$.identities is required: the SPIFFE IDs allowed to act in the task")
        }
        let initiator = try body.string("initiator").map { "human:\($0.prefix(200))" } ?? actor.auditActor
        let task = WorkTask(
            id: WorkTask.newID(), intent: try body.requiredString("intent"), purpose: try body.string("purpose"),
            initiator: initiator, identities: identities, scopes: try body.stringArray("scopes") ?? [], createdAt: now,
            expiresAt: now.addingTimeInterval(TimeInterval(ttl)))
        do {
            try task.validate(maximumTTL: maximumTTL)
        } catch {
            throw ProblemDetails.badRequest(error.reason)
        }
        try await repository.create(task)
        try await audit.append(
            AuditEvent(
                type: "task.created", outcome: .success, actor: actor.auditActor, task: task.id,
                details: [
                    "intent": .string(task.intent), "identities": .strings(task.identities), "scopes": .strings(task.scopes),
                    "expires_at": .int(Int64(task.expiresAt.timeIntervalSince1970)), "initiator": .string(initiator),
                ]))
        return task
    }

    func find(_ id: String) async throws -> WorkTask {
        guard id.utf8.count <= 128, let task = try await repository.get(id: id) else {
            throw ProblemDetails.notFound("no task with id \(id.prefix(64))")
        }
        return task
    }

    /// Ends (`ended`), revokes (`revoked`) or expires (`expired`) a task and revokes its leases.
    @discardableResult
    func finish(_ task: WorkTask, as state: WorkTask.State, reason: String?, actor: String) async throws -> (WorkTask, [String]) {
        let now = clock.now()
        let finished: WorkTask
        do {
            finished = try task.ending(state, reason: reason, at: now)
        } catch {
            throw ProblemDetails(.conflict, "Invalid transition", detail: error.reason)
        }
        let revoked: [String]
        do {
            revoked = try await repository.end(finished, now: now)
        } catch let error as StoreError where error.code == .conflict {
            throw ProblemDetails(.conflict, "Invalid transition", detail: error.reason)
        }
        try await audit.append(
            AuditEvent(
                type: "task.\(state.rawValue)", outcome: .success, actor: actor,
                reason: reason.map { String($0.prefix(512)) }, task: task.id,
                details: ["revoked_leases": .int(Int64(revoked.count)), "lease_ids": .strings(Array(revoked.prefix(100)))]))
        return (finished, revoked)
    }

    /// Expires every open task past its deadline; called about once a second.
    func expireDue() async {
        guard let due = try? await repository.dueForExpiry(now: clock.now()) else { return }
        for task in due {
            _ = try? await finish(task, as: .expired, reason: "ttl reached", actor: "system")
        }
    }
}
