import Foundation
import Testing

@testable import TesseraPosture

@Suite struct KeyMaterialTests {
    /// The byte scanner agrees with `JSONSerialization` on key sets as they are stored, and declines the rest.
    @Test func scannerAgreesWithJSONSerialization() throws {
        let sets = [
            #"{"keys":[{"kty":"EC","crv":"P-256","x":"AbC-_1","y":"dEf"}]}"#,
            #"{"keys":[{"kty":"RSA","n":"nnnn","e":"AQAB","alg":"RS256"},{"kty":"EC","x":"x2","y":"y2","use":"sig"}]}"#,
            #"{"keys":[{"kty":"OKP","crv":"Ed25519","x":"ed"},{"kty":"oct","k":"secret-not-material"}]}"#,
            #"{"keys":[{"kty":"RSA","n":"n1","x5c":["MIIB","MIIC"],"e":"AQAB","ext":true,"key_ops":["verify"]}]}"#,
            #"{ "keys" : [ { "x" : "spaced" , "y" : "out" } ] }"#,
            #"{"keys":[]}"#,
        ]
        for jwks in sets {
            var copy = jwks
            let fast = try #require(copy.withUTF8 { KeyMaterial.scan($0) }, "\(jwks)")
            let object = try #require(try JSONSerialization.jsonObject(with: Data(jwks.utf8)) as? [String: Any])
            let slow = (object["keys"] as? [[String: Any]] ?? []).compactMap { key -> String? in
                let parts = ["x", "y", "n"].compactMap { key[$0] as? String }
                return parts.isEmpty ? nil : parts.joined(separator: ".")
            }
            #expect(fast == slow, "\(jwks)")
        }
        for odd in [#"{"keys":[{"x":"a\"b"}]}"#, #"{"other":1}"#, "", #"{"keys":[{"x":"a"}"#, "[]"] {
            var copy = odd
            #expect(copy.withUTF8 { KeyMaterial.scan($0) } == nil, "\(odd)")
        }
        #expect(KeyMaterial.of(#"{"keys":[{"x":"a\"b","y":"c"}]}"#) == ["a\"b.c"])
    }
}
