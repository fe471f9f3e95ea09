import Foundation
import Hummingbird
import TesseraCore

/// `/v1/identities/{id}/release`: a person approves the next issuance of an identity held by a `require-approval`
/// response (admin role; the reason is required and audited). `/v1/responses`: the rules in force.
struct ResponseRoutes {
    let engine: ResponseEngine
    let maximumBodySize: Int

    func register(in group: RouterGroup<AdminRequestContext>) {
        group.post("identities/:id/release") { request, context in
            let body = try JSONObjectReader(try await request.adminBody(limit: maximumBodySize))
            try body.rejectUnknown(allowed: ["reason"])
            let reason = try body.requiredString("reason").trimmingCharacters(in: .whitespaces)
            guard !reason.isEmpty else { throw ProblemDetails.badRequest("$.reason must not be empty") }
            let released = try await engine.release(
                identityID: try context.parameters.require("id"), reason: reason, actor: context.principal)
            struct Reply: Encodable { let released: [String] }
            return try Response.json(Reply(released: released.map(\.rule)))
        }
        group.get("responses") { _, _ in
            struct Rule: Encodable {
                let id: String
                let description: String
                let actions: [String]
            }
            struct Reply: Encodable {
                let source: String
                let dryRun: Bool
                let rules: [Rule]
                enum CodingKeys: String, CodingKey {
                    case source, rules
                    case dryRun = "dry_run"
                }
            }
            let set = engine.rules
            return try Response.json(
                Reply(
                    source: set.source, dryRun: set.dryRun,
                    rules: set.rules.map { Rule(id: $0.id, description: $0.description, actions: $0.actions.map(\.rawValue)) }))
        }
    }
}
