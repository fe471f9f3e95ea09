import Foundation
import TesseraCore
import TesseraCrypto

/// The claims of an RFC 9068 access token this server issues.
public struct AccessToken: Sendable, Equatable {
    public let issuer: String
    public let subject: String
    public let audience: String
    public let clientID: String
    public let scopes: [String]
    public let issuedAt: Date
    public let expiresAt: Date
    public let jti: String
    /// The task the token was issued for (`task_id` claim).
    public var taskID: String? = nil
    /// RFC 8705 certificate binding: `base64url(SHA-256(DER))` of the client certificate (`cnf.x5t#S256`).
    public var certificateThumbprint: String? = nil
    /// RFC 9449 DPoP binding: RFC 7638 thumbprint of the proof key (`cnf.jkt`).
    public var dpopThumbprint: String? = nil
    /// RFC 8693 delegation chain (`act`), outermost actor first; empty when nobody acts for the subject.
    public var actors: [String] = []
    /// RFC 8693 `may_act`: the only workload that may act for the subject (delegation tokens).
    public var mayActSubject: String? = nil
    /// The Tessera tokens this one was exchanged from (`parent_jti`), nearest first: revoking one revokes this.
    public var parentJTIs: [String] = []

    /// The claim set, serialized.
    public func claims() -> Data {
        var json = JSONWriter()
        json.field("iss", issuer)
        json.field("sub", subject)
        json.field("aud", audience)
        json.field("client_id", clientID)
        if !scopes.isEmpty { json.field("scope", scopes.joined(separator: " ")) }
        json.field("iat", Int(issuedAt.timeIntervalSince1970))
        json.field("nbf", Int(issuedAt.timeIntervalSince1970))
        json.field("exp", Int(expiresAt.timeIntervalSince1970))
        json.field("jti", jti)
        if let taskID { json.field("task_id", taskID) }
        if certificateThumbprint != nil || dpopThumbprint != nil {
            var cnf = JSONWriter()
            if let certificateThumbprint { cnf.field("x5t#S256", certificateThumbprint) }
            if let dpopThumbprint { cnf.field("jkt", dpopThumbprint) }
            json.rawField("cnf", json: String(decoding: cnf.finish(), as: UTF8.self))
        }
        if let act = ActorChain(subjects: actors).json() { json.rawField("act", json: act) }
        if !parentJTIs.isEmpty { json.field("parent_jti", parentJTIs) }
        if let mayActSubject {
            var mayAct = JSONWriter()
            mayAct.field("sub", mayActSubject)
            json.rawField("may_act", json: String(decoding: mayAct.finish(), as: UTF8.self))
        }
        return json.finish()
    }
}

/// Checks that a token is one this server issued: `typ: at+jwt`, ES256 or RS256 (matching the key), a published
/// `kid`, our `iss`.
public struct AccessTokenValidator: Sendable {
    public let keys: KeyRing
    public let issuer: String

    /// Claims of a genuine token (expiry is checked by the caller, who knows what "active" means to it).
    public func validate(_ token: String) -> JWTClaims? {
        guard let jws = try? CompactJWS(parsing: token), SigningKey.supportedAlgorithms.contains(jws.algorithm),
            jws.header.typ?.lowercased() == "at+jwt", jws.header.kid != nil,
            (try? jws.verify(with: keys.verificationKeys)) != nil,
            let claims = try? JWTClaims.decode(jws.payload), claims.iss == issuer, claims.jti != nil,
            claims.exp != nil
        else { return nil }
        return claims
    }
}
