import Foundation
import TesseraAudit
import TesseraCore
import TesseraCrypto
import TesseraStore

/// Inventory operations for the admin API. Every change is audited before it is acknowledged.
struct IdentityService: Sendable {
    let repository: any IdentityRepository
    let tasks: any TaskRepository
    let audit: AuditLog
    let clock: any TimeSource
    let trustDomain: String
    let maximumTokenTTL: Int
    /// Bumped on lifecycle changes so agents drop SVIDs of identities that may no longer hold them.
    var changes: ChangeFeed? = nil
    /// Federated trust domains: a workload of one may be registered (it authenticates with its own domain's
    /// X.509-SVID at the mTLS token endpoint, or with a registered key); this server never issues SVIDs for it.
    var federated: FederatedRoots? = nil

    static let createFields: Set<String> = [
        "spiffe_id", "kind", "owner", "purpose", "trust_boundary", "environment", "expires_at", "review_by", "scopes",
        "audiences", "token_ttl", "jwks", "public_key_pem", "auth_methods",
    ]
    static let updateFields: Set<String> = createFields.subtracting(["spiffe_id"])

    func create(_ body: JSONObjectReader, actor: AdminPrincipal) async throws -> Identity {
        try body.rejectUnknown(allowed: Self.createFields)
        let spiffeID: SPIFFEID
        do {
            spiffeID = try SPIFFEID(parsing: try body.requiredString("spiffe_id"))
        } catch let error as TesseraError {
            throw ProblemDetails.badRequest("$.spiffe_id: \(error.reason)")
        }
        if spiffeID.trustDomain != trustDomain {
            guard let federated, await federated.isFederated(spiffeID.trustDomain) else {
                throw ProblemDetails.badRequest(
                    "$.spiffe_id must be in this server's trust domain \(trustDomain) or a federated one whose bundle was fetched"
                )
            }
        }
        guard !AgentService.isNodeNamespace(spiffeID) else {
            throw ProblemDetails.badRequest(
                "$.spiffe_id: \(AgentService.nodeNamespace) and \(BundleEndpointListener.path) are reserved for the server's own identities (agents' nodes, the bundle endpoint)"
            )
        }
        let keys = try Self.keys(body)
        let methods: [AuthMethod]
        if let names = try body.stringArray("auth_methods") {
            methods = try Self.methods(names)
        } else if keys != nil {
            methods = [.privateKeyJWT]
        } else {
            throw ProblemDetails.badRequest(
                "how the identity authenticates is required: $.auth_methods (private_key_jwt, tls_client_auth, jwt_svid, "
                    + "federated), and $.public_key_pem or $.jwks for private_key_jwt")
        }
        let now = clock.now()
        let identity = Identity(
            id: Identity.newID(), spiffeID: spiffeID, kind: try Self.kind(try body.requiredString("kind")),
            owner: try body.requiredString("owner"), purpose: try body.requiredString("purpose"),
            trustBoundary: try body.nullableString("trust_boundary") ?? nil,
            environment: try body.nullableString("environment") ?? nil,
            expiresAt: try body.nullableDate("expires_at") ?? nil, reviewBy: try body.nullableDate("review_by") ?? nil,
            status: .active, scopes: try body.stringArray("scopes") ?? [], audiences: try body.stringArray("audiences") ?? [],
            tokenTTL: try body.nullableInt("token_ttl") ?? nil, jwks: keys ?? Identity.noKeys, authMethods: methods,
            createdAt: now, updatedAt: now)
        try validate(identity)
        try Self.checkKeys(identity, keysGiven: keys != nil)
        do {
            try await repository.create(identity)
        } catch let error as StoreError where error.code == .conflict {
            throw ProblemDetails(.conflict, "Conflict", detail: "an identity with this SPIFFE ID already exists")
        }
        try await record(AuditEventType.identityCreated, identity, actor: actor)
        return identity
    }

    func update(id: String, _ body: JSONObjectReader, actor: AdminPrincipal) async throws -> Identity {
        try body.rejectUnknown(allowed: Self.updateFields)
        let current = try await find(id)
        var update = IdentityUpdate()
        update.owner = try body.string("owner")
        update.purpose = try body.string("purpose")
        update.kind = try body.string("kind").map { text throws(ProblemDetails) in try Self.kind(text) }
        update.trustBoundary = try body.nullableString("trust_boundary")
        update.environment = try body.nullableString("environment")
        update.expiresAt = try body.nullableDate("expires_at")
        update.reviewBy = try body.nullableDate("review_by")
        update.scopes = try body.stringArray("scopes")
        update.audiences = try body.stringArray("audiences")
        update.tokenTTL = try body.nullableInt("token_ttl")
        update.jwks = try Self.keys(body)
        update.authMethods = try body.stringArray("auth_methods").map { names throws(ProblemDetails) in try Self.methods(names) }
        if let methods = update.authMethods, !methods.contains(.privateKeyJWT), update.jwks == nil {
            update.jwks = Identity.noKeys  // an identity that no longer uses private_key_jwt keeps no keys
        }
        guard !update.isEmpty else { throw ProblemDetails.badRequest("no fields to update") }
        let updated: Identity
        do {
            updated = try current.applying(update, at: clock.now())
        } catch {
            throw ProblemDetails(.conflict, "Invalid transition", detail: error.reason)
        }
        try validate(updated)
        try Self.checkKeys(updated, keysGiven: body.object["public_key_pem"] != nil || body.object["jwks"] != nil)
        try await repository.update(updated)
        try await record(AuditEventType.identityUpdated, updated, actor: actor, fields: body.object.keys.sorted())
        return updated
    }

