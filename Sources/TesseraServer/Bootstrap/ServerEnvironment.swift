import Foundation
import Logging
import TesseraAudit
import TesseraCore
import TesseraCrypto
import TesseraStore

/// What every part of a server is built from, made once at start and handed to each builder of `TesseraServer.make`:
/// the configuration and addresses, storage and its bootstrap, the audit log, clock, logger, metrics, the cluster's
/// event bus, and the caches and registries several services share.
struct ServerEnvironment: Sendable {
    let configuration: ServerConfiguration
    let kek: KeyEncryptionKey
    let issuer: String
    let port: Int
    let tlsPort: Int?
    let database: any TesseraStorage
    let bootstrap: Bootstrap.Result
    let auditKeys: AuditKeyring
    let audit: AuditLog
    let clock: any TimeSource
    let logger: Logger
    let metrics: ServerMetrics
    let refusals: RefusalAggregator
    let eventBus: any ClusterEventBus
    let inventory: CachingIdentityRepository
    let policies: PolicyEngine
    let departedOwners: DepartedOwners
    let changes: ChangeFeed
    let jwtSVIDKeys: JWTSVIDKeySource
    let federatedRoots: FederatedRoots
    let verifiedChains: VerifiedChains
    let trustState: TrustDomainStateReference
    /// The per-request risk assessment (open findings and baselines), shared by the decision paths and its refresher.
    let risk: RiskAssessor

    var maximumBodySize: Int { configuration.maximumBodySize }
    var keys: KeyRing { bootstrap.keys }
    /// Whether this server is alone on its storage (no other server's events to hear).
    var alone: Bool { eventBus is SingleNodeEventBus }

    /// Validates the configuration, opens and bootstraps the storage, opens the audit log, then makes the shared parts.
    static func make(
        configuration: ServerConfiguration, kek: KeyEncryptionKey, clock: any TimeSource, logger: Logger,
        eventBus given: any ClusterEventBus
    ) async throws -> ServerEnvironment {
        let (issuer, port, tlsPort) = try validated(configuration)
        let database = try await TesseraServer.openStorage(configuration, logger: logger)
        // Servers starting at once on empty PostgreSQL take turns: the first creates, the others find.
        let bootstrap = try await database.withBootstrapLock {
            try await Bootstrap.run(
                database: database, kek: kek, trustDomain: configuration.trustDomain, clock: clock,
                algorithm: configuration.signingKeys.accessTokenAlgorithm)
        }
        // Audit records are keyed (HMAC) and checkpoints signed with keys derived from the KEK, never stored.
        let auditKeys = AuditKeyring(rootKey: kek.derivedKey(purpose: AuditKeyring.kekPurpose))
        // Never extend a chain this server cannot vouch for (docs/threat-model.md): its recorded head must be
        // its last record and carry a valid MAC, or a database writer could strip every key and re-chain, or delete the
        // newest records and move the head back, and the next append would seal the result.
        // And it must reach the head this server remembers making durable (`AuditHeadWitness`): a database writer
        // who removed the newest records while the server ran, and waited for a restart, is refused here.
        let witness = AuditHeadWitness(storage: database, dataDirectory: configuration.dataDirectory, keyring: auditKeys)
        try await AuditHeadCheck(store: database.audit, keyring: auditKeys).check(
            acceptUnkeyedPrefix: configuration.auditCheckpoints.acceptUnkeyedPrefix, remembered: try witness.load(),
            witnessPath: witness.path)
        let audit = try await AuditLog(
            store: database.audit, clock: clock, sealing: AuditSealing(keyring: auditKeys, writer: AuditWriterID.make()))
        audit.keepHeads(with: try witness.keeper())
        let metrics = ServerMetrics()
        audit.observeWrites { types, duration in metrics.auditBatch(types: types, duration: duration) }
        if let waits = database.auditChainWaits { metrics.observe(waits) }
        let refusals = RefusalAggregator(
            audit: audit, clock: clock, metrics: metrics, logger: logger,
            interval: .milliseconds(Int64(configuration.listener.refusalFlushInterval * 1000)),
            maximumKeys: configuration.listener.refusalMaximumKeys)
        // Alone on its database the identity cache is exact. Servers sharing PostgreSQL tell each other of their
        // writes over LISTEN/NOTIFY (`ClusterEventBus`), and trust a cached entry for at most a second should an
        // event be lost.
        let eventBus = try await TesseraServer.clusterEventBus(given, storage: database, logger: logger)
        let policies: PolicyEngine
        do {
            policies = try PolicyEngine(directory: configuration.policyDirectory)
        } catch {
            throw ServerError(.configuration, "policies rejected: \(error)")
        }
        return ServerEnvironment(
            configuration: configuration, kek: kek, issuer: issuer, port: port, tlsPort: tlsPort, database: database,
            bootstrap: bootstrap, auditKeys: auditKeys, audit: audit, clock: clock, logger: logger, metrics: metrics,
            refusals: refusals, eventBus: eventBus,
            inventory: CachingIdentityRepository(
                database.identities, maximumAge: eventBus is SingleNodeEventBus ? nil : .seconds(1),
                onChange: { spiffeID in await eventBus.publish(.identityChanged, subject: spiffeID) }),
            policies: policies,
            departedOwners: try await DepartedOwners.load(
                database.posture, onInsert: { owner in Task { await eventBus.publish(.ownerDeparted, subject: owner) } }),
            changes: ChangeFeed(onBump: { Task { await eventBus.publish(.servingChanged, subject: "") } }),
            jwtSVIDKeys: JWTSVIDKeySource(issuer: configuration.spiffe.jwtIssuer),
            federatedRoots: FederatedRoots(repository: database.spiffe), verifiedChains: VerifiedChains(),
            trustState: TrustDomainStateReference(), risk: RiskAssessor())
    }

    /// Checks the configuration and secures the data folder; returns the issuer URL and the ports to listen on.
    private static func validated(_ configuration: ServerConfiguration) throws -> (issuer: String, port: Int, tlsPort: Int?) {
        try configuration.validate()
        do {
            try SPIFFEID.validateTrustDomain(configuration.trustDomain)
        } catch {
            throw ServerError(.configuration, "trust domain: \(error.reason)")
        }
        // Every file in the data folder private to this user, including SQLite's -wal/-shm (docs/threat-model.md).
        try DataFolderPermissions.secure(configuration.dataDirectory, create: configuration.storage == nil)
        let port = configuration.port == 0 ? try FreePort.find(host: configuration.host) : configuration.port
        let issuer = configuration.resolvedIssuer(port: port)
        try configuration.spiffe.validate(issuer: issuer)
        return (issuer, port, try MutualTLSListener.port(configuration))
    }
}
