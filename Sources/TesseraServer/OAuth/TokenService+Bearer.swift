import Foundation
import TesseraCrypto

extension TokenService {
    /// Authenticates a workload calling Tessera's own resource routes with one of Tessera's access tokens:
    /// genuine, unexpired and not revoked.
    func authenticateBearer(_ authorization: String?) async throws(ProblemDetails) -> JWTClaims {
        let unauthorized = ProblemDetails(
            .unauthorized, "Unauthorized", detail: "send a Tessera access token: Authorization: Bearer <token>")
        guard let token = BearerCredential.from(authorization, maximumLength: CompactJWS.maximumLength + 16),
            let claims = validator.validate(String(token)), let jti = claims.jti, let exp = claims.exp?.date,
            exp > clock.now()
        else { throw unauthorized }
        let revoked: Bool
        do {
            revoked = try await tokenState.isRevoked(jti: jti)
        } catch {
            throw ProblemDetails(.serviceUnavailable, "Unavailable", detail: "revocation state unavailable")
        }
        guard !revoked else { throw unauthorized }
        return claims
    }
}