    func transition(id: String, to status: IdentityStatus, reason: String?, actor: AdminPrincipal) async throws
        -> Identity
    {
        let current = try await find(id)
        let updated: Identity
        do {
            updated = try current.transitioned(to: status, at: clock.now())
        } catch {
            throw ProblemDetails(.conflict, "Invalid transition", detail: error.reason)
        }
        try await repository.update(updated)
        let type = status == .active ? AuditEventType.identityReactivated : "identity.\(status.rawValue)"
        var revoked: [String] = []
        if status != .active {
            // A suspended or retired identity keeps nothing: every live credential is revoked now.
            revoked = try await tasks.revokeLeases(subject: updated.clientID, reason: type, now: clock.now())
        }
        changes?.bump()
        try await record(type, updated, actor: actor, reason: reason, revokedLeases: revoked.count)
        return updated
    }

    func find(_ id: String) async throws -> Identity {
        guard id.utf8.count <= 128, let identity = try await repository.get(id: id) else {
            throw ProblemDetails.notFound("no identity with id \(id.prefix(64))")
        }
        return identity
    }

    /// Most characters of an owner, trust boundary or environment name, and of a purpose.
    static let maximumNameLength = 256
    static let maximumPurposeLength = 1024

    private func validate(_ identity: Identity) throws(ProblemDetails) {
        // Names are keys in the console, policies and reports: short and single-line (docs/threat-model.md).
        for (path, value) in [
            ("$.owner", identity.owner), ("$.trust_boundary", identity.trustBoundary ?? ""),
            ("$.environment", identity.environment ?? ""),
        ] {
            try JSONObjectReader.check(value, at: path, maximum: Self.maximumNameLength)
            if value.contains(where: \.isNewline) { throw ProblemDetails.badRequest("\(path) must be a single line") }
        }
        try JSONObjectReader.check(identity.purpose, at: "$.purpose", maximum: Self.maximumPurposeLength)
        do {
            try identity.validate(maximumTokenTTL: maximumTokenTTL)
        } catch {
            throw ProblemDetails.badRequest(error.reason)
        }
    }

    private func record(
        _ type: String, _ identity: Identity, actor: AdminPrincipal, reason: String? = nil, fields: [String] = [],
        revokedLeases: Int = 0
    ) async throws {
        var details: [String: AuditValue] = [
            "identity_id": .string(identity.id), "status": .string(identity.status.rawValue),
            "owner": .string(identity.owner), "kind": .string(identity.kind.rawValue), "scopes": .strings(identity.scopes),
            "auth_methods": .strings(identity.authMethods.map(\.rawValue)),
        ]
        if !fields.isEmpty { details["fields"] = .strings(fields) }
        if revokedLeases > 0 { details["revoked_leases"] = .int(Int64(revokedLeases)) }
        try await audit.append(
            AuditEvent(
                type: type, outcome: .success, actor: actor.auditActor, subject: identity.clientID,
                reason: reason.map { String($0.prefix(512)) }, details: details))
    }

    private static func kind(_ text: String) throws(ProblemDetails) -> IdentityKind {
        do {
            return try IdentityKind(validating: text)
        } catch {
            throw ProblemDetails.badRequest("$.kind: \(error.reason)")
        }
    }

    /// The JWK Set from `public_key_pem` or `jwks`, normalized, each key with a `kid`.
    static func methods(_ names: [String]) throws(ProblemDetails) -> [AuthMethod] {
        let methods: [AuthMethod]
        do {
            methods = try AuthMethod.parse(names)
        } catch {
            throw ProblemDetails.badRequest("$.auth_methods: \(error.reason)")
        }
        guard !methods.isEmpty else { throw ProblemDetails.badRequest("$.auth_methods must name at least one method") }
        return methods
    }

    /// `private_key_jwt` needs a registered key, and a key is only accepted for `private_key_jwt`.
    static func checkKeys(_ identity: Identity, keysGiven: Bool) throws(ProblemDetails) {
        let keyCount = (try? JWKSet.parse(identity.jwks).keys.count) ?? 0
        if identity.accepts(.privateKeyJWT), keyCount == 0 {
            throw ProblemDetails.badRequest(
                "$.auth_methods includes private_key_jwt: $.public_key_pem or $.jwks is required (or drop private_key_jwt)")
        }
        if keysGiven, !identity.accepts(.privateKeyJWT), keyCount > 0 {
            throw ProblemDetails.badRequest(
                "a key was given but $.auth_methods does not include private_key_jwt, the only method that uses it")
        }
    }

    static func keys(_ body: JSONObjectReader) throws(ProblemDetails) -> String? {
        let pem = try body.string("public_key_pem")
        let jwks = try body.objectText("jwks")
        if pem != nil && jwks != nil { throw ProblemDetails.badRequest("send either $.public_key_pem or $.jwks, not both") }
        do {
            if let pem {
                return JWKSet(keys: [try VerificationKey(pem: pem).jwk()]).json()
            }
            if let jwks {
                var set = try JWKSet.parse(jwks)
                for index in set.keys.indices where set.keys[index].kid == nil {
                    set.keys[index].kid = JWKThumbprint.compute(set.keys[index])
                }
                return set.json()
            }
        } catch {
            throw ProblemDetails.badRequest("\(pem != nil ? "$.public_key_pem" : "$.jwks"): \(error.reason)")
        }
        return nil
    }
}
