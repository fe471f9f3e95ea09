import Foundation
import TesseraAudit
import TesseraCore
import TesseraCrypto
import TesseraStore

/// Admin operations of workload identity: join tokens and nodes, registration entries, federation, CA rotation.
struct WorkloadAdminService: Sendable {
    let repository: any SPIFFERepository
    let identities: any IdentityRepository
    let audit: AuditLog
    let clock: any TimeSource
    let configuration: SPIFFEConfiguration
    let trustDomain: String
    let federation: FederationRefresher
    /// Bumped when entries or nodes change, so agents re-sync at once.
    let changes: ChangeFeed
    let rotate: @Sendable () async throws -> TrustDomainAuthority

    static let joinTokenPrefix = "tsr_join_"

    /// A one-time join token for node `nodeID`; the plaintext is returned once and stored only as a hash.
    func createJoinToken(nodeID: String, ttl: Int?, actor: AdminPrincipal) async throws -> (String, Date) {
        do {
            try RegistrationEntry.validateNodeID(nodeID)
        } catch {
            throw ProblemDetails.badRequest(error.reason)
        }
        if let node = try await repository.node(id: nodeID), node.status == "revoked" {
            throw ProblemDetails(.conflict, "Conflict", detail: "node \(nodeID) is revoked")
        }
        let ttl = ttl ?? 3600
        guard (60...configuration.maximumJoinTokenTTL).contains(ttl) else {
            throw ProblemDetails.badRequest("ttl must be 60...\(configuration.maximumJoinTokenTTL) seconds")
        }
        let token = Self.joinTokenPrefix + RandomToken.base64URL(bytes: 32)
        let now = clock.now()
        let expiresAt = now.addingTimeInterval(TimeInterval(ttl))
        try await repository.insertJoinToken(
            hash: AdminAuthenticator.hash(token), nodeID: nodeID, expiresAt: expiresAt, createdAt: now)
        try await audit.append(
            AuditEvent(
                type: AuditEventType.nodeJoinTokenCreated, outcome: .success, actor: actor.auditActor, subject: "node:\(nodeID)",
                details: ["expires_at": .int(Int64(expiresAt.timeIntervalSince1970))]))
        return (token, expiresAt)
    }

    func revokeNode(_ id: String, actor: AdminPrincipal) async throws {
        guard id.utf8.count <= 64, try await repository.setNodeStatus(id: id, status: "revoked") else {
            throw ProblemDetails.notFound("no node \(id.prefix(64))")
        }
        changes.bump()
        try await audit.append(
            AuditEvent(type: AuditEventType.nodeRevoked, outcome: .success, actor: actor.auditActor, subject: "node:\(id)"))
    }

    static let entryFields: Set<String> = ["spiffe_id", "node_id", "selectors", "x509_ttl", "jwt_ttl"]

    /// Why an entry's selectors are weaker than they look, or nil. `unix:uid`/`unix:gid` come from
    /// `SO_PEERCRED`, fixed by the kernel at `connect(2)`: safe alone. `unix:path`/`unix:sha256` describe the
    /// file a process runs, which any local user who can execute that file can make true (the agent refuses a
    /// process that exec'd after its connection was accepted, but not one that exec'd between `connect` and
    /// `accept`): they only narrow a uid or gid and are not a boundary alone.
    static func selectorWarning(_ selectors: [WorkloadSelector]) -> String? {
        let kinds = Set(selectors.map(\.kind))
        guard kinds.contains(.path) || kinds.contains(.sha256), !kinds.contains(.uid), !kinds.contains(.gid) else { return nil }
        return "unix:path/unix:sha256 without unix:uid or unix:gid: any local user able to run that executable can obtain "
            + "this identity; add a unix:uid or unix:gid selector (see docs/spiffe.md, \"Which selectors are safe\")"
    }

