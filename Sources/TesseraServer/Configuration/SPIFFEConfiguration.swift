import Foundation

/// Settings of the trust domain's workload identity (SPIFFE) services.
public struct SPIFFEConfiguration: Sendable {
    /// Lifetime of a generated CA (seconds). The CA rotates once half of it has passed (at start-up or on
    /// `POST /v1/spiffe/ca/rotate`); the previous root stays in the bundle until it expires.
    public var caLifetime: Int = 30 * 86_400
    /// PEM files of an operator's CA: when set, Tessera's CA is an intermediate signed by it.
    public var upstreamCertificatePath: String?
    public var upstreamKeyPath: String?
    /// X.509-SVID lifetime when an entry sets none (seconds).
    public var defaultX509TTL: Int = 3600
    /// JWT-SVID lifetime when an entry sets none (seconds).
    public var defaultJWTTTL: Int = 300
    /// Hard cap on any SVID lifetime (seconds).
    public var maximumSVIDTTL: Int = 86_400
    /// Lifetime of a node's own X.509-SVID (seconds).
    public var nodeSVIDTTL: Int = 3600
    /// Join tokens expire at most this long after they are issued (seconds).
    public var maximumJoinTokenTTL: Int = 86_400
    /// `spiffe_refresh_hint` of the bundle (seconds).
    public var bundleRefreshHint: Int = 300
    /// How often federated bundles are fetched again (seconds), unless their refresh hint is shorter.
    public var federationRefreshInterval: Int = 300
    /// Public issuer of JWT-SVIDs (SPIRE's `jwt_issuer`): when set, every JWT-SVID carries it as `iss`, and the
    /// server serves its OIDC discovery document and key set under `/jwt-svid/` (or `tessera federation publish`
    /// writes them as static files), so clouds, Vault/OpenBao and Kubernetes can verify JWT-SVIDs by discovery.
    public var jwtIssuer: String?

    public init() {}

    /// Checks the settings and that the JWT-SVID issuer differs from the OAuth issuer `issuer` (when known): one
    /// discovery document per issuer, so a relying party trusting one kind of token never accepts the other.
    public func validate(issuer: String?) throws(ServerError) {
        try validate()
        if let jwtIssuer, let issuer, IssuerURL.comparable(jwtIssuer) == IssuerURL.comparable(issuer) {
            throw ServerError(
                .configuration,
                "the JWT-SVID issuer must differ from the OAuth issuer (e.g. \(issuer)/jwt-svid): each has its own keys")
        }
    }

    /// Checks the settings; the messages say what to change.
    public func validate() throws(ServerError) {
        if let jwtIssuer { try IssuerURL.validate(jwtIssuer, what: "JWT-SVID issuer (--jwt-issuer)") }
        guard (3600...(10 * 365 * 86_400)).contains(caLifetime) else {
            throw ServerError(.configuration, "CA lifetime must be between 1 hour and 10 years")
        }
        guard (60...86_400).contains(maximumSVIDTTL) else {
            throw ServerError(.configuration, "maximum SVID TTL must be 60 seconds...24 hours")
        }
        guard (60...maximumSVIDTTL).contains(defaultX509TTL), (30...min(3600, maximumSVIDTTL)).contains(defaultJWTTTL),
            (60...maximumSVIDTTL).contains(nodeSVIDTTL)
        else {
            throw ServerError(.configuration, "SVID TTLs must be at least 60 s (JWT: 30 s) and at most the maximum SVID TTL")
        }
        guard (upstreamCertificatePath == nil) == (upstreamKeyPath == nil) else {
            throw ServerError(.configuration, "an upstream CA needs both a certificate and a key file")
        }
    }
}
