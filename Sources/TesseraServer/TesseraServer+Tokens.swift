import Foundation
import TesseraCore
import TesseraStore

extension TesseraServer {
    /// The OAuth token service: client authentication (assertions with replay protection, mTLS certificates when the
    /// TLS listener is on), Cedar issuance decisions, exceptions, and the token exchange and people's sign-in parts.
    static func tokenService(
        _ environment: ServerEnvironment, authorizer: (any IssuanceAuthorizer)?
    ) async throws -> (TokenService, FederationServices) {
        let configuration = environment.configuration
        let database = environment.database
        let replay = ReplayCache()
        replay.preload(try await database.tokenState.unexpiredReplayKeys(now: environment.clock.now()))
        let defaultAudience = configuration.defaultAudience ?? environment.issuer
        let verifier = ClientAssertionVerifier(
            identities: environment.inventory, replay: replay, clock: environment.clock,
            maximumLifetime: configuration.maximumAssertionLifetime, skew: configuration.clockSkew,
            jwtSVIDKeys: environment.jwtSVIDKeys,
            // Servers sharing PostgreSQL claim each assertion's jti in the database: accepted once cluster-wide.
            sharedReplay: database.sharedReplayStore, leases: database.tasks)
        var tokens = TokenService(
            configuration: configuration, issuer: environment.issuer, defaultAudience: defaultAudience, keys: environment.keys,
            verifier: verifier,
            authorizer: MeasuredAuthorizer(
                inner: riskAware(
                    authorizer
                        ?? CedarIssuanceAuthorizer(
                            engine: environment.policies, defaultAudiences: [defaultAudience],
                            departedOwners: environment.departedOwners), environment),
                metrics: environment.metrics),
            audit: environment.audit, tokenState: database.tokenState, tasks: database.tasks, clock: environment.clock,
            logger: environment.logger)
        if environment.tlsPort != nil { tokens.certificates = certificateAuthenticator(environment) }
        tokens.metrics = environment.metrics
        tokens.exceptions = ExceptionGate(repository: database.exceptions, audit: environment.audit, logger: environment.logger)
        let federation = try FederationServices.make(
            configuration: configuration, issuer: environment.issuer, keys: environment.keys, database: database,
            identities: environment.inventory, jwtSVIDKeys: environment.jwtSVIDKeys, audit: environment.audit,
            clock: environment.clock)
        tokens.exchangeServices = federation.exchange
        return (tokens, federation)
    }

    /// `inner` with the risk assessment in front, unless it is turned off.
    static func riskAware(_ inner: any IssuanceAuthorizer, _ environment: ServerEnvironment) -> any IssuanceAuthorizer {
        environment.configuration.risk.enabled ? RiskAwareAuthorizer(inner: inner, assessor: environment.risk) : inner
    }

    /// mTLS client authentication: X.509-SVIDs of this trust domain or a federated one, re-checked per request.
    private static func certificateAuthenticator(_ environment: ServerEnvironment) -> ClientCertificateAuthenticator {
        let trustDomain = environment.configuration.trustDomain
        let federatedRoots = environment.federatedRoots
        let trustState = environment.trustState
        var certificates = ClientCertificateAuthenticator(
            identities: environment.inventory, trustDomain: trustDomain, clock: environment.clock, federated: federatedRoots)
        certificates.chains = environment.verifiedChains
        certificates.leases = environment.database.tasks
        certificates.currentRoots = { domain in
            domain == trustDomain ? trustState.roots : await federatedRoots.roots(for: domain)
        }
        return certificates
    }
}
