import Foundation
import Hummingbird
import TesseraCore
import TesseraStore

/// Admin API of workload identity: `/v1/nodes`, `/v1/entries`, `/v1/federation`, `/v1/spiffe/ca/rotate`.
struct WorkloadAdminRoutes {
    let service: WorkloadAdminService
    let maximumBodySize: Int

    func register(in group: RouterGroup<AdminRequestContext>) {
        group.post("nodes/tokens") { request, context in
            let body = try JSONObjectReader(try await request.body.collect(upTo: maximumBodySize))
            try body.rejectUnknown(allowed: ["node_id", "ttl"])
            let node = try body.requiredString("node_id")
            let (token, expiresAt) = try await service.createJoinToken(
                nodeID: node, ttl: try body.nullableInt("ttl") ?? nil, actor: context.principal)
            struct Reply: Encodable {
                let joinToken: String
                let nodeId: String
                let expiresAt: Date
                enum CodingKeys: String, CodingKey {
                    case joinToken = "join_token"
                    case nodeId = "node_id"
                    case expiresAt = "expires_at"
                }
            }
            return try Response.json(Reply(joinToken: token, nodeId: node, expiresAt: expiresAt), status: .created)
        }
        group.get("nodes") { _, context in
            struct Page: Encodable { let nodes: [NodeRecord] }
            return try Response.json(Page(nodes: try await service.nodes()))
        }
        group.post("nodes/:id/revoke") { _, context in
            try await service.revokeNode(try context.parameters.require("id"), actor: context.principal)
            return Response(status: .noContent)
        }
        group.post("entries") { request, context in
            let body = try JSONObjectReader(try await request.body.collect(upTo: maximumBodySize))
            let entry = try await service.createEntry(body, actor: context.principal)
            guard let warning = WorkloadAdminService.selectorWarning(entry.selectors) else {
                return try Response.json(entry, status: .created)
            }
            // The entry as usual, plus `warnings` when its selectors are weak alone.
            var object = (try JSONSerialization.jsonObject(with: JSONEncoder.api.encode(entry)) as? [String: Any]) ?? [:]
            object["warnings"] = [warning]
            return Response.json(try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), status: .created)
        }
        group.get("entries") { request, context in
            let node = request.uri.queryParameters["node_id"].map(String.init)
            struct Page: Encodable { let entries: [RegistrationEntry] }
            return try Response.json(Page(entries: try await service.entries(nodeID: node)))
        }
        group.delete("entries/:id") { _, context in
            try await service.deleteEntry(try context.parameters.require("id"), actor: context.principal)
            return Response(status: .noContent)
        }
        group.post("federation") { request, context in
            let body = try JSONObjectReader(try await request.body.collect(upTo: maximumBodySize))
            try body.rejectUnknown(
                allowed: ["trust_domain", "bundle_endpoint_url", "bundle_endpoint_profile", "endpoint_spiffe_id", "trust_bundle"])
            let domain = try body.requiredString("trust_domain")
            let error = try await service.federate(
                trustDomain: domain, url: try body.requiredString("bundle_endpoint_url"),
                profile: try body.string("bundle_endpoint_profile") ?? "https_web",
                endpointSPIFFEID: try body.string("endpoint_spiffe_id"), initialBundle: try body.objectText("trust_bundle"),
                actor: context.principal)
            struct Reply: Encodable {
                let trustDomain: String
                let fetched: Bool
                let error: String?
                enum CodingKeys: String, CodingKey {
                    case trustDomain = "trust_domain"
                    case fetched, error
                }
            }
            return try Response.json(Reply(trustDomain: domain, fetched: error == nil, error: error), status: .created)
        }
        group.get("federation") { _, context in
            struct Item: Encodable {
                let trustDomain: String
                let bundleEndpointUrl: String
                let bundleEndpointProfile: String
                let endpointSpiffeId: String?
                let fetchedAt: Date?
                let lastError: String?
                enum CodingKeys: String, CodingKey {
                    case trustDomain = "trust_domain"
                    case bundleEndpointUrl = "bundle_endpoint_url"
                    case bundleEndpointProfile = "bundle_endpoint_profile"
                    case endpointSpiffeId = "endpoint_spiffe_id"
                    case fetchedAt = "fetched_at"
                    case lastError = "last_error"
                }
            }
            let items = try await service.federations().map {
                Item(
                    trustDomain: $0.trustDomain, bundleEndpointUrl: $0.endpointURL, bundleEndpointProfile: $0.profile,
                    endpointSpiffeId: $0.endpointSPIFFEID, fetchedAt: $0.fetchedAt, lastError: $0.lastError)
            }
            struct Page: Encodable { let federations: [Item] }
            return try Response.json(Page(federations: items))
        }
        group.post("spiffe/ca/rotate") { _, context in
            let authority = try await service.rotateCA(actor: context.principal)
            struct Reply: Encodable {
                let notAfter: Date
                let roots: Int
                let spiffeSequence: Int
                enum CodingKeys: String, CodingKey {
                    case notAfter = "not_after"
                    case roots
                    case spiffeSequence = "spiffe_sequence"
                }
            }
            return try Response.json(
                Reply(
                    notAfter: authority.ca.certificate.notValidAfter, roots: authority.roots.count,
                    spiffeSequence: authority.bundle.sequence))
        }
    }
}
