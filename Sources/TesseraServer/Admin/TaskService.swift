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
    /// The trust domain whose workloads may be members of a task; `nil` accepts any (protocol-only tests).
    var trustDomain: String? = nil

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
        for (index, member) in identities.enumerated() {
            guard let id = try? SPIFFEID(parsing: member) else {
                throw ProblemDetails.badRequest("$.identities[\(index)] must be a SPIFFE ID (spiffe://TRUST-DOMAIN/path)")
            }
            if let trustDomain, id.trustDomain != trustDomain {
                throw ProblemDetails.badRequest(
                    "$.identities[\(index)] is in trust domain \(id.trustDomain.prefix(64)); task members must be in \(trustDomain)"
                )
            }
        }
        // Who started the task is the caller; naming someone else is an admin's decision alone (docs/threat-model.md).
        let initiator: String
        if let named = try body.string("initiator") {
            guard actor.role == "admin" else {
                throw ProblemDetails(
                    .forbidden, "Forbidden", detail: "only an admin may name a task's initiator; it is otherwise the caller")
            }
            guard (1...200).contains(named.count),
                !named.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
            else {
                throw ProblemDetails.badRequest("$.initiator must be 1...200 characters without control characters")
            }
            initiator = "human:\(named)"
        } else {
            initiator = actor.auditActor
        }
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
                type: AuditEventType.taskCreated, outcome: .success, actor: actor.auditActor, task: task.id,
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
                type: AuditEventType.taskFinished(state.rawValue), outcome: .success, actor: actor,
                reason: reason.map { String($0.prefix(512)) }, task: task.id,
                details: ["revoked_leases": .int(Int64(revoked.count)), "lease_ids": .strings(Array(revoked.prefix(100)))]))
        return (finished, revoked)
    }

    /// Moves an open task's deadline to `now + ttl`: an explicit, audited renewal that never exceeds the
    /// hard maximum counted from the task's start, and never shortens it.
    func renew(_ task: WorkTask, ttl: Int, actor: String) async throws -> WorkTask {
        let now = clock.now()
        guard task.effectiveState(at: now) == .open else {
            throw ProblemDetails(
                .conflict, "Invalid transition", detail: "task \(task.id) is \(task.effectiveState(at: now).rawValue)")
        }
        guard ttl >= 1 else { throw ProblemDetails.badRequest("$.ttl must be a positive number of seconds") }
        let until = now.addingTimeInterval(TimeInterval(ttl))
        let ceiling = task.createdAt.addingTimeInterval(TimeInterval(maximumTTL))
        guard until <= ceiling else {
            throw ProblemDetails.badRequest(
                "a task lives at most \(maximumTTL) seconds from its start: it can be renewed until \(ISO8601.format(ceiling))")
        }
        guard until > task.expiresAt else {
            throw ProblemDetails.badRequest(
                "a renewal only extends: the task already runs until \(ISO8601.format(task.expiresAt))")
        }
        let renewed: WorkTask
        do {
            renewed = try await repository.renewTask(id: task.id, until: until, now: now)
        } catch let error as StoreError where error.code == .conflict {
            throw ProblemDetails(.conflict, "Invalid transition", detail: error.reason)
        }
        try await audit.append(
            AuditEvent(
                type: AuditEventType.taskRenewed, outcome: .success, actor: actor, task: task.id,
                details: [
                    "previous_expiry": .int(Int64(task.expiresAt.timeIntervalSince1970)),
                    "expires_at": .int(Int64(until.timeIntervalSince1970)),
                ]))
        return renewed
    }

    /// Expires every open task past its deadline; called about once a second.
    func expireDue() async {
        guard let due = try? await repository.dueForExpiry(now: clock.now()) else { return }
        for task in due {
            _ = try? await finish(task, as: .expired, reason: "ttl reached", actor: "system")
        }
    }
}
