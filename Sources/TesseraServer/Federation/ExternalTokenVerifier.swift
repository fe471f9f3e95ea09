import Foundation
import TesseraCore
import TesseraCrypto
import TesseraStore

/// A token from a trusted external issuer whose signature, audience and lifetime were checked.
struct VerifiedExternalToken: Sendable {
    let issuer: TrustedIssuer
    let claims: JWTClaims
    let flat: ExternalClaims
    let subject: String
    let expiresAt: Date
}

/// Verifies JWTs from trusted external issuers (RFC 7519, RFC 8725): issuer configured, signature by one of
/// its keys (alg bound to the key type, `kid` must match), `aud` one the issuer is trusted for, `exp`
/// required, `nbf`/`iat` not in the future (bounded skew). External tokens never carry a delegation chain.
struct ExternalTokenVerifier: Sendable {
    let issuers: any TrustedIssuerRepository
    let keys: IssuerKeyCache
    let clock: any TimeSource
    let skew: TimeInterval

    /// The trusted issuer named by `iss`, or `nil`.
    func trusted(_ iss: String) async throws(OAuthError) -> TrustedIssuer? {
        guard iss.utf8.count <= 512 else { return nil }
        do {
            return try await issuers.get(issuer: iss)
        } catch {
            throw OAuthError(.temporarilyUnavailable, "trusted issuer store unavailable", status: .serviceUnavailable)
        }
    }

    func verify(_ jws: CompactJWS, claims: JWTClaims, issuer: TrustedIssuer, role: String) async throws(OAuthError)
        -> VerifiedExternalToken
    {
        func fail(_ reason: String) -> OAuthError { OAuthError(.invalidRequest, "\(role): \(reason)") }
        if let typ = jws.header.typ?.lowercased(), typ == "dpop+jwt" || typ == "client-authentication+jwt" {
            throw fail("a token of type \(typ) cannot be exchanged")
        }
        let candidates: [KeyedVerificationKey]
        do {
            candidates = try await keys.keys(for: issuer, kid: jws.header.kid)
        } catch {
            throw OAuthError(.temporarilyUnavailable, "\(role): \(error.description)", status: .serviceUnavailable)
        }
        do {
            try jws.verify(with: candidates)
        } catch {
            throw fail("signature is not valid for the keys of \(issuer.issuer.prefix(200)): \(error.reason)")
        }
        guard let aud = claims.aud, aud.values.contains(where: issuer.audiences.contains) else {
            throw OAuthError(
                .invalidTarget, "\(role): aud is not an audience this server accepts from \(issuer.issuer.prefix(200))")
        }
        let now = clock.now()
        guard let exp = claims.exp?.date else { throw fail("exp is required") }
        guard exp.addingTimeInterval(skew) > now else { throw fail("the token has expired") }
        if let nbf = claims.nbf?.date, nbf > now.addingTimeInterval(skew) { throw fail("the token is not valid yet (nbf)") }
        if let iat = claims.iat?.date, iat > now.addingTimeInterval(skew) { throw fail("the token was issued in the future") }
        guard let subject = claims.sub, !subject.isEmpty, subject.utf8.count <= 512 else { throw fail("sub is required") }
        guard claims.act == nil else {
            throw fail("an external token may not carry act: delegation chains come only from Tessera's own tokens")
        }
        guard let flat = ExternalClaims(payload: jws.payload) else { throw fail("the claim set is not a JSON object") }
        return VerifiedExternalToken(issuer: issuer, claims: claims, flat: flat, subject: subject, expiresAt: exp)
    }
}
