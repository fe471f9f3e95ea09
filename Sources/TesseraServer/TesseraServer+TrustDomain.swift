import Foundation
import Hummingbird
import TesseraStore

extension TesseraServer {
    /// The trust domain's signing material: the SPIFFE services (CA, agents, bundles), the JWT signing keys with their
    /// rotation and promotion, and the cluster sync that applies other servers' rotations here.
    static func trustDomainServices(
        _ environment: ServerEnvironment, tokens: TokenService, router: Router<TesseraRequestContext>,
        admin: RouterGroup<AdminRequestContext>
    ) async throws -> (spiffe: SPIFFEServices, signingKeys: SigningKeyService, clusterSync: ClusterSync) {
        let (database, kek, eventBus, jwtSVIDKeys) = (
            environment.database, environment.kek, environment.eventBus, environment.jwtSVIDKeys
        )
        let spiffe = try await SPIFFEServices.make(
            configuration: environment.configuration, issuer: environment.issuer, database: database, kek: kek,
            identities: environment.inventory, audit: environment.audit, clock: environment.clock, authorizer: tokens.authorizer,
            changes: environment.changes,
            onRotate: { await eventBus.publish(.keysChanged, subject: "") }, federatedRoots: environment.federatedRoots)
        environment.trustState.set(spiffe.state)
        spiffe.register(public: router, admin: admin, maximumBodySize: environment.maximumBodySize)
        let signingKeys = SigningKeyService(
            database: database, kek: kek, keys: environment.keys, audit: environment.audit, clock: environment.clock,
            configuration: environment.configuration.signingKeys,
            reloadJWTSVIDKeys: {
                try await spiffe.reload()
                jwtSVIDKeys.set(spiffe.state.authority.jwtAuthorities)
            },
            onChange: { await eventBus.publish(.keysChanged, subject: "") })
        SigningKeyRoutes(service: signingKeys, maximumBodySize: environment.maximumBodySize).register(in: admin)
        jwtSVIDKeys.set(spiffe.state.authority.jwtAuthorities)
        // A newly configured algorithm starts a pre-published rotation; keys whose pre-publication ended sign now.
        try await signingKeys.reconcile(logger: environment.logger)
        // A CA this start created or rotated (at half-life) is news for the servers already running.
        if !spiffe.generated.isEmpty { await eventBus.publish(.keysChanged, subject: "") }
        // Another server's CA rotation reaches this one by its `keysChanged` event, or by the periodic reload.
        let keys = environment.keys
        let clusterSync = ClusterSync(
            bus: eventBus, inventory: environment.inventory, changes: environment.changes,
            departedOwners: environment.departedOwners, posture: database.posture, logger: environment.logger,
            periodicReload: environment.alone ? nil : periodicReloadInterval,
            reloadKeys: {
                try await Bootstrap.reload(keys, database: database, kek: kek)
                try await spiffe.reload()
                jwtSVIDKeys.set(spiffe.state.authority.jwtAuthorities)
            })
        return (spiffe, signingKeys, clusterSync)
    }
}
