import Crypto
import Foundation
import TesseraCore
import TesseraCrypto
import TesseraStore

extension OAuthError.Code {
    /// RFC 9449 §5: the DPoP proof is missing, malformed, replayed or does not fit the request.
    public static let invalidDPoPProof = OAuthError.Code(rawValue: "invalid_dpop_proof")
}

/// Verifies DPoP proofs (RFC 9449 §4.3) at the token endpoint: explicit `typ: dpop+jwt`, an asymmetric
/// algorithm bound to the public `jwk` in the header, `htm`/`htu` of this request, `iat` inside a bounded
/// window, and a `jti` never seen before in that window. `ath` is checked when a token is presented with it.
public struct DPoPVerifier: Sendable {
    /// Longest proof accepted.
    public static let maximumLength = 8 * 1024

    let replay: ReplayCache
    /// Where a proof's `jti` is claimed for every server sharing the storage (PostgreSQL); `nil` when alone.
    var sharedReplay: (any TokenStateRepository)? = nil
    let clock: any TimeSource
    /// Proofs older or newer than this are refused (seconds); their `jti`s are remembered that long.
    let window: TimeInterval
    let skew: TimeInterval

    /// A verified proof: the key thumbprint a token will be bound to.
    public struct Proof: Sendable {
        /// RFC 7638 thumbprint of the proof key (`cnf.jkt`).
        public let jkt: String
        public let jti: String
        /// The key under which the `jti` is remembered, and until when.
        let replayKey: String
        let replayExpiry: Date
    }

    private struct Header: Decodable {
        let jwk: JWK?
    }

    private struct Claims: Decodable {
        let htm: String?
        let htu: String?
        let iat: JWTClaims.NumericDate?
        let jti: String?
        let ath: String?
    }

    /// Verifies `proof` for `method` on one of `urls` (the endpoint's public URLs). With `accessToken`, the
    /// proof's `ath` must be the token's hash.
    public func verify(_ proof: String, method: String, urls: [String], accessToken: String? = nil) throws(OAuthError) -> Proof {
        func fail(_ reason: String) -> OAuthError { OAuthError(.invalidDPoPProof, "DPoP proof: \(reason)") }
        guard proof.utf8.count <= Self.maximumLength else { throw fail("longer than \(Self.maximumLength) bytes") }
        let jws: CompactJWS
        do {
            jws = try CompactJWS(parsing: proof)
        } catch {
            throw fail(error.reason)
        }
        guard jws.header.typ?.lowercased() == "dpop+jwt" else { throw fail("typ must be dpop+jwt") }
        let headerPart = proof.prefix { $0 != "." }
        guard let headerBytes = Base64URL.decode(String(headerPart)),
            let jwk = (try? JSONDecoder().decode(Header.self, from: headerBytes))?.jwk
        else { throw fail("the header must carry the public key as jwk") }
        guard jwk.d == nil else { throw fail("the jwk in the header must be a public key") }
        let key: VerificationKey
        do {
            key = try VerificationKey(jwk: jwk)
        } catch {
            throw fail("unusable jwk: \(error.reason)")
        }
        guard key.algorithms.contains(jws.algorithm) else { throw fail("alg does not match the jwk's key type") }
        guard key.verify(signature: jws.signature, signingInput: jws.signingInput, algorithm: jws.algorithm) else {
            throw fail("signature does not verify with the jwk in its header")
        }
        guard let claims = try? JSONDecoder().decode(Claims.self, from: jws.payload) else {
            throw fail("the claim set is not a JSON object with well-typed claims")
        }
        guard claims.htm == method else { throw fail("htm must be \(method)") }
        guard let htu = claims.htu, urls.contains(where: { Self.sameURL(htu, $0) }) else {
            throw fail("htu must be this endpoint's URL")
        }
        let now = clock.now()
        guard let iat = claims.iat?.date else { throw fail("iat is required") }
        guard iat <= now.addingTimeInterval(skew), iat >= now.addingTimeInterval(-(window + skew)) else {
            throw fail("iat is outside the accepted window of \(Int(window)) s")
        }
        guard let jti = claims.jti, !jti.isEmpty, jti.utf8.count <= 256 else { throw fail("jti is required (at most 256 bytes)") }
        if let accessToken {
            let hash = Base64URL.encode(Data(SHA256.hash(data: Data(accessToken.utf8))))
            guard claims.ath == hash else { throw fail("ath must be the hash of the presented token") }
        }
        let jkt = JWKThumbprint.compute(jwk)
        let replayKey = "dpop|\(jkt)|\(jti)"
        let replayExpiry = iat.addingTimeInterval(window + 2 * skew)
        guard replay.insert(replayKey, expiresAt: replayExpiry, now: now) else {
            throw fail("jti was already used (replay)")
        }
        return Proof(jkt: jkt, jti: jti, replayKey: replayKey, replayExpiry: replayExpiry)
    }

    /// Claims a verified proof's `jti` for every server sharing the storage (after `verify` let it through
    /// the local cache); a no-op when this server is alone on its database.
    func claimShared(_ proof: Proof) async throws(OAuthError) {
        guard let sharedReplay else { return }
        try await claim(proof, in: sharedReplay)
    }

    /// Claims a verified proof's `jti` durably in `store` even when this server is alone on its database: on
    /// Tessera's own resource routes nothing else stores it, and a proof replayed after a restart within its
    /// window would otherwise pass (docs/threat-model.md). The shared store when there is one.
    func claimDurably(_ proof: Proof, in store: any TokenStateRepository) async throws(OAuthError) {
        try await claim(proof, in: sharedReplay ?? store)
    }

    private func claim(_ proof: Proof, in store: any TokenStateRepository) async throws(OAuthError) {
        let fresh: Bool
        do {
            fresh = try await store.claimReplayKey(proof.replayKey, expiresAt: proof.replayExpiry, now: clock.now())
        } catch {
            throw OAuthError(.temporarilyUnavailable, "replay protection unavailable", status: .serviceUnavailable)
        }
        guard fresh else { throw OAuthError(.invalidDPoPProof, "DPoP proof: jti was already used (replay)") }
    }

    /// RFC 9449 §4.3: compare without query and fragment; scheme and host case-insensitively.
    static func sameURL(_ a: String, _ b: String) -> Bool {
        guard let x = URLComponents(string: a), let y = URLComponents(string: b) else { return false }
        func port(_ c: URLComponents) -> Int? { c.port ?? (c.scheme?.lowercased() == "https" ? 443 : 80) }
        return x.scheme?.lowercased() == y.scheme?.lowercased() && x.host?.lowercased() == y.host?.lowercased()
            && port(x) == port(y) && (x.path.isEmpty ? "/" : x.path) == (y.path.isEmpty ? "/" : y.path)
    }
}
