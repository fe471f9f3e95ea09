import Foundation
import Hummingbird
import TesseraCore
import TesseraCrypto

/// Admin API of the trust domain's JWT signing keys: `GET /v1/keys` (public metadata only), `POST /v1/keys/rotate`.
///
/// `POST /v1/keys/rotate` takes an optional body `{"purpose": "access-token"|"jwt-svid", "immediate": bool,
/// "algorithm": "ES256"|"RS256"}`. By default the next key is published now and signs once it has been published
/// for the configured pre-publication time, so relying parties that cache key sets never meet an unknown `kid`;
/// `immediate: true` makes it sign at once (a suspected compromise). The previous key stays published to verify
/// what it signed; keys before it are retired.
struct SigningKeyRoutes {
    let service: SigningKeyService
    let maximumBodySize: Int

    func register(in group: RouterGroup<AdminRequestContext>) {
        let service = self.service
        let limit = maximumBodySize
        group.get("keys") { request, context in
            var purpose: SigningKeyPurpose?
            if let label = request.uri.queryParameters.get("purpose") {
                guard let parsed = SigningKeyPurpose(label: label) else {
                    throw ProblemDetails.badRequest("purpose must be access-token or jwt-svid")
                }
                purpose = parsed
            }
            struct Page: Encodable { let keys: [SigningKeyService.Item] }
            return try Response.json(Page(keys: try await service.list(purpose: purpose)))
        }
        group.post("keys/rotate") { request, context in
            let actor = context.principal
            let buffer = try await request.adminBody(limit: limit)
            var purpose = SigningKeyPurpose.accessToken
            var immediate = false
            var algorithm: JWSAlgorithm?
            if buffer.readableBytes > 0 {
                let body = try JSONObjectReader(buffer)
                try body.rejectUnknown(allowed: ["purpose", "immediate", "algorithm"])
                if let label = try body.string("purpose") {
                    guard let parsed = SigningKeyPurpose(label: label) else {
                        throw ProblemDetails.badRequest("$.purpose must be access-token or jwt-svid")
                    }
                    purpose = parsed
                }
                if let value = body.object["immediate"] {
                    guard case .bool(let flag) = value else { throw ProblemDetails.badRequest("$.immediate must be a boolean") }
                    immediate = flag
                }
                if let name = try body.string("algorithm") {
                    guard let parsed = JWSAlgorithm(rawValue: name), SigningKey.supportedAlgorithms.contains(parsed) else {
                        throw ProblemDetails.badRequest("$.algorithm must be ES256 or RS256")
                    }
                    algorithm = parsed
                }
            }
            let rotation = try await service.rotate(
                purpose: purpose, algorithm: algorithm, immediate: immediate, actor: actor.auditActor)
            struct Reply: Encodable {
                let kid: String
                let purpose: String
                let algorithm: String
                let previousKid: String?
                let immediate: Bool
                let activeAt: Date
                let published: [String]
                enum CodingKeys: String, CodingKey {
                    case kid, purpose, algorithm
                    case previousKid = "previous_kid"
                    case immediate
                    case activeAt = "active_at"
                    case published
                }
            }
            let published = try await service.list(purpose: purpose).filter { $0.status != "retired" }.map(\.kid)
            return try Response.json(
                Reply(
                    kid: rotation.kid, purpose: purpose.label, algorithm: rotation.algorithm.rawValue,
                    previousKid: rotation.previousKid, immediate: rotation.immediate, activeAt: rotation.activeAt,
                    published: published))
        }
    }
}
