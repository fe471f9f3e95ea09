import Crypto
import Foundation
import TesseraAudit
import TesseraCore
import TesseraCrypto
import TesseraStore
import X509

/// The server side of `tessera agent`: node attestation with join tokens, node SVID renewal, the node's
/// registration entries, and SVID issuance for workloads. Every issuance and refusal is audited before the
/// answer leaves.
struct AgentService: Sendable {
    let state: TrustDomainState
    let repository: any SPIFFERepository
    let identities: any IdentityRepository
    let audit: AuditLog
    let clock: any TimeSource
    let configuration: SPIFFEConfiguration
    /// The `aud` node proofs must carry.
    let proofAudience: String
    /// The policy engine; `nil` only in tests that exercise the agent protocol alone.
    var authorizer: (any IssuanceAuthorizer)? = nil
    /// Where SVIDs are recorded as leases (so they can be listed and revoked); `nil` in protocol-only tests.
    var leases: (any TaskRepository)? = nil
    /// Bumped when what agents serve may have changed; agents long-poll it.
    var changes = ChangeFeed()
    /// Where node proof `jti`s are claimed until they expire, shared by every server on the same storage;
    /// `nil` only in protocol-only tests (then the in-memory cache alone refuses replays).
    var replayStore: (any TokenStateRepository)? = nil
    /// Whether `replayStore` is shared by several servers (PostgreSQL). Alone on its storage (SQLite), a proof whose
    /// request is recorded is remembered in memory (preloaded at start) and stored with its record, not claimed apart.
    var replayStoreIsShared = false
    /// Fast first check of proof `jti`s on this server.
    let proofReplay = ReplayCache()
    /// Node SVID chains proofs carried that verified (`VerifiedSVIDChains`: same bytes, same roots, still valid).
    let proofChains = VerifiedSVIDChains()
    /// Audiences naming this server (issuer, token endpoint, default audience): every identity may hold a JWT-SVID
    /// for them (it is its client assertion). Any other audience must be among the identity's allowed audiences.
    var ownAudiences: Set<String> = []

    /// The SPIFFE ID of node `id`.
    func nodeSPIFFEID(_ id: String) throws -> SPIFFEID {
        try SPIFFEID(trustDomain: state.authority.ca.trustDomain, path: "/tessera/agent/\(id)")
    }

    /// Trades a one-time join token and a CSR for the node's X.509-SVID.
    func attest(_ request: AgentAPI.AttestRequest, source: String?) async throws -> AgentAPI.X509SVID {
        let hash = AdminAuthenticator.hash(request.joinToken)
        let publicKey: Certificate.PublicKey
        do {
            publicKey = try CertificateRequest.publicKey(fromDER: try Self.decodeCSR(request.csr))
        } catch {
            try await refuse(AuditEventType.nodeAttestationRefused, subject: nil, reason: error.reason, source: source)
            throw ProblemDetails.badRequest(error.reason)
        }
        guard let nodeID = try await repository.consumeJoinToken(hash: hash, now: clock.now()) else {
            try await refuse(
                AuditEventType.nodeAttestationRefused, subject: nil, reason: "unknown, used or expired join token", source: source
            )
            throw ProblemDetails(.unauthorized, "Unauthorized", detail: "the join token is unknown, already used or expired")
        }
        let id = try nodeSPIFFEID(nodeID)
        let svid = try sign(id, publicKey: publicKey, ttl: configuration.nodeSVIDTTL, entryID: nil)
        try await audit.append(
            AuditEvent(
                type: AuditEventType.nodeAttested, outcome: .success, actor: "node:\(nodeID)", subject: id.description,
                details: ["method": .string("join_token"), "expires_at": .int(Int64(svid.expiresAt))]))
        return svid
    }

    /// Renews the node SVID of an authenticated node; `proof` is the node proof's key, stored with the record.
    func renew(node: String, csr: String, proof: ReplayGuard? = nil) async throws -> AgentAPI.X509SVID {
        let publicKey: Certificate.PublicKey
        do {
            publicKey = try CertificateRequest.publicKey(fromDER: try Self.decodeCSR(csr))
        } catch {
            throw ProblemDetails.badRequest(error.reason)
        }
        let id = try nodeSPIFFEID(node)
        let svid = try sign(id, publicKey: publicKey, ttl: configuration.nodeSVIDTTL, entryID: nil)
        try await audit.append(
            AuditEvent(
                type: AuditEventType.nodeRenewed, outcome: .success, actor: "node:\(node)", subject: id.description,
                details: ["expires_at": .int(Int64(svid.expiresAt))], replayGuard: proof))
        return svid
    }

