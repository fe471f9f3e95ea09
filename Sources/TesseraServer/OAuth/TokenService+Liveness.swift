import Foundation
import TesseraCrypto

extension TokenService {
    /// Most Tessera tokens an exchanged token may descend from (`parent_jti`).
    static let maximumParents = 16

    /// Whether a genuine token was revoked, directly or through any Tessera token it was exchanged from
    /// (`parent_jti`): revoking a parent revokes every token derived from it, on every server.
    func isRevoked(_ claims: JWTClaims) async throws -> Bool {
        guard let jti = claims.jti else { return true }
        if try await tokenState.isRevoked(jti: jti) { return true }
        let parents = claims.parentJTIs ?? []
        guard parents.count <= Self.maximumParents else { return true }
        for parent in parents where try await tokenState.isRevoked(jti: parent) { return true }
        return false
    }
}
