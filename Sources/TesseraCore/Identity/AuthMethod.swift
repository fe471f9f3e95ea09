import Foundation

/// How an identity may prove itself to Tessera. An identity declares the methods it uses; every other method is
/// refused for it even when the credential presented is genuine (docs/threat-model.md, "Authentication methods").
public enum AuthMethod: String, Sendable, Codable, CaseIterable, Comparable {
    /// An RFC 7523 client assertion signed by a key registered on the identity (`jwks`).
    case privateKeyJWT = "private_key_jwt"
    /// mTLS with an X.509-SVID of the identity (RFC 8705 `tls_client_auth`).
    case tlsClientAuth = "tls_client_auth"
    /// A JWT-SVID of the identity, signed by the trust domain (from the agent's Workload API), as client assertion.
    case jwtSVID = "jwt_svid"
    /// A token of a trusted external issuer that a claim-mapping rule maps to the identity (token exchange).
    case federated

    public static func < (lhs: AuthMethod, rhs: AuthMethod) -> Bool { lhs.rawValue < rhs.rawValue }

    /// What identities created before methods were declared keep: everything they could use then.
    public static let legacy: [AuthMethod] = AuthMethod.allCases.sorted()

    /// Parses a list of method names; unknown names are an error naming them.
    public static func parse(_ names: [String]) throws(TesseraError) -> [AuthMethod] {
        var methods: Set<AuthMethod> = []
        for name in names {
            guard let method = AuthMethod(rawValue: name) else {
                let known = AuthMethod.allCases.map(\.rawValue).joined(separator: ", ")
                throw TesseraError(.invalidIdentity, "unknown authentication method '\(name.prefix(64))' (known: \(known))")
            }
            methods.insert(method)
        }
        return methods.sorted()
    }
}
