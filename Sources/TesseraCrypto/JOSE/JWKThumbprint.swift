import Crypto
import Foundation

/// RFC 7638 JWK thumbprints (SHA-256, base64url).
public enum JWKThumbprint {
    public static func compute(_ jwk: JWK) -> String {
        // Required members only, lexicographic order, no whitespace.
        let members: [(String, String?)]
        switch jwk.kty {
        case "EC": members = [("crv", jwk.crv), ("kty", jwk.kty), ("x", jwk.x), ("y", jwk.y)]
        case "OKP": members = [("crv", jwk.crv), ("kty", jwk.kty), ("x", jwk.x)]
        case "RSA": members = [("e", jwk.e), ("kty", jwk.kty), ("n", jwk.n)]
        default: members = [("kty", jwk.kty)]
        }
        let body = members.map { "\"\($0.0)\":\"\($0.1 ?? "")\"" }.joined(separator: ",")
        return Base64URL.encode(Data(SHA256.hash(data: Data("{\(body)}".utf8))))
    }
}
