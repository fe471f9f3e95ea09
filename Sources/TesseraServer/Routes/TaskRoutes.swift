import Foundation
import Hummingbird
import TesseraCore

/// `/v1/tasks`: just-in-time work units whose end revokes their credentials.
struct TaskRoutes {
    let service: TaskService
    let maximumBodySize: Int

    func register(in group: RouterGroup<AdminRequestContext>) {
        group.post("tasks") { request, context in
            let body = try JSONObjectReader(try await request.adminBody(limit: maximumBodySize))
            let task = try await service.create(body, actor: context.principal)
            return try Response.json(TaskResource(task, now: service.clock.now()), status: .created)
        }
        group.get("tasks") { request, context in
            let query = request.uri.queryParameters
            var state: WorkTask.State?
            if let raw = query["state"].map(String.init), !raw.isEmpty {
                guard let parsed = WorkTask.State(rawValue: raw) else { throw ProblemDetails.badRequest("unknown state") }
                state = parsed
            }
            let limit = query["limit"].flatMap { Int($0) } ?? 100
            guard (1...1000).contains(limit) else { throw ProblemDetails.badRequest("limit must be 1...1000") }
            let now = service.clock.now()
            let tasks = try await service.list(state: state, limit: limit)
            return try Response.json(["tasks": tasks.map { TaskResource($0, now: now) }])
        }
        group.get("tasks/:id") { _, context in
            let task = try await service.find(try context.parameters.require("id"))
            return try Response.json(TaskResource(task, now: service.clock.now()))
        }
        group.get("tasks/:id/leases") { _, context in
            let task = try await service.find(try context.parameters.require("id"))
            let leases = try await service.leases(of: task)
            return try Response.json(["leases": leases.map(LeaseResource.init)])
        }
        group.post("tasks/:id/renew") { request, context in
            let admin = context.principal
            let body = try JSONObjectReader(try await request.adminBody(limit: maximumBodySize))
            try body.rejectUnknown(allowed: ["ttl"])
            guard case .some(.some(let ttl)) = try body.nullableInt("ttl") else {
                throw ProblemDetails.badRequest("$.ttl (seconds from now) is required")
            }
            let task = try await service.find(try context.parameters.require("id"))
            let renewed = try await service.renew(task, ttl: ttl, actor: admin.auditActor)
            return try Response.json(TaskResource(renewed, now: service.clock.now()))
        }
        for (action, state) in [("end", WorkTask.State.ended), ("revoke", .revoked)] {
            group.post("tasks/:id/\(action)") { request, context in
                let admin = context.principal
                let reason = try await request.optionalReason(limit: maximumBodySize)
                let task = try await service.find(try context.parameters.require("id"))
                let (finished, revoked) = try await service.finish(task, as: state, reason: reason, actor: admin.auditActor)
                return try Response.json(TaskResource(finished, now: service.clock.now(), revokedLeases: revoked.count))
            }
        }
    }
}

/// The admin API's JSON view of a task.
struct TaskResource: Encodable {
    let id: String
    let intent: String
    let purpose: String?
    let initiator: String
    let identities: [String]
    let scopes: [String]
    let state: String
    let createdAt: Date
    let expiresAt: Date
    let endedAt: Date?
    let endReason: String?
    let revokedLeases: Int?

    enum CodingKeys: String, CodingKey {
        case id, intent, purpose, initiator, identities, scopes, state
        case createdAt = "created_at"
        case expiresAt = "expires_at"
        case endedAt = "ended_at"
        case endReason = "end_reason"
        case revokedLeases = "revoked_leases"
    }

    init(_ task: WorkTask, now: Date, revokedLeases: Int? = nil) {
        id = task.id
        intent = task.intent
        purpose = task.purpose
        initiator = task.initiator
        identities = task.identities
        scopes = task.scopes
        state = task.effectiveState(at: now).rawValue
        createdAt = task.createdAt
        expiresAt = task.expiresAt
        endedAt = task.endedAt
        endReason = task.endReason
        self.revokedLeases = revokedLeases
    }
}

/// The admin API's JSON view of a lease.
struct LeaseResource: Encodable {
    let id: String
    let kind: String
    let subject: String
    let taskID: String?
    let issuedAt: Date
    let expiresAt: Date
    let revokedAt: Date?
    let revokeReason: String?

    enum CodingKeys: String, CodingKey {
        case id, kind, subject
        case taskID = "task_id"
        case issuedAt = "issued_at"
        case expiresAt = "expires_at"
        case revokedAt = "revoked_at"
        case revokeReason = "revoke_reason"
    }

    init(_ lease: Lease) {
        id = lease.id
        kind = lease.kind
        subject = lease.subject
        taskID = lease.taskID
        issuedAt = lease.issuedAt
        expiresAt = lease.expiresAt
        revokedAt = lease.revokedAt
        revokeReason = lease.revokeReason
    }
}
