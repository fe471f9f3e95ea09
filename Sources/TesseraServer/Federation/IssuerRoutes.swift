import Foundation
import Hummingbird
import TesseraCore

/// `/v1/issuers`: trusted external issuers for token exchange and human sign-in.
struct IssuerRoutes {
    let service: TrustedIssuerService
    let maximumBodySize: Int

    func register(in group: RouterGroup<AdminRequestContext>) {
        group.post("issuers") { request, context in
            let body = try JSONObjectReader(try await request.adminBody(limit: maximumBodySize))
            let issuer = try await service.create(body, actor: context.principal)
            return try Response.json(issuer, status: .created)
        }
        group.get("issuers") { _, context in
            return try Response.json(IssuerList(issuers: try await service.list()))
        }
        group.get("issuers/:id") { _, context in
            return try Response.json(try await service.find(try context.parameters.require("id")))
        }
        group.delete("issuers/:id") { _, context in
            try await service.remove(try context.parameters.require("id"), actor: context.principal)
            return Response(status: .noContent)
        }
    }

    private struct IssuerList: Encodable {
        let issuers: [TrustedIssuer]
    }
}
