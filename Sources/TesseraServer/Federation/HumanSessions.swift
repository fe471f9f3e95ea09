import Foundation
import TesseraAudit
import TesseraCore
import TesseraCrypto
import TesseraStore

/// Short admin sessions for people signed in through the organisation's IdP. A session is a Tessera JWT
/// (`sub` = the person's ``HumanName`` key, `aud` = `<issuer>/v1`, `tessera_role`, and `email` only when
/// the IdP verified it), accepted by the admin API beside admin
/// tokens, revocable like any token, and usable as the subject of a delegation.
public struct HumanSessions: Sendable {
    let keys: KeyRing
    let issuer: String
    let clock: any TimeSource
    let ttl: Int
    let tokenState: any TokenStateRepository

    /// The audience of session tokens: the admin API.
    var audience: String { issuer + "/v1" }

    private struct RoleClaim: Decodable {
        let role: String?
        let email: String?
        enum CodingKeys: String, CodingKey {
            case role = "tessera_role"
            case email
        }
    }

    /// A signed session token for `human` with `role` (and a verified `email` to display), and its claims.
    func mint(human: String, role: AdminRole, email: String? = nil, now: Date) throws -> (
        token: String, jti: String, expiresAt: Date
    ) {
        let jti = RandomToken.base64URL(bytes: 18)
        let expiresAt = now.addingTimeInterval(TimeInterval(ttl))
        var json = JSONWriter()
        json.field("iss", issuer)
        json.field("sub", human)
        json.field("aud", audience)
        json.field("client_id", human)
        json.field("iat", Int(now.timeIntervalSince1970))
        json.field("nbf", Int(now.timeIntervalSince1970))
        json.field("exp", Int(expiresAt.timeIntervalSince1970))
        json.field("jti", jti)
        json.field("tessera_role", role.rawValue)
        if let email { json.field("email", email) }
        return (try keys.active.sign(claims: json.finish(), typ: "at+jwt"), jti, expiresAt)
    }

    /// The principal behind a session token, or `nil` when it is not a live session of this server.
    public func principal(_ token: String) async throws -> AdminPrincipal? {
        guard token.hasPrefix("ey"), let claims = AccessTokenValidator(keys: keys, issuer: issuer).validate(token),
            let sub = claims.sub, sub.hasPrefix("human:"), claims.aud?.values == [audience], let jti = claims.jti,
            let exp = claims.exp?.date, exp > clock.now(),
            let payload = try? CompactJWS(parsing: token).payload,
            let extra = try? JSONDecoder().decode(RoleClaim.self, from: payload),
            let role = extra.role, AdminRole(rawValue: role) != nil
        else { return nil }
        guard try await !tokenState.isRevoked(jti: jti) else { return nil }
        return AdminPrincipal(tokenID: sub, name: extra.email ?? String(sub.dropFirst("human:".count)), role: role)
    }
}
