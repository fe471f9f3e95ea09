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
        crit = try object.strings("crit")
    }
}
