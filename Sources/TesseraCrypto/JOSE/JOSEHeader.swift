/// The protected header of a JWS, as far as Tessera reads it.
public struct JOSEHeader: Sendable, Decodable, Equatable {
    public let alg: String
    public let kid: String?
    public let typ: String?
    public let crit: [String]?
}
