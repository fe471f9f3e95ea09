import Foundation

@testable import TesseraCrypto

struct RFCVectors: Decodable {
    struct Thumbprint: Decodable {
        let jwk: JWK
        let thumbprint: String
    }
    struct EdDSA: Decodable {
        let jwk: JWK
        let jws: String
    }
    struct HostileHeader: Decodable {
        let name: String
        let header: String
        let error: String
    }

    let rfc7638Thumbprint: Thumbprint
    let rfc8037Ed25519: EdDSA
    let hostileHeaders: [HostileHeader]

    enum CodingKeys: String, CodingKey {
        case rfc7638Thumbprint = "rfc7638_thumbprint"
        case rfc8037Ed25519 = "rfc8037_ed25519"
        case hostileHeaders = "hostile_headers"
    }

    static func load() throws -> RFCVectors {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Vectors/rfc-vectors.json")
        return try JSONDecoder().decode(RFCVectors.self, from: Data(contentsOf: url))
    }
}
