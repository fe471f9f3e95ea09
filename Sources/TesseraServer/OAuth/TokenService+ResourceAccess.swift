import Crypto
import Foundation
import Hummingbird
import TesseraCrypto

/// What a request to one of Tessera's own resource routes presents: its token, DPoP proofs, and the TLS client
/// certificate of the connection.
struct ResourceRequest: Sendable {
    let authorization: String?
    let dpopProofs: [String]
    let method: String
    let path: String
    let clientCertificate: [UInt8]?

    init(authorization: String?, dpopProofs: [String] = [], method: String, path: String, clientCertificate: [UInt8]? = nil) {
        self.authorization = authorization
        self.dpopProofs = dpopProofs
        self.method = method
        self.path = path
        self.clientCertificate = clientCertificate
    }

    /// The presentation of `request` on `context`'s connection.
    init(_ request: Request, context: TesseraRequestContext) async {
        self.init(
            authorization: request.headers[.authorization], dpopProofs: request.headers[values: .init("DPoP")!],
            method: request.method.rawValue, path: request.uri.path, clientCertificate: await context.clientCertificate())
    }
}

extension TokenService {
    /// The audiences that name Tessera itself: the issuer and any configured resource identifier.
    var ownAudiences: Set<String> { Set([issuer] + configuration.resourceIdentifiers) }

    /// Authenticates a workload calling Tessera's own resource routes with one of Tessera's access tokens:
    /// genuine, unexpired, not revoked (nor any token it was exchanged from), minted for Tessera itself (`aud`),
    /// and presented with the proof its sender constraint asks for: a DPoP proof for this method and URL, with
    /// `ath` and a fresh `jti`, for `cnf.jkt` (RFC 9449 §7); the TLS client certificate for `cnf.x5t#S256`
    /// (RFC 8705 §3).
    func authenticateResource(_ presented: ResourceRequest) async throws(ProblemDetails) -> JWTClaims {
        func refuse(_ detail: String) -> ProblemDetails { ProblemDetails(.unauthorized, "Unauthorized", detail: detail) }
        guard let authorization = presented.authorization, authorization.utf8.count <= CompactJWS.maximumLength + 16 else {
            throw refuse("send a Tessera access token: Authorization: Bearer <token> (or DPoP <token> with its proof)")
        }
        let parts = authorization.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, ["bearer", "dpop"].contains(parts[0].lowercased()) else {
            throw refuse("send a Tessera access token: Authorization: Bearer <token> (or DPoP <token> with its proof)")
        }
        let scheme = parts[0].lowercased()
        // Blanks around the token are ASCII (a JWS is ASCII; anything else fails validation).
        let token = String(Substring(parts[1].utf8.trimmingASCIIBlanks))
        guard let claims = validator.validate(token), let exp = claims.exp?.date, exp > clock.now() else {
            throw refuse("the access token is not a genuine, unexpired Tessera token")
        }
        guard let audience = claims.aud?.values, audience.contains(where: ownAudiences.contains) else {
            throw refuse("the access token was not issued for Tessera (aud): request one with audience \(issuer)")
        }
        let revoked: Bool
        do {
            revoked = try await isRevoked(claims)
        } catch {
            throw ProblemDetails(.serviceUnavailable, "Unavailable", detail: "revocation state unavailable")
        }
        guard !revoked else { throw refuse("the access token was revoked") }
        if let jkt = claims.cnf?.jkt {
            guard scheme == "dpop" else {
                throw refuse("the access token is DPoP-bound: send Authorization: DPoP <token> and a DPoP proof")
            }
            guard presented.dpopProofs.count == 1, let services = exchangeServices else {
                throw refuse("the access token is DPoP-bound: send exactly one DPoP proof header")
            }
            let proof: DPoPVerifier.Proof
            do {
                proof = try services.dpop.verify(
                    presented.dpopProofs[0], method: presented.method, urls: [issuer + presented.path], accessToken: token)
                try await services.dpop.claimDurably(proof, in: tokenState)
            } catch {
                throw refuse(error.description)
            }
            guard proof.jkt == jkt else { throw refuse("the DPoP proof is not signed with the key the token is bound to") }
        } else if scheme == "dpop" {
            throw refuse("the access token is not DPoP-bound: send it as Authorization: Bearer")
        }
        if let thumbprint = claims.cnf?.x5tS256 {
            guard let certificate = presented.clientCertificate,
                ClientCertificateAuthenticator.thumbprint(of: certificate) == thumbprint
            else {
                throw refuse("the access token is bound to a client certificate (cnf.x5t#S256): present it over mTLS")
            }
        }
        return claims
    }
}
