/// JWS algorithms Tessera accepts. `none` and the HMAC family are deliberately absent: a shared secret is
/// never a workload credential, and an allow-list bound to the key type prevents algorithm confusion.
public enum JWSAlgorithm: String, Sendable, Codable, CaseIterable {
    case es256 = "ES256"
    case es384 = "ES384"
    case eddsa = "EdDSA"
    case rs256 = "RS256"
    case ps256 = "PS256"
}
