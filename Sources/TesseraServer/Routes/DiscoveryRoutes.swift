import Foundation
import Hummingbird
import TesseraCore
import TesseraStore

/// `/v1/discovery/runs` (submit and read runs) and `/v1/discovered` (identities found outside Tessera: list, claim,
/// migrate, plan). Changes need the admin role; viewers read.
struct DiscoveryRoutes {
    let service: DiscoveryService
    let maximumBodySize: Int

    func register(in group: RouterGroup<AdminRequestContext>) {
        group.post("discovery/runs") { request, context in
            let buffer = try await request.adminBody(limit: DiscoverySnapshotLimits.maximumBodySize)
            let snapshot: DiscoverySnapshot
            do {
                let decoder = JSONDecoder()
                decoder.dateDecodingStrategy = .iso8601
                snapshot = try decoder.decode(DiscoverySnapshot.self, from: Data(buffer.readableBytesView))
            } catch {
                throw ProblemDetails.badRequest("the body is not a discovery snapshot: \(Self.describe(error))")
            }
            let (run, changes) = try await service.apply(snapshot, actor: context.principal.auditActor)
            struct Change: Encodable {
                let id: String
                let externalID: String
                let change: String
                enum CodingKeys: String, CodingKey {
                    case id, change
                    case externalID = "external_id"
                }
            }
            struct Reply: Encodable {
                let run: DiscoveryRun
                let counts: [String: Int]
                let changes: [Change]
            }
            let listed = changes.changed.prefix(1000).map {
                Change(id: $0.identity.id, externalID: $0.identity.externalID, change: $0.change.rawValue)
            }
            return try Response.json(Reply(run: run, counts: run.counts, changes: Array(listed)), status: .created)
        }
        group.get("discovery/runs") { _, _ in
            struct Reply: Encodable { let runs: [DiscoveryRun] }
            return try Response.json(Reply(runs: try await service.runs()))
        }
        group.get("discovered") { request, _ in try await list(request) }
        group.get("discovered/:id") { _, context in
            try Response.json(DiscoveredIdentityResource(try await service.find(try context.parameters.require("id"))))
        }
        group.post("discovered/:id/claim") { request, context in
            let body = try JSONObjectReader(try await request.adminBody(limit: maximumBodySize))
            let claimed = try await service.claim(try context.parameters.require("id"), body, actor: context.principal)
            return try Response.json(DiscoveredIdentityResource(claimed))
        }
        group.post("discovered/:id/migrate") { request, context in
            let body = try JSONObjectReader(try await request.adminBody(limit: maximumBodySize))
            let migrated = try await service.migrate(try context.parameters.require("id"), body, actor: context.principal)
            return try Response.json(DiscoveredIdentityResource(migrated))
        }
        group.get("discovered/:id/plan") { _, context in
            try Response.json(try await service.plan(try context.parameters.require("id")))
        }
    }

    private func list(_ request: Request) async throws -> Response {
        let query = request.uri.queryParameters
        func value(_ name: String) -> String? { query[name[...]].map(String.init).flatMap { $0.isEmpty ? nil : $0 } }
        let allowed: Set<String> = ["source", "scope", "status", "owner", "after", "limit"]
        for (name, _) in query where !allowed.contains(String(name)) {
            throw ProblemDetails.badRequest("unknown query parameter \(name.prefix(40))")
        }
        var filter = DiscoveryFilter()
        if let source = value("source") { filter.source = DiscoverySource(rawValue: source) }
        if let status = value("status") {
            guard let parsed = DiscoveryStatus(rawValue: status) else {
                throw ProblemDetails.badRequest("status must be one of: discovered, claimed, gone")
            }
            filter.status = parsed
        }
        filter.scope = value("scope")
        filter.owner = value("owner")
        filter.after = value("after")
        if let limit = value("limit") {
            guard let parsed = Int(limit), (1...1000).contains(parsed) else {
                throw ProblemDetails.badRequest("limit must be 1...1000")
            }
            filter.limit = parsed
        }
        let page = try await service.list(filter)
        struct Page: Encodable {
            let identities: [DiscoveredIdentityResource]
            let nextCursor: String?
            enum CodingKeys: String, CodingKey {
                case identities
                case nextCursor = "next_cursor"
            }
        }
        return try Response.json(
            Page(
                identities: page.map(DiscoveredIdentityResource.init),
                nextCursor: page.count == filter.limit ? page.last?.id : nil))
    }

    static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, let context):
            return "missing \(path(context.codingPath + [key]))"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            return "wrong type at \(path(context.codingPath))"
        case DecodingError.dataCorrupted(let context):
            return context.codingPath.isEmpty ? "not JSON" : "bad value at \(path(context.codingPath))"
        default:
            return "unreadable"
        }
    }

    private static func path(_ keys: [any CodingKey]) -> String {
        "$" + keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
    }
}
