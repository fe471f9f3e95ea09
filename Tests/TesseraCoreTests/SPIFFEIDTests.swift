import Foundation
import Testing

@testable import TesseraCore

struct SPIFFEIDVectors: Decodable {
    let valid: [String]
    let invalid: [String]

    static func load() throws -> SPIFFEIDVectors {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Vectors/spiffe-ids.json")
        return try JSONDecoder().decode(SPIFFEIDVectors.self, from: Data(contentsOf: url))
    }
}

@Test func validSPIFFEIDsParseAndRoundTrip() throws {
    for text in try SPIFFEIDVectors.load().valid {
        let id = try SPIFFEID(parsing: text)
        #expect(id.description == text)
    }
}

@Test func invalidSPIFFEIDsAreRejectedWithAReason() throws {
    for text in try SPIFFEIDVectors.load().invalid {
        #expect(throws: TesseraError.self, "\(text) should be rejected") { try SPIFFEID(parsing: text) }
    }
}

@Test func spiffeIDSplitsTrustDomainAndPath() throws {
    let id = try SPIFFEID(parsing: "spiffe://example.org/ns/prod")
    #expect(id.trustDomain == "example.org")
    #expect(id.path == "/ns/prod")
}

@Test func overlongSPIFFEIDIsRejected() {
    let text = "spiffe://example.org/" + String(repeating: "a", count: 2100)
    #expect(throws: TesseraError.self) { try SPIFFEID(parsing: text) }
}
