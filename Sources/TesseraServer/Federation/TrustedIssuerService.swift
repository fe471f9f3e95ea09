import Foundation
import TesseraAudit
import TesseraCore
import TesseraStore

/// The admin side of trusted issuers (`/v1/issuers`): validated, audited changes.
struct TrustedIssuerService: Sendable {
    static let roles: Set<String> = ["viewer", "operator", "admin"]

    let repository: any TrustedIssuerRepository
    let identities: any IdentityRepository
    let keys: IssuerKeyCache
    /// Judges issuer and JWKS URLs before they are stored (refused schemes, special-purpose IP literals).
    let fetcher: HTTPDocumentFetcher
    let audit: AuditLog
    let clock: any TimeSource
    let trustDomain: String
    /// Tessera's own issuer: it cannot trust itself as an external issuer.
    let ownIssuer: String

    func create(_ body: JSONObjectReader, actor: AdminPrincipal) async throws -> TrustedIssuer {
        try body.rejectUnknown(allowed: [
            "issuer", "kind", "jwks_uri", "jwks", "audiences", "rules", "groups_claim", "role_mappings",
        ])
        let url = try body.requiredString("issuer")
        guard !url.isEmpty, url.utf8.count <= 512, !url.contains(where: \.isWhitespace), url != ownIssuer else {
            throw ProblemDetails.badRequest("$.issuer must be an issuer identifier (at most 512 bytes, not Tessera itself)")
        }
        let kindText = try body.string("kind") ?? TrustedIssuer.Kind.workload.rawValue
        guard let kind = TrustedIssuer.Kind(rawValue: kindText) else {
            throw ProblemDetails.badRequest("$.kind must be workload or human")
        }
        let jwksURI = try body.string("jwks_uri")
        let pinned = try body.objectText("jwks")
        if let pinned {
            do {
                _ = try IssuerKeyCache.parse(Data(pinned.utf8), source: "$.jwks")
            } catch {
                throw ProblemDetails.badRequest(error.description)
            }
            guard jwksURI == nil else { throw ProblemDetails.badRequest("send either $.jwks (pinned) or $.jwks_uri, not both") }
        } else if let jwksURI {
            if let refusal = fetcher.refusal(for: jwksURI) {
                throw ProblemDetails.badRequest("$.jwks_uri cannot be fetched: \(refusal)")
            }
        } else {
            if let refusal = fetcher.refusal(for: url) {
                throw ProblemDetails.badRequest("$.issuer cannot be used for discovery: \(refusal); or pin $.jwks")
            }
        }
        let audiences = try body.stringArray("audiences") ?? []
        guard !audiences.isEmpty, audiences.count <= 16, audiences.allSatisfy({ !$0.isEmpty && $0.utf8.count <= 512 }) else {
            throw ProblemDetails.badRequest("$.audiences must list 1 to 16 audiences: the aud values accepted from this issuer")
        }
        let rules = try await parseRules(body.object["rules"], kind: kind)
        var roleMappings: [String: String] = [:]
        switch body.object["role_mappings"] {
        case nil: break
        case .object(let object)?:
            guard kind == .human else { throw ProblemDetails.badRequest("$.role_mappings apply to human issuers only") }
            for (group, value) in object {
                guard case .string(let role) = value, Self.roles.contains(role) else {
                    throw ProblemDetails.badRequest("$.role_mappings.\(group.prefix(64)) must be viewer, operator or admin")
                }
                roleMappings[group] = role
            }
        default: throw ProblemDetails.badRequest("$.role_mappings must be an object of group → role")
        }
        let issuer = TrustedIssuer(
            id: "iss_" + RandomToken.hex(bytes: 8), issuer: url, kind: kind, jwksURI: jwksURI, pinnedJWKS: pinned,
            audiences: audiences, rules: rules, groupsClaim: try body.string("groups_claim"), roleMappings: roleMappings,
            createdAt: clock.now())
        do {
            try await repository.insert(issuer)
        } catch let error as StoreError where error.code == .conflict {
            throw ProblemDetails(.conflict, "Conflict", detail: error.reason)
        }
        try await audit.append(
            AuditEvent(
                type: AuditEventType.issuerTrusted, outcome: .success, actor: actor.auditActor, subject: issuer.issuer,
                details: [
                    "issuer_id": .string(issuer.id), "kind": .string(kind.rawValue), "audiences": .strings(audiences),
                    "rules": .strings(rules.map { "\($0.name) → \($0.identity)" }),
                ]))
        return issuer
    }

    func list() async throws -> [TrustedIssuer] { try await repository.list() }

    func find(_ id: String) async throws -> TrustedIssuer {
        guard id.utf8.count <= 64, let issuer = try await repository.get(id: id) else {
            throw ProblemDetails.notFound("no trusted issuer \(id.prefix(64))")
        }
        return issuer
    }

    func remove(_ id: String, actor: AdminPrincipal) async throws {
        let issuer = try await find(id)
        guard try await repository.delete(id: id) else { throw ProblemDetails.notFound("no trusted issuer \(id.prefix(64))") }
        await keys.forget(id)
        try await audit.append(
            AuditEvent(
                type: AuditEventType.issuerRemoved, outcome: .success, actor: actor.auditActor, subject: issuer.issuer,
                details: ["issuer_id": .string(id)]))
    }

    private func parseRules(_ value: JSONValue?, kind: TrustedIssuer.Kind) async throws -> [ClaimMappingRule] {
        guard let value else { return [] }
        guard case .array(let items) = value, items.count <= 256 else {
            throw ProblemDetails.badRequest("$.rules must be an array of at most 256 rules")
        }
        guard kind == .workload || items.isEmpty else {
            throw ProblemDetails.badRequest("$.rules apply to workload issuers; people are never mapped to identities")
        }
        var rules: [ClaimMappingRule] = []
        for (index, item) in items.enumerated() {
            let path = "$.rules[\(index)]"
            guard case .object(let object) = item, case .string(let identity)? = object["identity"],
                case .object(let match)? = object["match"]
            else { throw ProblemDetails.badRequest("\(path) must be {name, match: {claim: pattern}, identity}") }
            var patterns: [String: String] = [:]
            for (claim, pattern) in match {
                guard case .string(let text) = pattern, !claim.isEmpty, claim.utf8.count <= 128, !text.isEmpty,
                    text.utf8.count <= 512
                else { throw ProblemDetails.badRequest("\(path).match.\(claim.prefix(64)) must be a non-empty string pattern") }
                patterns[claim] = text
            }
            guard (1...16).contains(patterns.count) else {
                throw ProblemDetails.badRequest(
                    "\(path).match must name 1 to 16 claims: a rule without conditions would map every token")
            }
            guard patterns.values.contains(where: { !$0.allSatisfy { $0 == "*" || $0 == "?" } }) else {
                throw ProblemDetails.badRequest("\(path).match must constrain at least one claim (not only wildcards)")
            }
            do throws(TesseraError) {
                let id = try SPIFFEID(parsing: identity)
                guard id.trustDomain == trustDomain else {
                    throw TesseraError(.invalidSPIFFEID, "not in trust domain \(trustDomain)")
                }
            } catch {
                throw ProblemDetails.badRequest("\(path).identity: \(error.reason)")
            }
            guard try await identities.get(spiffeID: identity) != nil else {
                throw ProblemDetails.badRequest("\(path).identity \(identity) is not in the inventory")
            }
            var name = "rule-\(index + 1)"
            if case .string(let given)? = object["name"], !given.isEmpty { name = String(given.prefix(128)) }
            rules.append(ClaimMappingRule(name: name, match: patterns, identity: identity))
        }
        return rules
    }
}
