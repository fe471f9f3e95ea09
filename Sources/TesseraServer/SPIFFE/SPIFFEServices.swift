import Foundation
import Hummingbird
import TesseraAudit
import TesseraCore
import TesseraCrypto
import TesseraStore

/// Everything workload identity adds to a server: the trust domain's CA and JWT-SVID key, the agent API,
/// the bundle endpoint, the admin routes, and the federation refresher.
public struct SPIFFEServices: Sendable {
    public let state: TrustDomainState
    /// What start-up generated (`x509-ca`, `x509-ca-rotated`, `jwt-svid-key`).
    public let generated: [String]
    let agents: AgentService
    let admin: WorkloadAdminService
    let federation: FederationRefresher
    /// Reads the authority as stored (after another server rotated the CA).
    let loadAuthority: @Sendable () async throws -> TrustDomainAuthority

    /// `onRotate` runs after this server rotated the CA (to tell the servers sharing its storage). `identities`: where the
    /// agent API reads identities (the server's read-through cache, as the token path; the storage's without one).
    static func make(
        configuration: ServerConfiguration, issuer: String, database: any TesseraStorage, kek: KeyEncryptionKey,
        identities: (any IdentityRepository)? = nil, audit: AuditLog, clock: any TimeSource,
        authorizer: (any IssuanceAuthorizer)? = nil, changes: ChangeFeed = ChangeFeed(),
        onRotate: @escaping @Sendable () async -> Void = {}, federatedRoots: FederatedRoots? = nil
    ) async throws -> SPIFFEServices {
        let spiffe = configuration.spiffe
        let trustDomain = configuration.trustDomain
        // One server at a time creates (or rotates at half-life) the CA: servers starting at once end with one.
        let (authority, generated) = try await database.withBootstrapLock {
            try await CABootstrap.run(
                database: database, kek: kek, trustDomain: trustDomain, configuration: spiffe, clock: clock,
                jwtAlgorithm: configuration.signingKeys.jwtSVIDAlgorithm)
        }
        for item in generated {
            try await audit.append(
                AuditEvent(
                    type: AuditEventType.caGenerated, outcome: .success, actor: "system", subject: "spiffe://\(trustDomain)",
                    details: ["what": .string(item)]))
        }
        let state = TrustDomainState(authority)
        var federation = FederationRefresher(
            repository: database.spiffe, clock: clock, interval: spiffe.federationRefreshInterval,
            fetcher: HTTPDocumentFetcher(timeout: 10, policy: configuration.federation.networkPolicy))
        federation.roots = federatedRoots
        var agents = AgentService(
            state: state, repository: database.spiffe, identities: identities ?? database.identities, audit: audit,
            clock: clock, configuration: spiffe, proofAudience: issuer + "/agent", authorizer: authorizer, leases: database.tasks,
            changes: changes, replayStore: database.tokenState)
        agents.ownAudiences = [issuer, issuer + "/oauth2/token", configuration.defaultAudience ?? issuer]
        agents.replayStoreIsShared = database.sharedReplayStore != nil
        // Proofs remembered with their records (alone on SQLite) are refused after a restart too. Shared storage claims
        // every proof in the database, so it needs no copy in memory.
        if !agents.replayStoreIsShared {
            agents.proofReplay.preload(
                try await database.tokenState.unexpiredReplayKeys(now: clock.now()).filter { $0.key.hasPrefix("node-proof|") })
        }
        let admin = WorkloadAdminService(
            repository: database.spiffe, identities: database.identities, audit: audit, clock: clock, configuration: spiffe,
            trustDomain: trustDomain, federation: federation, changes: changes,
            rotate: {
                let rotated = try await database.withBootstrapLock {
                    try await CABootstrap.rotate(
                        database: database, kek: kek, trustDomain: trustDomain, configuration: spiffe, clock: clock,
                        jwtAlgorithm: configuration.signingKeys.jwtSVIDAlgorithm)
                }
                state.replace(with: rotated)
                await onRotate()
                return rotated
            })
        return SPIFFEServices(
            state: state, generated: generated, agents: agents, admin: admin, federation: federation,
            loadAuthority: { try await CABootstrap.load(database: database, kek: kek, configuration: spiffe, clock: clock) })
    }

    /// Re-reads the CA, roots and JWT-SVID keys from storage and serves them from now on (a rotation made by
    /// another server sharing the storage). On error, or when the read is older than what this server holds
    /// (it raced a rotation), the current authority stays.
    func reload() async throws {
        state.replace(withStored: try await loadAuthority())
    }

    func register(
        public router: Router<TesseraRequestContext>, admin group: RouterGroup<AdminRequestContext>, maximumBodySize: Int
    ) {
        SPIFFERoutes(state: state, agents: agents, maximumBodySize: maximumBodySize).register(in: router)
        WorkloadAdminRoutes(service: admin, maximumBodySize: maximumBodySize).register(in: group)
    }

    /// Keeps federated bundles fresh, as a service of the server's group.
    var background: FederationRefresher { federation }
}