    func createEntry(_ body: JSONObjectReader, actor: AdminPrincipal) async throws -> RegistrationEntry {
        try body.rejectUnknown(allowed: Self.entryFields)
        let spiffeID: SPIFFEID
        let nodeID = try body.requiredString("node_id")
        var selectors: [WorkloadSelector] = []
        do {
            spiffeID = try SPIFFEID(parsing: try body.requiredString("spiffe_id"))
            try RegistrationEntry.validateNodeID(nodeID)
            for text in try body.stringArray("selectors") ?? [] { selectors.append(try WorkloadSelector(parsing: text)) }
        } catch let error as TesseraError {
            throw ProblemDetails.badRequest(error.reason)
        }
        guard spiffeID.trustDomain == trustDomain, !spiffeID.path.isEmpty else {
            throw ProblemDetails.badRequest("$.spiffe_id must be a workload ID in trust domain \(trustDomain)")
        }
        guard !AgentService.isNodeNamespace(spiffeID) else {
            throw ProblemDetails.badRequest(
                "$.spiffe_id: \(AgentService.nodeNamespace) and \(BundleEndpointListener.path) are reserved for the server's own identities (agents' nodes, the bundle endpoint)"
            )
        }
        guard !selectors.isEmpty, selectors.count <= 16 else { throw ProblemDetails.badRequest("1 to 16 selectors are required") }
        guard try await identities.get(spiffeID: spiffeID.description) != nil else {
            throw ProblemDetails.badRequest("\(spiffeID) is not in the inventory: create the identity first (no owner, no SVID)")
        }
        let x509TTL = (try body.nullableInt("x509_ttl") ?? nil) ?? configuration.defaultX509TTL
        let jwtTTL = (try body.nullableInt("jwt_ttl") ?? nil) ?? configuration.defaultJWTTTL
        guard (60...configuration.maximumSVIDTTL).contains(x509TTL),
            (30...min(3600, configuration.maximumSVIDTTL)).contains(jwtTTL)
        else {
            throw ProblemDetails.badRequest("x509_ttl must be 60...\(configuration.maximumSVIDTTL) s and jwt_ttl 30...3600 s")
        }
        let entry = RegistrationEntry(
            id: RegistrationEntry.newID(), spiffeID: spiffeID, nodeID: nodeID, selectors: selectors, x509TTL: x509TTL,
            jwtTTL: jwtTTL, createdAt: clock.now())
        try await repository.insertEntry(entry)
        changes.bump()
        try await audit.append(
            AuditEvent(
                type: AuditEventType.entryCreated, outcome: .success, actor: actor.auditActor, subject: spiffeID.description,
                details: [
                    "entry_id": .string(entry.id), "node_id": .string(nodeID),
                    "selectors": .strings(selectors.map(\.description)),
                    "weak_selectors": .bool(Self.selectorWarning(selectors) != nil),
                ]))
        return entry
    }

    func deleteEntry(_ id: String, actor: AdminPrincipal) async throws {
        guard id.utf8.count <= 64, let entry = try await repository.entry(id: id), try await repository.deleteEntry(id: id) else {
            throw ProblemDetails.notFound("no registration entry \(id.prefix(64))")
        }
        changes.bump()
        try await audit.append(
            AuditEvent(
                type: AuditEventType.entryDeleted, outcome: .success, actor: actor.auditActor,
                subject: entry.spiffeID.description,
                details: ["entry_id": .string(id)]))
    }

