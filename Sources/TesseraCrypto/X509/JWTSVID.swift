import Foundation
import TesseraCore

/// JWT-SVIDs per the SPIFFE JWT-SVID specification: compact JWS, `typ: JWT`, `sub` = SPIFFE ID,
/// `aud` and `exp` mandatory, plus `iat` and a `jti` so a single SVID can be tracked and revoked.
public enum JWTSVID {
    /// Longest JWT-SVID lifetime signed (1 hour).
    public static let maximumLifetime: TimeInterval = 3600
    /// Algorithms accepted on validation (the specification's RS/ES/PS families).
    static let acceptedAlgorithms: Set<JWSAlgorithm> = [.es256, .es384, .rs256, .ps256]

    /// A signed JWT-SVID.
    public struct Token: Sendable {
        public let token: String
        public let spiffeID: SPIFFEID
        public let jti: String
        public let expiresAt: Date
    }

    /// Signs a JWT-SVID for `spiffeID` with the trust domain's JWT key; `issuer` becomes `iss` when given.
    public static func sign(
        spiffeID: SPIFFEID, audience: [String], key: SigningKey, now: Date, ttl: TimeInterval, issuer: String? = nil
    ) throws -> Token {
        let audience = audience.filter { !$0.isEmpty }
        guard !audience.isEmpty, audience.count <= 16, audience.allSatisfy({ $0.utf8.count <= 512 }) else {
            throw TesseraCryptoError(.invalidSVID, "a JWT-SVID needs 1 to 16 audiences of at most 512 bytes")
        }
        let issuedAt = Int(now.timeIntervalSince1970)
        let expiresAt = issuedAt + Int(max(1, min(ttl, maximumLifetime)))
        let jti = RandomToken.hex(bytes: 16)
        var claims = JSONWriter()
        // `iss` only when the trust domain publishes a JWT-SVID issuer (OIDC discovery for outside relying parties).
        if let issuer { claims.field("iss", issuer) }
        claims.field("sub", spiffeID.description)
        claims.field("aud", audience)
        claims.field("exp", expiresAt)
        claims.field("iat", issuedAt)
        claims.field("jti", jti)
        let token = try key.sign(claims: claims.finish(), typ: "JWT")
        return Token(token: token, spiffeID: spiffeID, jti: jti, expiresAt: Date(timeIntervalSince1970: TimeInterval(expiresAt)))
    }

    /// What a valid JWT-SVID says.
    public struct Validated: Sendable {
        public let spiffeID: SPIFFEID
        /// The claim set as JSON, for callers that need every claim.
        public let claimsJSON: Data
        public let expiresAt: Date
    }

    /// Validates `token` for `audience` against the bundles of the trust domains known here (keyed by trust
    /// domain name): the bundle of the `sub`'s trust domain is the only one tried.
    public static func validate(
        _ token: String, audience: String, bundles: [String: SPIFFEBundle], now: Date, skew: TimeInterval = 30
    ) throws(TesseraCryptoError) -> Validated {
        let jws = try CompactJWS(parsing: token)
        guard acceptedAlgorithms.contains(jws.algorithm) else {
            throw TesseraCryptoError(.unsupportedAlgorithm, "JWT-SVIDs must use an RS, ES or PS algorithm")
        }
        if let typ = jws.header.typ, typ != "JWT", typ != "JOSE" {
            throw TesseraCryptoError(.invalidSVID, "JWT-SVID typ must be JWT or JOSE")
        }
        let claims = try JWTClaims.decode(jws.payload)
        guard let sub = claims.sub, let id = try? SPIFFEID(parsing: sub), !id.path.isEmpty else {
            throw TesseraCryptoError(.invalidSVID, "sub must be a workload SPIFFE ID")
        }
        guard let bundle = bundles[id.trustDomain], !bundle.jwtAuthorities.isEmpty else {
            throw TesseraCryptoError(.unknownKey, "no JWT authorities for trust domain \(id.trustDomain)")
        }
        try jws.verify(with: KeyedVerificationKey.from(JWKSet(keys: bundle.jwtAuthorities)))
        guard let exp = claims.exp?.date else { throw TesseraCryptoError(.invalidSVID, "exp is required") }
        guard now.timeIntervalSince(exp) < skew else { throw TesseraCryptoError(.invalidSVID, "JWT-SVID has expired") }
        guard let aud = claims.aud, !aud.values.isEmpty else { throw TesseraCryptoError(.invalidSVID, "aud is required") }
        guard aud.contains(audience) else {
            throw TesseraCryptoError(.invalidSVID, "JWT-SVID audience does not match")
        }
        return Validated(spiffeID: id, claimsJSON: jws.payload, expiresAt: exp)
    }
}
