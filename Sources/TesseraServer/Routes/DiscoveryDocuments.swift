import Foundation
import TesseraCore
import TesseraCrypto

/// The discovery documents relying parties outside Tessera resolve: OpenID Connect discovery for the OAuth issuer
/// (access tokens) and for the JWT-SVID issuer, and the key sets they name. Public keys only, small, cacheable.
public enum DiscoveryDocuments {
    /// Claims access tokens carry (RFC 9068 and Tessera's own).
    static let accessTokenClaims = [
        "iss", "sub", "aud", "exp", "iat", "nbf", "jti", "client_id", "scope", "task_id", "cnf", "act", "may_act", "parent_jti",
    ]
    /// Claims JWT-SVIDs carry.
    static let jwtSVIDClaims = ["iss", "sub", "aud", "exp", "iat", "jti"]

    /// `GET /.well-known/openid-configuration` of the OAuth issuer: the RFC 8414 metadata plus the OpenID Connect
    /// discovery fields a relying party needs to verify access tokens with nothing but the issuer URL.
    static func openIDConfiguration(metadata: Data, algorithms: [String]) -> Data {
        guard var object = (try? JSONSerialization.jsonObject(with: metadata)) as? [String: Any] else { return metadata }
        object["response_types_supported"] = ["id_token"]
        object["subject_types_supported"] = ["public"]
        object["id_token_signing_alg_values_supported"] = algorithms
        object["claims_supported"] = accessTokenClaims
        return (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? metadata
    }

    /// The OpenID Connect discovery document of the JWT-SVID issuer (what SPIRE's OIDC discovery provider serves):
    /// `jwks_uri` is `<issuer>/keys`.
    public static func jwtSVIDConfiguration(issuer: String, algorithms: [String]) -> Data {
        var json = JSONWriter()
        json.field("issuer", issuer)
        json.field("jwks_uri", issuer + "/keys")
        json.field("authorization_endpoint", "")
        json.field("response_types_supported", ["id_token"])
        json.field("subject_types_supported", ["public"])
        json.field("id_token_signing_alg_values_supported", algorithms)
        json.field("claims_supported", jwtSVIDClaims)
        return json.finish()
    }

    /// A JWK Set for relying parties: `use: sig`, the key's `alg`, public members only.
    public static func keySet(_ keys: [JWK]) -> Data {
        let keys = keys.map { key -> JWK in
            var jwk = JWK(
                kty: key.kty, crv: key.crv, x: key.x, y: key.y, n: key.n, e: key.e, kid: key.kid, use: "sig", alg: key.alg)
            if jwk.alg == nil { jwk.alg = key.kty == "RSA" ? JWSAlgorithm.rs256.rawValue : JWSAlgorithm.es256.rawValue }
            return jwk
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(JWKSet(keys: keys))) ?? Data("{\"keys\":[]}".utf8)
    }

    /// The distinct algorithms of `keys` (in order), ES256 when none says.
    static func algorithms(_ keys: [JWK]) -> [String] {
        var seen: [String] = []
        for key in keys {
            let alg = key.alg ?? (key.kty == "RSA" ? "RS256" : "ES256")
            if !seen.contains(alg) { seen.append(alg) }
        }
        return seen.isEmpty ? ["ES256"] : seen
    }
}