    /// Adds (or updates) a federated trust domain and fetches its bundle once. `https_spiffe` needs the SPIFFE ID the
    /// endpoint presents and, when that ID is in the federated domain itself and no bundle of it is known yet, the
    /// domain's current bundle obtained out of band (`initialBundle`, SPIFFE bundle JSON): what authenticates the
    /// first fetch; later fetches are authenticated with the bundle they replace.
    func federate(
        trustDomain other: String, url: String, profile: String = "https_web", endpointSPIFFEID: String? = nil,
        initialBundle: String? = nil, actor: AdminPrincipal
    ) async throws -> String? {
        do {
            try SPIFFEID.validateTrustDomain(other)
        } catch {
            throw ProblemDetails.badRequest("$.trust_domain: \(error.reason)")
        }
        guard other != trustDomain else { throw ProblemDetails.badRequest("a trust domain cannot federate with itself") }
        guard let parsed = URL(string: url), parsed.scheme == "https" || parsed.scheme == "http", parsed.host != nil else {
            throw ProblemDetails.badRequest("$.bundle_endpoint_url must be an http(s) URL")
        }
        // The same network policy as issuer discovery: no cloud metadata, no private networks unless allowed.
        if let refusal = federation.fetcher.refusal(for: url) {
            throw ProblemDetails.badRequest("$.bundle_endpoint_url: \(refusal)")
        }
        var endpointID: SPIFFEID?
        switch profile {
        case "https_web":
            guard endpointSPIFFEID == nil, initialBundle == nil else {
                throw ProblemDetails.badRequest("endpoint_spiffe_id and trust_bundle belong to the https_spiffe profile")
            }
        case "https_spiffe":
            guard parsed.scheme == "https" else { throw ProblemDetails.badRequest("an https_spiffe endpoint URL must be https") }
            guard let text = endpointSPIFFEID, let id = try? SPIFFEID(parsing: text), !id.path.isEmpty else {
                throw ProblemDetails.badRequest(
                    "$.endpoint_spiffe_id: https_spiffe needs the workload SPIFFE ID the endpoint presents")
            }
            guard id.trustDomain != trustDomain else {
                throw ProblemDetails.badRequest("$.endpoint_spiffe_id must be in a federated trust domain, not this one")
            }
            endpointID = id
        default:
            throw ProblemDetails.badRequest("$.bundle_endpoint_profile must be https_web or https_spiffe")
        }
        var seed: Data?
        if let initialBundle {
            guard endpointID?.trustDomain == other else {
                throw ProblemDetails.badRequest("$.trust_bundle is the bundle of the endpoint's trust domain \(other)")
            }
            let data = Data(initialBundle.utf8)
            guard let bundle = try? SPIFFEBundle.parse(data, trustDomain: other), !bundle.x509Authorities.isEmpty else {
                throw ProblemDetails.badRequest("$.trust_bundle must be a SPIFFE bundle of \(other) with X.509 authorities")
            }
            seed = data
        }
        if let endpointID, seed == nil {
            let known = try await repository.federations().first { $0.trustDomain == endpointID.trustDomain }?.bundle
            guard known != nil else {
                throw ProblemDetails.badRequest(
                    "no bundle of \(endpointID.trustDomain) is known to authenticate the endpoint: send $.trust_bundle (obtained out of band)"
                )
            }
        }
        try await repository.upsertFederation(
            trustDomain: other, endpointURL: url, profile: profile, endpointSPIFFEID: endpointID?.description, now: clock.now())
        if let seed { try await repository.recordFederationFetch(trustDomain: other, bundle: seed, error: nil, now: clock.now()) }
        let error = await federation.refresh(
            trustDomain: other, url: url, profile: profile, endpointSPIFFEID: endpointID?.description)
        var details: [String: AuditValue] = ["bundle_endpoint_url": .string(url), "profile": .string(profile)]
        if let endpointID { details["endpoint_spiffe_id"] = .string(endpointID.description) }
        if seed != nil { details["trust_bundle"] = .string("given") }
        try await audit.append(
            AuditEvent(
                type: AuditEventType.federationConfigured, outcome: .success, actor: actor.auditActor,
                subject: "spiffe://\(other)",
                reason: error, details: details))
        return error
    }

    func rotateCA(actor: AdminPrincipal) async throws -> TrustDomainAuthority {
        let authority = try await rotate()
        try await audit.append(
            AuditEvent(
                type: AuditEventType.caRotated, outcome: .success, actor: actor.auditActor, subject: "spiffe://\(trustDomain)",
                details: [
                    "not_after": .int(Int64(authority.ca.certificate.notValidAfter.timeIntervalSince1970)),
                    "roots": .int(Int64(authority.roots.count)),
                ]))
        return authority
    }
}
