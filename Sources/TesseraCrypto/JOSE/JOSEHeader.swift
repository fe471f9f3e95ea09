/// The protected header of a JWS, as far as Tessera reads it.
public struct JOSEHeader: Sendable, Decodable, Equatable {
    public let alg: String
    public let kid: String?
    public let typ: String?
    public let crit: [String]?

    /// Reads the header from its JSON object (the token path's reader; `alg` is required).
    public init(_ object: JOSEObject) throws(TesseraCryptoError) {
        guard let alg = try object.string("alg") else {
            throw TesseraCryptoError(.malformedJWS, "the JWS header has no alg")
        }
        self.alg = alg
        kid = try object.string("kid")
        typ = try object.string("typ")
        // RFC 7515 §4.1.11: crit is a non-empty list; present in any other form (null, [], a string) it is malformed.
        if object.members["crit"] != nil {
            guard let crit = try object.strings("crit"), !crit.isEmpty else {
                throw TesseraCryptoError(.malformedJWS, "crit must be a non-empty list of header parameter names")
            }
            self.crit = crit
        } else {
            crit = nil
        }
    }
}
