import Foundation
import Hummingbird
import TesseraAudit
import TesseraCore
import TesseraStore

/// Token exchange, trusted issuers, DPoP, people's sign-in and delegation, assembled for a server.
struct FederationServices: Sendable {
    let exchange: TokenExchangeServices
    let issuers: TrustedIssuerService
    let sessions: HumanSessions
    let relyingParty: OIDCRelyingParty?
    let delegations: DelegationService

    static func make(
        configuration: ServerConfiguration, issuer: String, keys: KeyRing, database: any TesseraStorage,
        identities: any IdentityRepository, jwtSVIDKeys: JWTSVIDKeySource, audit: AuditLog, clock: any TimeSource
    ) throws -> FederationServices {
        let settings = configuration.federation
        try settings.validate()
        let fetcher = HTTPDocumentFetcher(timeout: settings.fetchTimeout, policy: settings.networkPolicy)
        let issuerKeys = IssuerKeyCache(fetcher: fetcher, clock: clock, configuration: settings)
        var exchange = TokenExchangeServices(
            configuration: settings, issuers: database.trustedIssuers, keys: issuerKeys, identities: identities,
            jwtSVIDKeys: jwtSVIDKeys, clock: clock, skew: configuration.clockSkew)
        // Servers sharing PostgreSQL claim each DPoP proof's jti in the database: a proof is used once cluster-wide.
        exchange.dpop.sharedReplay = database.sharedReplayStore
        let issuers = TrustedIssuerService(
            repository: database.trustedIssuers, identities: identities, keys: issuerKeys, fetcher: fetcher, audit: audit,
            clock: clock,
            trustDomain: configuration.trustDomain, ownIssuer: issuer)
        let sessions = HumanSessions(
            keys: keys, issuer: issuer, clock: clock, ttl: settings.humanSessionTTL, tokenState: database.tokenState)
        let relyingParty = settings.humanIdP.map {
            OIDCRelyingParty(
                idp: $0, callback: issuer + "/auth/callback", fetcher: fetcher, issuers: database.trustedIssuers,
                external: exchange.external, sessions: sessions, audit: audit, clock: clock)
        }
        let delegations = DelegationService(
            keys: keys, issuer: issuer, tasks: database.tasks, identities: identities, audit: audit, clock: clock,
            ttl: min(300, configuration.maximumTokenTTL))
        return FederationServices(
            exchange: exchange, issuers: issuers, sessions: sessions, relyingParty: relyingParty, delegations: delegations)
    }

    /// Public routes (`/auth/...`) and admin routes (`/v1/issuers`, `/v1/delegations`).
    func register(public router: Router<TesseraRequestContext>, admin: RouterGroup<AdminRequestContext>, maximumBodySize: Int) {
        IssuerRoutes(service: issuers, maximumBodySize: maximumBodySize).register(in: admin)
        LoginRoutes(relyingParty: relyingParty, delegations: delegations, maximumBodySize: maximumBodySize)
            .register(public: router, admin: admin)
    }
}
