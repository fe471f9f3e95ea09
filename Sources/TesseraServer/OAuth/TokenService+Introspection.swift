import Foundation
import TesseraAudit
import TesseraCore
import TesseraCrypto

/// Who is calling introspection or revocation.
public enum EndpointCaller: Sendable {
    case admin(AdminPrincipal)
    case client(AuthenticatedClient)

    var auditActor: String {
        switch self {
        case .admin(let principal): return principal.auditActor
        case .client(let client): return client.identity.clientID
        }
    }
}

extension TokenService {
    /// Authenticates a client at introspection or revocation with `private_key_jwt`.
    func authenticateCaller(_ form: FormBody, endpoint: String, remoteAddress: String? = nil) async throws(OAuthError)
        -> EndpointCaller
    {
        let client: AuthenticatedClient
        do {
            client = try await verifier.authenticate(form, audiences: [issuer, tokenEndpoint, issuer + endpoint])
        } catch {
            // Like the token endpoint: a refusal after the assertion verified is recorded (and the assertion's jti,
            // consumed in memory, is stored with the record so no restart revives it); one before is counted.
            await refuseClientAuthentication(
                error, grantType: nil, remoteAddress: remoteAddress, details: ["endpoint": .string(endpoint)])
            throw error.error
        }
        // The token endpoint persists an assertion's jti with its audit record; here nothing else would, and a
        // restart would forget it: claim it durably before answering, so it can never be used again anywhere.
        if !verifier.claimsDurably {
            let fresh: Bool
            do {
                fresh = try await tokenState.claimReplayKey(
                    ClientAssertionVerifier.replayKey(client: client.identity.clientID, jti: client.assertionJTI),
                    expiresAt: client.replayExpiry, now: clock.now())
            } catch {
                throw OAuthError(.temporarilyUnavailable, "replay protection unavailable", status: .serviceUnavailable)
            }
            guard fresh else { throw OAuthError(.invalidClient, "client assertion jti was already used (replay)") }
        }
        return .client(client)
    }

    /// `POST /oauth2/introspect` (RFC 7662). Inactive covers unknown, expired, revoked and foreign tokens.
    public func introspect(_ form: FormBody, caller: EndpointCaller) async throws(OAuthError) -> Data {
        guard let token = form.nonEmpty("token") else { throw OAuthError(.invalidRequest, "token is required") }
        var json = JSONWriter()
        guard let claims = validator.validate(token), let jti = claims.jti, let exp = claims.exp?.date,
            exp > clock.now()
        else {
            json.field("active", false)
            return json.finish()
        }
        let revoked: Bool
        do {
            revoked = try await isRevoked(claims)
        } catch {
            throw OAuthError(.temporarilyUnavailable, "revocation state unavailable", status: .serviceUnavailable)
        }
        guard !revoked else {
            json.field("active", false)
            return json.finish()
        }
        json.field("active", true)
        json.field("token_type", claims.cnf?.jkt == nil ? "Bearer" : "DPoP")
        if let scope = claims.scope { json.field("scope", scope) }
        if let clientID = claims.clientID { json.field("client_id", clientID) }
        if let sub = claims.sub { json.field("sub", sub) }
        if let aud = claims.aud?.values { json.field("aud", aud.count == 1 ? [aud[0]] : aud) }
        if let iss = claims.iss { json.field("iss", iss) }
        json.field("exp", Int(exp.timeIntervalSince1970))
        if let iat = claims.iat?.date { json.field("iat", Int(iat.timeIntervalSince1970)) }
        if let nbf = claims.nbf?.date { json.field("nbf", Int(nbf.timeIntervalSince1970)) }
        json.field("jti", jti)
        if let taskID = claims.taskID { json.field("task_id", taskID) }
        if let confirmation = claims.cnf, confirmation.x5tS256 != nil || confirmation.jkt != nil {
            var cnf = JSONWriter()
            if let thumbprint = confirmation.x5tS256 { cnf.field("x5t#S256", thumbprint) }
            if let jkt = confirmation.jkt { cnf.field("jkt", jkt) }
            json.rawField("cnf", json: String(decoding: cnf.finish(), as: UTF8.self))
        }
        if let act = claims.act?.json() { json.rawField("act", json: act) }
        return json.finish()
    }

    /// `POST /oauth2/revoke` (RFC 7009). A client may revoke its own tokens; an administrator any token.
    /// Unknown or invalid tokens succeed silently, as the RFC requires.
    public func revoke(_ form: FormBody, caller: EndpointCaller) async throws(OAuthError) {
        guard let token = form.nonEmpty("token") else { throw OAuthError(.invalidRequest, "token is required") }
        guard let claims = validator.validate(token), let jti = claims.jti, let exp = claims.exp?.date,
            exp > clock.now()
        else { return }
        if case .client(let client) = caller, claims.clientID != client.identity.clientID {
            // RFC 7009 §2.1: the token was not issued to this client.
            throw OAuthError(.unauthorizedClient, "this token was not issued to the calling client")
        }
        try await revoke(jti: jti, expiresAt: exp, subject: claims.sub, actor: caller.auditActor, reason: "revocation request")
    }

    /// Revokes one token id and audits it; the record is durable before this returns.
    func revoke(jti: String, expiresAt: Date, subject: String?, actor: String, reason: String) async throws(OAuthError) {
        do {
            try await tokenState.revoke(jti: jti, expiresAt: expiresAt, reason: reason, at: clock.now())
            try await audit.append(
                AuditEvent(
                    type: AuditEventType.tokenRevoked, outcome: .success, actor: actor, subject: subject, reason: reason,
                    details: ["jti": .string(jti), "exp": .int(Int64(expiresAt.timeIntervalSince1970))]))
        } catch {
            throw OAuthError(.temporarilyUnavailable, "revocation could not be recorded", status: .serviceUnavailable)
        }
    }
}
