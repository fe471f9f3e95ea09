import Crypto
import Foundation
import TesseraCrypto

/// The signing key of a stand-in external issuer (CI system, human IdP): mints JWTs it publishes in a JWKS.
struct ExternalIssuerKey: Sendable {
    let issuer: String
    let key: PrivateSigningKey
    let kid: String

    init(issuer: String, kid: String? = nil) {
        self.issuer = issuer
        let key = PrivateSigningKey.p256(P256.Signing.PrivateKey())
        self.key = key
        self.kid = kid ?? key.publicKey.jwk().kid ?? "k1"
    }

    /// The public JWK Set (`{"keys":[...]}`) as a JSON object.
    var jwks: [String: Any] {
        var jwk = key.publicKey.jwk()
        jwk.kid = kid
        let data = try! JSONEncoder().encode(JWKSet(keys: [jwk]))
        return try! JSONSerialization.jsonObject(with: data) as! [String: Any]
    }

    var jwksText: String { String(decoding: try! JSONSerialization.data(withJSONObject: jwks), as: UTF8.self) }

    /// A signed JWT with `iss`, `iat`, `exp` (+ `lifetime`) and a random `jti` added to `claims`.
    func mint(_ claims: [String: Any], now: Date, lifetime: TimeInterval = 300, kid: String? = nil) throws -> String {
        var all = claims
        all["iss"] = all["iss"] ?? issuer
        all["iat"] = all["iat"] ?? Int(now.timeIntervalSince1970)
        all["exp"] = all["exp"] ?? Int(now.timeIntervalSince1970 + lifetime)
        all["jti"] = all["jti"] ?? UUID().uuidString
        let body = String(decoding: try JSONSerialization.data(withJSONObject: all, options: [.sortedKeys]), as: UTF8.self)
        return try forgeJWS(header: #"{"alg":"ES256","typ":"JWT","kid":"\#(kid ?? self.kid)"}"#, claims: body, key: key)
    }
}

/// The claims of a compact JWT, unverified (tests read what the server issued).
func decodeClaims(_ token: String) -> [String: Any] {
    let parts = token.split(separator: ".")
    guard parts.count == 3, let data = Base64URL.decode(String(parts[1])),
        let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
    else { return [:] }
    return object
}