    /// Authenticates a node proof (`Authorization: SVID <proof>`) for the request `binding` (method, agent API
    /// path, body hash) and returns the node id. A proof is accepted once: its `jti` is claimed until it
    /// expires, in storage shared by every server, so a captured proof cannot be replayed here or elsewhere.
    ///
    /// `recorded`: the route answers only after a durable audit record that will carry the returned key (X.509-SVID
    /// issuance and renewal, whose answers are certificates for the node's own CSR keys, so even a replayed request
    /// would hand an attacker nothing it could use). The claim then costs no write of its own: in memory alone on
    /// one server, unflushed on shared storage (the record's commit flushes it and stores the key again).
    func authenticate(
        authorization: String?, binding: NodeProof.Binding, recorded: Bool = false
    ) async throws -> (node: String, proof: ReplayGuard?) {
        guard let authorization, authorization.utf8.count <= 16 * 1024, authorization.hasPrefix("SVID ") else {
            throw ProblemDetails(.unauthorized, "Unauthorized", detail: "a node proof is required (Authorization: SVID ...)")
        }
        let proof: NodeProof.Verified
        let now = clock.now()
        do {
            proof = try NodeProof.verify(
                String(authorization.dropFirst(5)), authorities: state.authority.roots, audience: proofAudience,
                binding: binding, now: now, chains: proofChains)
        } catch {
            throw ProblemDetails(.unauthorized, "Unauthorized", detail: "node proof refused: \(error.reason)")
        }
        let id = proof.spiffeID
        let prefix = Self.nodeNamespace
        guard id.path.hasPrefix(prefix) else {
            throw ProblemDetails(.forbidden, "Forbidden", detail: "this SVID does not belong to a node")
        }
        let node = String(id.path.dropFirst(prefix.count))
        guard let record = try await repository.node(id: node), record.status == "active" else {
            // Counted, not recorded one by one: a captured proof of a revoked node can be resent until it expires.
            try await refuseCounted(code: "node_revoked", subject: id.description, reason: "node is revoked or unknown")
            throw ProblemDetails(.forbidden, "Forbidden", detail: "node \(node) is revoked or unknown")
        }
        let key = "node-proof|\(id.description)|\(proof.jti)"
        var fresh = proofReplay.insert(key, expiresAt: proof.expiresAt, now: now)
        let carried = recorded && replayStore != nil ? ReplayGuard(key: key, expiresAt: proof.expiresAt) : nil
        if fresh, let replayStore, carried == nil || replayStoreIsShared {
            do {
                fresh =
                    carried == nil
                    ? try await replayStore.claimReplayKey(key, expiresAt: proof.expiresAt, now: now)
                    : try await replayStore.claimReplayKeyBeforeAudit(key, expiresAt: proof.expiresAt, now: now)
            } catch {
                throw ProblemDetails(.serviceUnavailable, "Service Unavailable", detail: "replay protection unavailable")
            }
        }
        guard fresh else {
            // A replayed proof proves nothing (anyone who captured it can resend it): counted, like replayed assertions.
            try await refuseCounted(code: "node_proof_replayed", subject: id.description, reason: "node proof replayed")
            throw ProblemDetails(.unauthorized, "Unauthorized", detail: "node proof refused: jti already used (replay)")
        }
        return (node, carried)
    }

    /// Stores a proof's key that no record carried (an empty batch, or a request that failed before its record):
    /// alone on SQLite it was only in memory, and a restart would accept the proof again. On shared storage the key
    /// was claimed already, for every server, when the proof was authenticated.
    func claimDurably(_ proof: ReplayGuard?) async throws {
        guard let proof, let replayStore, !replayStoreIsShared else { return }
        guard try await replayStore.claimReplayKey(proof.key, expiresAt: proof.expiresAt, now: clock.now()) else {
            throw ProblemDetails(.unauthorized, "Unauthorized", detail: "node proof refused: jti already used (replay)")
        }
    }

