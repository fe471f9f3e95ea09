import Foundation

/// Settings of token exchange, trusted issuers, DPoP and human sessions (docs/federation.md).
public struct FederationConfiguration: Sendable {
    /// Most actors an exchanged token's `act` chain may hold (RFC 8693 §4.1); deeper exchanges are refused.
    public var maximumDelegationDepth: Int = 3
    /// Bound on each discovery / JWKS request to an external issuer (seconds).
    public var fetchTimeout: Double = 3
    /// Which addresses discovery, JWKS and IdP token requests may reach. Public addresses only by default;
    /// loopback and private issuers need `--federation-allow-private-networks` or `--federation-allow-network`.
    public var networkPolicy = FederationNetworkPolicy()
    /// Fetched keys are re-fetched after this long (seconds).
    public var keyRefreshInterval: Double = 300
    /// Fetched keys stay usable this long while the issuer's endpoint is down (seconds).
    public var maximumKeyAge: Double = 86_400
    /// At most one fetch per issuer in this interval, whether for an unknown `kid` or after a failure (seconds).
    public var minimumRefreshInterval: Double = 30
    /// A DPoP proof's `iat` may be at most this far from now (seconds); its `jti` is remembered that long.
    public var dpopWindow: Double = 120
    /// Lifetime of a human's admin session token (seconds).
    public var humanSessionTTL: Int = 900
    /// The organisation's IdP for people's sign-in (OIDC authorization code + PKCE); it must also be a trusted
    /// issuer of kind `human` (keys, audiences, group → role mappings).
    public var humanIdP: HumanIdPConfiguration? = nil

    public init() {}

    /// Checks the settings; the messages explain what to change.
    public func validate() throws(ServerError) {
        guard (1...10).contains(maximumDelegationDepth) else {
            throw ServerError(.configuration, "maximum delegation depth must be 1...10")
        }
        // Whole seconds: FoundationNetworking hands timeouts to libcurl, where sub-second values fail at once.
        guard fetchTimeout >= 1, fetchTimeout <= 30 else { throw ServerError(.configuration, "fetch timeout must be 1...30 s") }
        guard minimumRefreshInterval >= 1, keyRefreshInterval >= minimumRefreshInterval, maximumKeyAge >= keyRefreshInterval
        else {
            throw ServerError(.configuration, "key refresh intervals must satisfy 1 <= minimum <= refresh <= maximum age")
        }
        guard (10...600).contains(dpopWindow) else { throw ServerError(.configuration, "DPoP window must be 10...600 s") }
        guard (60...43_200).contains(humanSessionTTL) else {
            throw ServerError(.configuration, "human session TTL must be 60 s...12 h: human sessions are short")
        }
    }
}

/// The server's client registration at the organisation's IdP.
public struct HumanIdPConfiguration: Sendable {
    /// The IdP's issuer identifier (OIDC discovery at `<issuer>/.well-known/openid-configuration`).
    public var issuer: String
    public var clientID: String
    /// For confidential clients (`client_secret_post`); public clients rely on PKCE alone.
    public var clientSecret: String?
    /// What the console's button says ("Sign in with <name>"); the issuer's host when not set.
    public var name: String?

    public init(issuer: String, clientID: String, clientSecret: String? = nil, name: String? = nil) {
        self.issuer = issuer
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.name = name
    }

    /// The name people see on the console's sign-in button.
    public var displayName: String { name ?? URLComponents(string: issuer)?.host ?? issuer }
}
