import Foundation
import TesseraCore
import TesseraCrypto
import TesseraStore

/// What the token endpoint needs for token exchange (RFC 8693) and DPoP (RFC 9449).
public struct TokenExchangeServices: Sendable {
    let configuration: FederationConfiguration
    let external: ExternalTokenVerifier
    let identities: any IdentityRepository
    let jwtSVIDKeys: JWTSVIDKeySource
    var dpop: DPoPVerifier

    public init(
        configuration: FederationConfiguration, issuers: any TrustedIssuerRepository, keys: IssuerKeyCache,
        identities: any IdentityRepository, jwtSVIDKeys: JWTSVIDKeySource, clock: any TimeSource, skew: Int
    ) {
        self.configuration = configuration
        self.external = ExternalTokenVerifier(issuers: issuers, keys: keys, clock: clock, skew: TimeInterval(skew))
        self.identities = identities
        self.jwtSVIDKeys = jwtSVIDKeys
        self.dpop = DPoPVerifier(
            replay: ReplayCache(), clock: clock, window: configuration.dpopWindow, skew: TimeInterval(skew))
    }
}

/// One side of a token exchange (the subject, or the actor) after its token was verified.
struct ExchangeParty: Sendable {
    enum Kind: String, Sendable {
        case workload
        case human
    }

    /// `sub` of the presented token: a SPIFFE ID or `human:<name>`.
    let subject: String
    /// The inventory identity, for workloads.
    let identity: Identity?
    let kind: Kind
    /// The `act` chain the token already carries (Tessera tokens only), outermost first.
    var chain: [String] = []
    /// The scopes the token carries (Tessera tokens); `nil` when the token grants no Tessera scope itself.
    var scopes: [String]? = nil
    let expiresAt: Date
    var taskID: String? = nil
    var jti: String? = nil
    /// `iss` of the token (Tessera's issuer, an external issuer, or `spiffe://<trust domain>`).
    let sourceIssuer: String
    var mappingRule: String = ""
    var claims: ExternalClaims? = nil
    var mayAct: MayAct? = nil
    /// `cnf.jkt` of a DPoP-bound Tessera token.
    var dpopThumbprint: String? = nil
    var certificateThumbprint: String? = nil
    var audience: [String] = []
    /// `client_id` of a Tessera token: who holds it.
    var clientID: String? = nil
    /// The client assertion used as the token (its `jti` is persisted with the audit record).
    var assertion: AuthenticatedClient? = nil
    /// A further client assertion the same workload authenticated with in this request (an actor assertion and a
    /// `client_assertion`): single-use too, so it is persisted with the record as well.
    var alsoVerified: AuthenticatedClient? = nil
    /// The Tessera tokens a Tessera token was exchanged from (`parent_jti`), nearest first.
    var parentJTIs: [String] = []

    /// Whoever currently holds the token: its outermost actor, else its client, else its subject.
    var holder: String { chain.first ?? clientID ?? subject }
}

extension FormBody {
    /// A form with the given parameters (to verify a token as a client assertion).
    init(values: [String: String]) { self.values = values }
}
