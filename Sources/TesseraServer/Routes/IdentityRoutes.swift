import Foundation
import Hummingbird
import TesseraCore

/// `/v1/identities`: the inventory.
struct IdentityRoutes {
    let service: IdentityService
    let maximumBodySize: Int

    func register(in group: RouterGroup<AdminRequestContext>) {
        group.post("identities") { request, context in
            let body = try JSONObjectReader(try await request.adminBody(limit: maximumBodySize))
            let identity = try await service.create(body, actor: context.principal)
            return try Response.json(IdentityResource(identity, now: service.clock.now()), status: .created)
        }
        group.get("identities") { request, context in
            return try await list(request)
        }
        group.get("identities/:id") { _, context in
            let identity = try await service.find(try context.parameters.require("id"))
            return try Response.json(IdentityResource(identity, now: service.clock.now()))
        }
        group.patch("identities/:id") { request, context in
            let body = try JSONObjectReader(try await request.adminBody(limit: maximumBodySize))
            let identity = try await service.update(
                id: try context.parameters.require("id"), body, actor: context.principal)
            return try Response.json(IdentityResource(identity, now: service.clock.now()))
        }
        for (action, status) in [("suspend", IdentityStatus.suspended), ("retire", .retired), ("activate", .active)] {
            group.post("identities/:id/\(action)") { request, context in
                let reason = try await request.optionalReason(limit: maximumBodySize)
                let identity = try await service.transition(
                    id: try context.parameters.require("id"), to: status, reason: reason, actor: context.principal)
                return try Response.json(IdentityResource(identity, now: service.clock.now()))
            }
        }
    }

    private func list(_ request: Request) async throws -> Response {
        let query = request.uri.queryParameters
        func value(_ name: String) -> String? { query[name[...]].map(String.init).flatMap { $0.isEmpty ? nil : $0 } }
        let allowed: Set<String> = [
            "kind", "owner", "status", "environment", "trust_boundary", "spiffe_id", "spiffe_id_prefix", "after", "limit",
        ]
        for (name, _) in query where !allowed.contains(String(name)) {
            throw ProblemDetails.badRequest("unknown query parameter \(name.prefix(40))")
        }
        var filter = IdentityFilter()
        if let kind = value("kind") {
            guard let parsed = IdentityKind(rawValue: kind) else { throw ProblemDetails.badRequest("unknown kind") }
            filter.kind = parsed
        }
        if let status = value("status") {
            guard let parsed = IdentityStatus(rawValue: status) else { throw ProblemDetails.badRequest("unknown status") }
            filter.status = parsed
        }
        filter.owner = value("owner")
        filter.environment = value("environment")
        filter.trustBoundary = value("trust_boundary")
        filter.spiffeIDPrefix = value("spiffe_id_prefix")
        filter.after = value("after")
        if let limit = value("limit") {
            guard let parsed = Int(limit), (1...1000).contains(parsed) else {
                throw ProblemDetails.badRequest("limit must be 1...1000")
            }
            filter.limit = parsed
        }
        let now = service.clock.now()
        let identities: [Identity]
        if let exact = value("spiffe_id") {
            identities = try await service.find(spiffeID: exact).map { [$0] } ?? []
        } else {
            identities = try await service.list(filter)
        }
        struct Page: Encodable {
            let identities: [IdentityResource]
            let nextCursor: String?
            enum CodingKeys: String, CodingKey {
                case identities
                case nextCursor = "next_cursor"
            }
        }
        let next = identities.count == filter.limit ? identities.last?.id : nil
        return try Response.json(Page(identities: identities.map { IdentityResource($0, now: now) }, nextCursor: next))
    }

}
