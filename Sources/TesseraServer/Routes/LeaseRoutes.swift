import Foundation
import Hummingbird
import TesseraCore
import TesseraStore

/// `/v1/leases`: every credential Tessera handed out; revoke one, revoke an identity's, renew a secret.
struct LeaseRoutes {
    let service: LeaseService
    let maximumBodySize: Int

    func register(in group: RouterGroup<AdminRequestContext>) {
        group.get("leases") { request, context in
            let query = request.uri.queryParameters
            func value(_ name: String) -> String? { query[Substring(name)].map(String.init).flatMap { $0.isEmpty ? nil : $0 } }
            let limit = query["limit"].flatMap { Int($0) } ?? 100
            guard (1...1000).contains(limit) else { throw ProblemDetails.badRequest("limit must be 1...1000") }
            let state = value("state") ?? "all"
            guard ["all", "live"].contains(state) else { throw ProblemDetails.badRequest("state must be live or all") }
            if let kind = value("kind"), !LeaseService.kinds.contains(kind) {
                throw ProblemDetails.badRequest("unknown lease kind \(kind.prefix(40))")
            }
            let filter = LeaseFilter(
                subject: value("subject"), taskID: value("task"), kind: value("kind"), liveOnly: state == "live", limit: limit)
            let leases = try await service.list(filter)
            return try Response.json(["leases": leases.map(LeaseResource.init)])
        }
        group.get("leases/:id") { _, context in
            return try Response.json(LeaseResource(try await service.find(try context.parameters.require("id"))))
        }
        group.post("leases/:id/revoke") { request, context in
            let admin = context.principal
            let reason = try await request.optionalReason(limit: maximumBodySize)
            let lease = try await service.revoke(try context.parameters.require("id"), reason: reason, actor: admin.auditActor)
            return try Response.json(LeaseResource(lease))
        }
        group.post("leases/:id/renew") { request, context in
            let admin = context.principal
            let body = try JSONObjectReader(try await request.adminBody(limit: maximumBodySize))
            try body.rejectUnknown(allowed: ["ttl"])
            guard case .some(.some(let ttl)) = try body.nullableInt("ttl") else {
                throw ProblemDetails.badRequest("$.ttl (seconds from now) is required")
            }
            let lease = try await service.renew(try context.parameters.require("id"), ttl: ttl, actor: admin.auditActor)
            return try Response.json(LeaseResource(lease))
        }
        // Revoke every live credential of one identity without suspending it.
        group.post("leases/revoke") { request, context in
            let admin = context.principal
            let body = try JSONObjectReader(try await request.adminBody(limit: maximumBodySize))
            try body.rejectUnknown(allowed: ["subject", "kinds", "reason"])
            let ids = try await service.revokeAll(
                subject: try body.requiredString("subject"), kinds: try body.stringArray("kinds") ?? [],
                reason: try body.string("reason"), actor: admin.auditActor)
            return try Response.json(RevokedLeases(revokedLeases: ids.count, leaseIDs: ids))
        }
    }

    struct RevokedLeases: Encodable {
        let revokedLeases: Int
        let leaseIDs: [String]
        enum CodingKeys: String, CodingKey {
            case revokedLeases = "revoked_leases"
            case leaseIDs = "lease_ids"
        }
    }
}
