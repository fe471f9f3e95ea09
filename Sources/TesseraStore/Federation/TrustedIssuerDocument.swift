import Foundation
import TesseraCore

/// The JSON document a trusted issuer is stored as, the same for both engines.
enum TrustedIssuerDocument {
    static func encode(_ issuer: TrustedIssuer) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .secondsSince1970
        return String(decoding: try encoder.encode(issuer), as: UTF8.self)
    }

    static func decode(_ document: String) throws -> TrustedIssuer {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        do {
            return try decoder.decode(TrustedIssuer.self, from: Data(document.utf8))
        } catch {
            throw StoreError(.corrupted, "a trusted_issuers row is not a valid issuer document")
        }
    }
}
