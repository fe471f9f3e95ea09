import Foundation
import Hummingbird
import TesseraAudit
import TesseraCore
import TesseraStore

/// Token exchange, trusted issuers and DPoP, assembled for a server.
struct FederationServices: Sendable {
    let exchange: TokenExchangeServices
    let issuers: TrustedIssuerService

    static func make(
        configuration: ServerConfiguration, issuer: String, database: TesseraDatabase, identities: any IdentityRepository,
        jwtSVIDKeys: JWTSVIDKeySource, audit: AuditLog, clock: any TimeSource
    ) throws -> FederationServices {
        let settings = configuration.federation
        try settings.validate()
        let keys = IssuerKeyCache(fetcher: HTTPDocumentFetcher(timeout: settings.fetchTimeout), clock: clock, configuration: settings)
        let exchange = TokenExchangeServices(
            configuration: settings, issuers: database.trustedIssuers, keys: keys, identities: identities,
            jwtSVIDKeys: jwtSVIDKeys, clock: clock, skew: configuration.clockSkew)
        let issuers = TrustedIssuerService(
            repository: database.trustedIssuers, identities: identities, keys: keys, audit: audit, clock: clock,
            trustDomain: configuration.trustDomain, ownIssuer: issuer)
        return FederationServices(exchange: exchange, issuers: issuers)
    }

    /// Admin routes (`/v1/issuers`).
    func register(admin: RouterGroup<TesseraRequestContext>, maximumBodySize: Int) {
        IssuerRoutes(service: issuers, maximumBodySize: maximumBodySize).register(in: admin)
    }
}
