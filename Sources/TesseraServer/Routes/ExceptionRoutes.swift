import Foundation
import Hummingbird
import TesseraCore

/// `/v1/exceptions`: time-bound grants of what the policies would refuse.
struct ExceptionRoutes {
    let service: ExceptionService
    let maximumBodySize: Int

    func register(in group: RouterGroup<AdminRequestContext>) {
        group.post("exceptions") { request, context in
            let body = try JSONObjectReader(try await request.adminBody(limit: maximumBodySize))
            let exception = try await service.create(body, actor: context.principal)
            return try Response.json(ExceptionResource(exception, now: service.clock.now()), status: .created)
        }
        group.get("exceptions") { request, context in
            let query = request.uri.queryParameters
            let state = query["state"].map(String.init) ?? "active"
            guard ["active", "all"].contains(state) else { throw ProblemDetails.badRequest("state must be active or all") }
            let limit = query["limit"].flatMap { Int($0) } ?? 100
            guard (1...1000).contains(limit) else { throw ProblemDetails.badRequest("limit must be 1...1000") }
            let identity = query["identity"].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
            let now = service.clock.now()
            let exceptions = try await service.list(
                identity: identity, activeAt: state == "active" ? now : nil, limit: limit)
            return try Response.json(["exceptions": exceptions.map { ExceptionResource($0, now: now) }])
        }
        group.get("exceptions/:id") { _, context in
            let exception = try await service.find(try context.parameters.require("id"))
            return try Response.json(ExceptionResource(exception, now: service.clock.now()))
        }
        group.post("exceptions/:id/revoke") { request, context in
            let admin = context.principal
            let reason = try await request.optionalReason(limit: maximumBodySize)
            let exception = try await service.revoke(try context.parameters.require("id"), reason: reason, actor: admin)
            return try Response.json(ExceptionResource(exception, now: service.clock.now()))
        }
    }
}

/// The admin API's JSON view of an exception.
struct ExceptionResource: Encodable {
    let id: String
    let identity: String
    let owner: String
    let justification: String
    let actions: [String]
    let scopes: [String]
    let audiences: [String]
    let state: String
    let createdBy: String
    let createdAt: Date
    let expiresAt: Date
    let revokedAt: Date?
    let revokeReason: String?
    let uses: Int
    let lastUsedAt: Date?

    enum CodingKeys: String, CodingKey {
        case id, identity, owner, justification, actions, scopes, audiences, state, uses
        case createdBy = "created_by"
        case createdAt = "created_at"
        case expiresAt = "expires_at"
        case revokedAt = "revoked_at"
        case revokeReason = "revoke_reason"
        case lastUsedAt = "last_used_at"
    }

    init(_ exception: PolicyException, now: Date) {
        id = exception.id
        identity = exception.identity
        owner = exception.owner
        justification = exception.justification
        actions = exception.actions
        scopes = exception.scopes
        audiences = exception.audiences
        state = exception.state(at: now).rawValue
        createdBy = exception.createdBy
        createdAt = exception.createdAt
        expiresAt = exception.expiresAt
        revokedAt = exception.revokedAt
        revokeReason = exception.revokeReason
        uses = exception.uses
        lastUsedAt = exception.lastUsedAt
    }
}
