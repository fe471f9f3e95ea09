import Crypto
import Foundation
import TesseraCore
import X509

/// How an agent proves, on every call after attestation, that it holds its node X.509-SVID: a short-lived
/// compact JWS (`typ: tessera-node-proof+jwt`, ES256) signed with the SVID's private key, carrying the SVID
/// chain in `x5c`, `sub` = the node's SPIFFE ID and `aud` = the server's agent API. A proof is bound to one
/// request (`htm` method, `htu` agent API path, `bh` base64url SHA-256 of the body) and carries a `jti` the
/// server accepts once.
public enum NodeProof {
    public static let type = "tessera-node-proof+jwt"
    /// Longest accepted proof lifetime (seconds).
    public static let maximumLifetime: TimeInterval = 120

    /// The request a proof is for: HTTP method, agent API path (`/agent/v1/entries`, no query) and body hash.
    public struct Binding: Sendable, Equatable {
        public let method: String
        public let path: String
        /// base64url SHA-256 of the request body (of no bytes for a request without one).
        public let bodyHash: String

        public init(method: String, path: String, body: Data) {
            self.method = method.uppercased()
            self.path = path
            self.bodyHash = Base64URL.encode(Data(SHA256.hash(data: body)))
        }
    }

    /// A verified proof: the node's SPIFFE ID, and the `jti` and expiry to remember against replay.
    public struct Verified: Sendable, Equatable {
        public let spiffeID: SPIFFEID
        public let jti: String
        public let expiresAt: Date
    }

    /// Signs a proof with `key` for the SVID `chain` (leaf first), for the request `binding`.
    public static func sign(
        key: P256.Signing.PrivateKey, chain: [Certificate], audience: String, binding: Binding, now: Date,
        lifetime: TimeInterval = 60
    ) throws -> String {
        guard let leaf = chain.first else { throw TesseraCryptoError(.invalidSVID, "no node SVID") }
        let id = try X509SVIDVerifier.spiffeID(ofLeaf: leaf)
        var header = JSONWriter()
        header.field("alg", "ES256")
        header.field("typ", type)
        header.field("x5c", try chain.map { Data(try $0.derBytes()).base64EncodedString() })
        var claims = JSONWriter()
        claims.field("sub", id.description)
        claims.field("aud", audience)
        claims.field("iat", Int(now.timeIntervalSince1970))
        claims.field("exp", Int(now.timeIntervalSince1970 + min(lifetime, maximumLifetime)))
        claims.field("jti", RandomToken.hex(bytes: 16))
        claims.field("htm", binding.method)
        claims.field("htu", binding.path)
        claims.field("bh", binding.bodyHash)
        let input = Base64URL.encode(header.finish()) + "." + Base64URL.encode(claims.finish())
        let signature = try key.signature(for: SHA256.hash(data: Data(input.utf8)))
        return input + "." + Base64URL.encode(signature.rawRepresentation)
    }

    /// Verifies a proof against the trust domain's X.509 authorities and the request it arrived with.
    /// The caller must still refuse a `jti` it has seen before (until `expiresAt`). `chains`: node SVID chains already
    /// verified (the same agent sends the same chain with every proof).
    public static func verify(
        _ token: String, authorities: [Certificate], audience: String, binding: Binding, now: Date, skew: TimeInterval = 30,
        chains: VerifiedSVIDChains? = nil
    ) throws(TesseraCryptoError) -> Verified {
        let jws = try CompactJWS(parsing: token)
        guard jws.algorithm == .es256, jws.header.typ == type else {
            throw TesseraCryptoError(.malformedJWS, "not a node proof (typ \(type), ES256)")
        }
        let headerPart = token.prefix(while: { $0 != "." })
        guard let headerBytes = Base64URL.decode(String(headerPart)),
            let x5c = try? JOSEObject(parsing: headerBytes, what: "the JWS header").strings("x5c"), !x5c.isEmpty,
            x5c.count <= 4
        else {
            throw TesseraCryptoError(.malformedJWS, "node proof carries no x5c chain")
        }
        let (id, key) =
            if let chains {
                try chains.verify(x5c: x5c, authorities: authorities, now: now)
            } else {
                try VerifiedSVIDChains.verifyInFull(x5c: x5c, authorities: authorities, now: now)
            }
        try jws.verify(with: [KeyedVerificationKey(kid: nil, key: key)])
        let (claims, object) = try JWTClaims.decodeWithObject(jws.payload)
        guard claims.sub == id.description else { throw TesseraCryptoError(.invalidSVID, "proof sub does not match the SVID") }
        guard let aud = claims.aud, aud.values == [audience] else {
            throw TesseraCryptoError(.invalidSVID, "proof audience does not match this server")
        }
        guard let exp = claims.exp?.date, let iat = claims.iat?.date, now.timeIntervalSince(exp) < skew,
            exp.timeIntervalSince(iat) <= maximumLifetime, iat.timeIntervalSince(now) < skew
        else {
            throw TesseraCryptoError(.invalidSVID, "proof is expired, not yet valid or too long-lived")
        }
        guard let jti = claims.jti, !jti.isEmpty, jti.utf8.count <= 128 else {
            throw TesseraCryptoError(.invalidSVID, "proof carries no jti")
        }
        guard (try? object.string("htm")) == binding.method, (try? object.string("htu")) == binding.path,
            (try? object.string("bh")) == binding.bodyHash
        else {
            throw TesseraCryptoError(.invalidSVID, "proof is not for this request (htm, htu and bh must match)")
        }
        return Verified(spiffeID: id, jti: jti, expiresAt: exp.addingTimeInterval(skew))
    }
}