    /// The node's entries whose identity may hold an SVID now (a suspended, retired or expired identity's
    /// entries are left out, so the agent drops its SVIDs), and the serials of revoked X.509-SVIDs.
    func entries(node: String) async throws -> AgentAPI.Entries {
        let now = clock.now()
        var eligible: [String: Bool] = [:]
        var entries: [RegistrationEntry] = []
        for entry in try await repository.entries(nodeID: node) {
            let id = entry.spiffeID.description
            if eligible[id] == nil {
                eligible[id] = try await identities.get(spiffeID: id)?.eligibility(at: now).isEligible ?? false
            }
            if eligible[id] == true { entries.append(entry) }
        }
        let revoked = try await leases?.revokedLeaseIDs(
            kind: Self.x509LeaseKind, subjects: Array(Set(entries.map(\.spiffeID.description))), now: now)
        return AgentAPI.Entries(entries: entries, revokedSerials: revoked ?? [])
    }

    static let x509LeaseKind = "x509_svid"
    static let jwtLeaseKind = "jwt_svid"

    /// Signs a JWT-SVID for an entry of `node`.
    func issueJWT(node: String, request: AgentAPI.JWTSVIDRequest) async throws -> AgentAPI.JWTSVID {
        do {
            let entry = try await eligibleEntry(request.entryID, node: node)
            if let reason = try await audienceRefusal(for: entry.spiffeID, audiences: request.audience) {
                throw TesseraError(.invalidIdentity, reason)
            }
            let svid = try JWTSVID.sign(
                spiffeID: entry.spiffeID, audience: request.audience, key: state.authority.jwtKey, now: clock.now(),
                ttl: TimeInterval(min(entry.jwtTTL, configuration.maximumSVIDTTL)), issuer: configuration.jwtIssuer)
            try await audit.append(
                AuditEvent(
                    type: AuditEventType.jwtSVIDIssued, outcome: .success, actor: "node:\(node)",
                    subject: entry.spiffeID.description,
                    details: [
                        "entry_id": .string(entry.id), "jti": .string(svid.jti), "aud": .strings(request.audience),
                        "expires_at": .int(Int64(svid.expiresAt.timeIntervalSince1970)),
                    ],
                    lease: leases == nil
                        ? nil
                        : Lease(
                            id: svid.jti, kind: Self.jwtLeaseKind, subject: entry.spiffeID.description, taskID: nil,
                            issuedAt: clock.now(), expiresAt: svid.expiresAt)))
            return AgentAPI.JWTSVID(
                spiffeID: entry.spiffeID.description, token: svid.token, expiresAt: svid.expiresAt.timeIntervalSince1970)
        } catch {
            let reason = Self.reason(error)
            try await audit.append(
                AuditEvent(
                    type: AuditEventType.jwtSVIDRefused, outcome: .denied, actor: "node:\(node)", reason: reason,
                    details: ["entry_id": .string(String(request.entryID.prefix(64)))]))
            throw ProblemDetails(.forbidden, "Forbidden", detail: reason)
        }
    }

    private func eligibleEntry(_ id: String, node: String) async throws -> RegistrationEntry {
        guard id.utf8.count <= 64, let entry = try await repository.entry(id: id), entry.nodeID == node else {
            throw TesseraError(.invalidArgument, "no such registration entry for this node")
        }
        if let reason = try await refusal(for: entry.spiffeID) { throw TesseraError(.invalidIdentity, reason) }
        return entry
    }

    /// Why `id` may not receive an SVID now (not in the inventory, suspended, retired, expired), or nil.
    func refusal(for id: SPIFFEID) async throws -> String? {
        guard let identity = try await identities.get(spiffeID: id.description) else { return "\(id) is not in the inventory" }
        if case .ineligible(let reason) = identity.eligibility(at: clock.now()) { return reason }
        // The policy engine decides every issuance, SVIDs included (action `issue_svid`, resource = trust domain).
        if let authorizer {
            let decision = await authorizer.authorize(
                IssuanceRequest(
                    action: "issue_svid", identity: identity, requestedScopes: [], audience: "spiffe://\(id.trustDomain)",
                    grantType: "svid", sourceAddress: nil, time: clock.now()))
            if !decision.isAllowed { return decision.reasons.joined(separator: "; ") }
        }
        return nil
    }

