import TesseraCrypto

/// Algorithms and rotation of the trust domain's two JWT signing keys: the access-token key (the issuer's JWKS)
/// and the JWT-SVID key (the bundle, and the JWT-SVID issuer's JWKS when one is configured).
public struct SigningKeyConfiguration: Sendable {
    /// Algorithm of new access-token keys: ES256 (default) or RS256.
    public var accessTokenAlgorithm: JWSAlgorithm = .es256
    /// Algorithm of new JWT-SVID keys: ES256 (default) or RS256.
    public var jwtSVIDAlgorithm: JWSAlgorithm = .es256
    /// How long a scheduled rotation publishes the next key before it signs (seconds). Relying parties cache key
    /// sets (Tessera serves them with `max-age=300`); a key they have cached is never unknown to them. An algorithm
    /// change in the configuration is such a rotation, started at the next start-up.
    public var prepublish: Int = 3600
    /// How often a server checks whether a published next key is due to sign (seconds).
    public var promotionCheckInterval: Int = 15

    public init() {}

    /// The configured algorithm of `purpose`.
    public func algorithm(for purpose: SigningKeyPurpose) -> JWSAlgorithm {
        switch purpose {
        case .accessToken: return accessTokenAlgorithm
        case .jwtSVID: return jwtSVIDAlgorithm
        }
    }

    /// Checks the settings; the messages say what to change.
    public func validate() throws(ServerError) {
        for algorithm in [accessTokenAlgorithm, jwtSVIDAlgorithm] where !SigningKey.supportedAlgorithms.contains(algorithm) {
            throw ServerError(.configuration, "signing keys are ES256 or RS256, not \(algorithm.rawValue)")
        }
        guard (0...(30 * 86_400)).contains(prepublish) else {
            throw ServerError(.configuration, "key pre-publication must be 0 seconds...30 days")
        }
        guard (1...3600).contains(promotionCheckInterval) else {
            throw ServerError(.configuration, "key promotion check interval must be 1...3600 seconds")
        }
    }
}

/// What a trust-domain signing key signs (the `purpose` column of `signing_keys`).
public enum SigningKeyPurpose: String, Sendable, CaseIterable {
    /// RFC 9068 access tokens, published at the issuer's JWKS.
    case accessToken = "jwt"
    /// JWT-SVIDs, published in the trust bundle.
    case jwtSVID = "jwt-svid"

    /// The name operators use (`tessera keys rotate --purpose`).
    public var label: String {
        switch self {
        case .accessToken: return "access-token"
        case .jwtSVID: return "jwt-svid"
        }
    }

    public init?(label: String) {
        switch label {
        case "access-token", "jwt": self = .accessToken
        case "jwt-svid": self = .jwtSVID
        default: return nil
        }
    }
}