    /// Why `id` may not hold a JWT-SVID for `audiences`, or nil: as for access tokens, each audience must be one the
    /// inventory allows the identity (or this server itself), and the policy engine decides each (action
    /// `issue_svid`, resource = the audience), so a JWT-SVID for an outside relying party (a cloud's STS, Vault) is
    /// exactly as governed as a token for it.
    func audienceRefusal(for id: SPIFFEID, audiences: [String]) async throws -> String? {
        guard let identity = try await identities.get(spiffeID: id.description) else { return "\(id) is not in the inventory" }
        for audience in audiences where !audience.isEmpty {
            guard ownAudiences.contains(audience) || identity.audiences.contains(audience) else {
                return "audience \(audience.prefix(200)) is not allowed for \(id) (add it to the identity's audiences)"
            }
            guard let authorizer, !ownAudiences.contains(audience) else { continue }
            let decision = await authorizer.authorize(
                IssuanceRequest(
                    action: "issue_svid", identity: identity, requestedScopes: [], audience: audience, grantType: "jwt_svid",
                    sourceAddress: nil, time: clock.now()))
            if !decision.isAllowed { return decision.reasons.joined(separator: "; ") }
        }
        return nil
    }

    func sign(_ id: SPIFFEID, publicKey: Certificate.PublicKey, ttl: Int, entryID: String?) throws -> AgentAPI.X509SVID {
        let chain = try state.authority.ca.issueX509SVID(
            spiffeID: id, publicKey: publicKey, now: clock.now(), ttl: TimeInterval(min(ttl, configuration.maximumSVIDTTL)))
        return AgentAPI.X509SVID(
            entryID: entryID, spiffeID: id.description,
            certificates: try chain.map { Data(try $0.derBytes()).base64EncodedString() },
            expiresAt: chain[0].notValidAfter.timeIntervalSince1970, serial: Hex.encode(chain[0].serialNumber.bytes))
    }

    /// A refusal of a proof that proves nothing new: counted per source by the request's `RefusalScope` (the node in
    /// the sample reason), or recorded when there is no request scope.
    private func refuseCounted(code: String, subject: String, reason: String) async throws {
        if let scope = RefusalScope.current {
            return scope.aggregate(type: AuditEventType.nodeRefused, code: code, reason: "\(reason) (\(subject.prefix(200)))")
        }
        try await refuse(AuditEventType.nodeRefused, subject: subject, reason: reason, source: nil)
    }

    private func refuse(_ type: String, subject: String?, reason: String, source: String?) async throws {
        // No node proved anything (bad CSR or join token): counted per source, not one record each (docs/threat-model.md).
        if subject == nil, let scope = RefusalScope.current {
            return scope.aggregate(
                type: type, code: reason.hasPrefix("unknown, used") ? "invalid_join_token" : "invalid_csr", reason: reason)
        }
        var details: [String: AuditValue] = [:]
        if let source { details["source"] = .string(source) }
        try await audit.append(AuditEvent(type: type, outcome: .denied, subject: subject, reason: reason, details: details))
    }

    /// The path prefix of node SVIDs. Reserved: no identity or workload entry may use it (as SPIRE reserves `/spire/`),
    /// or a workload SVID would authenticate as a node on the agent API.
    static let nodeNamespace = "/tessera/agent/"

    /// Whether `id` is reserved for the server's own identities: agents' node SVIDs, and the SVID of the
    /// `https_spiffe` bundle endpoint (a workload holding it could serve federated domains a forged bundle).
    static func isNodeNamespace(_ id: SPIFFEID) -> Bool {
        let path = id.path.lowercased()
        return path.hasPrefix(nodeNamespace) || path == String(nodeNamespace.dropLast())
            || path == BundleEndpointListener.path || path.hasPrefix(BundleEndpointListener.path + "/")
    }

    static func reason(_ error: any Error) -> String {
        switch error {
        case let error as TesseraError: return error.reason
        case let error as TesseraCryptoError: return error.reason
        case let error as ProblemDetails: return error.detail
        default: return "internal error"
        }
    }

    static func decodeCSR(_ text: String) throws(TesseraCryptoError) -> [UInt8] {
        guard text.utf8.count <= CertificateRequest.maximumSize * 2, let data = Data(base64Encoded: text) else {
            throw TesseraCryptoError(.invalidCSR, "csr must be base64 of a DER PKCS#10 request")
        }
        return Array(data)
    }
}
