import Foundation
import Testing

@testable import TesseraCrypto

/// The token path's JSON reader: the conformance vectors in Vectors/jose-json.json, agreement with Foundation's
/// decoder on everything both accept, and no crash on mutated input.
@Suite struct JOSEJSONTests {
    struct Vectors: Decodable {
        struct Case: Decodable {
            let name: String
            let json: String
            let reason: String?
        }
        let valid: [Case]
        let invalid: [Case]

        static func load() throws -> Vectors {
            let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Vectors/jose-json.json")
            return try JSONDecoder().decode(Vectors.self, from: Data(contentsOf: url))
        }
    }

    @Test func validVectorsParseAndAgreeWithFoundation() throws {
        let vectors = try Vectors.load()
        #expect(vectors.valid.count >= 9)
        for vector in vectors.valid {
            let parsed = try JOSEJSON.parse(Array(vector.json.utf8))
            let foundation = try JSONSerialization.jsonObject(with: Data(vector.json.utf8), options: [.fragmentsAllowed])
            #expect(Self.same(parsed, foundation), "\(vector.name)")
            let claims = try JWTClaims(JOSEObject(parsing: Array(vector.json.utf8), what: "claims"))
            #expect(claims == (try JSONDecoder().decode(JWTClaims.self, from: Data(vector.json.utf8))), "\(vector.name)")
        }
    }

    @Test func invalidVectorsAreRefusedWithTheirReason() throws {
        let vectors = try Vectors.load()
        #expect(vectors.invalid.count >= 20)
        for vector in vectors.invalid {
            do {
                let value = try JOSEJSON.parse(Array(vector.json.utf8))
                Issue.record("\(vector.name) parsed as \(value)")
            } catch {
                #expect(error.code == .malformedJWS)
                #expect(error.reason.contains(vector.reason ?? "?"), "\(vector.name): \(error.reason)")
            }
        }
    }

    @Test func invalidUTF8IsRefused() {
        let bytes: [UInt8] = [0x7B, 0x22, 0x61, 0x22, 0x3A, 0x22, 0xFF, 0xFE, 0x22, 0x7D]
        #expect(throws: TesseraCryptoError.self) { try JOSEJSON.parse(bytes) }
        let overlong: [UInt8] = [0x7B, 0x22, 0xC0, 0xAF, 0x22, 0x3A, 0x31, 0x7D]
        #expect(throws: TesseraCryptoError.self) { try JOSEJSON.parse(overlong) }
    }

    @Test func nulCharactersAreRefused() {
        for json in [#"{"jti":"r\u0000x"}"#, #"{"iss\u0000":"a"}"#, "{\"a\":\"\u{0}\"}"] {
            #expect(throws: TesseraCryptoError.self, "\(json)") { try JOSEJSON.parse(Array(json.utf8)) }
        }
    }

    /// Member names are compared as bytes, never as Swift `String`s (which hash after Unicode normalisation: a name of
    /// thousands of combining marks cost over 100 ms per token before its signature was checked — attacker review).
    /// Names that differ only in composition are therefore two members (RFC 8259 §8.3); a String-keyed reader would
    /// call them duplicates.
    @Test func memberNamesAreComparedAsBytes() throws {
        let composed = try JOSEJSON.parse(Array(#"{"\u00e9":1,"e\u0301":2}"#.utf8))
        #expect(composed.members?.count == 2)
        #expect(composed.members?["\u{e9}"] == .number(1))
        #expect(composed.members?["e\u{301}"] == .number(2))
        let marks = String(repeating: "\u{345}\u{301}\u{316}\u{327}", count: 1_450)
        let hostile = try JOSEJSON.parse(Array("{\"a\(marks)\":1,\"alg\":\"ES256\"}".utf8))
        #expect(hostile.members?["alg"] == .string("ES256"))
    }

    @Test func claimTypesAreChecked() throws {
        let refused = [
            #"{"exp":"1700000000"}"#, #"{"aud":[1]}"#, #"{"aud":{"a":1}}"#, #"{"sub":1}"#, #"{"act":{"sub":"a","act":null}}"#,
            #"{"act":{"sub":""}}"#, #"{"act":"agent"}"#, #"{"cnf":{"jkt":5}}"#, #"{"parent_jti":"x"}"#, #"{"exp":1e12}"#, "[]",
            #""claims""#,
        ]
        for json in refused {
            #expect(throws: TesseraCryptoError.self, "\(json)") { try JWTClaims.decode(Data(json.utf8)) }
            #expect(throws: (any Error).self, "\(json)") { try JSONDecoder().decode(JWTClaims.self, from: Data(json.utf8)) }
        }
        var deep = #"{"sub":"s0"}"#
        for level in 1...ActorChain.maximumDepth { deep = #"{"sub":"s\#(level)","act":\#(deep)}"# }
        #expect(throws: TesseraCryptoError.self) { try JWTClaims.decode(Data(#"{"act":\#(deep)}"#.utf8)) }
    }

    @Test func headerNeedsAStringAlgAndRefusesDuplicates() throws {
        let payload = Base64URL.encode(Data("{}".utf8))
        let refused = [
            #"{"kid":"k"}"#, #"{"alg":5}"#, #"{"alg":"ES256","alg":"none"}"#, #"{"alg":"ES256"} x"#,
            #"{"alg":"ES256","crit":[]}"#, #"{"alg":"ES256","crit":null}"#, #"{"alg":"ES256","crit":["exp"]}"#,
        ]
        for header in refused {
            let token = Base64URL.encode(Data(header.utf8)) + "." + payload + ".c2ln"
            #expect(throws: TesseraCryptoError.self, "\(header)") { try CompactJWS(parsing: token) }
        }
        let token = Base64URL.encode(Data(#"{"alg":"ES256","kid":"k","typ":"JWT"}"#.utf8)) + "." + payload + ".c2ln"
        let jws = try CompactJWS(parsing: token)
        #expect(jws.header.alg == "ES256" && jws.header.kid == "k" && jws.header.typ == "JWT" && jws.header.crit == nil)
    }

    /// Random claim sets written by Foundation read back identically; byte mutations of them never crash the reader,
    /// and whatever it accepts Foundation accepts too, with the same claims.
    @Test func agreesWithFoundationOnGeneratedAndMutatedClaimSets() throws {
        var random = SeededRandom(seed: 0x7e55e7a)
        let alphabet = Array("aZ09 -_./:\"\\\n\té☃😀\u{1}\u{1f}")  // no NUL: refused (nulCharactersAreRefused)
        func text() -> String {
            String((0..<Int.random(in: 0...12, using: &random)).map { _ in alphabet.randomElement(using: &random)! })
        }
        var accepted = 0
        for _ in 0..<300 {
            var object: [String: Any] = [
                "iss": text(), "sub": text(), "jti": text(), "exp": Int.random(in: 0...2_000_000_000, using: &random),
            ]
            object["aud"] = Bool.random(using: &random) ? text() as Any : [text(), text()] as Any
            if Bool.random(using: &random) { object["act"] = ["sub": "a" + text(), "act": ["sub": "b" + text()]] }
            if Bool.random(using: &random) { object["iat"] = Double.random(in: 0...2e9, using: &random) }
            let data = try JSONSerialization.data(withJSONObject: object)
            let ours = try JWTClaims.decode(data)
            #expect(ours == (try JSONDecoder().decode(JWTClaims.self, from: data)))
            var bytes = Array(data)
            for _ in 0..<20 {
                var mutated = bytes
                for _ in 0..<Int.random(in: 1...3, using: &random) {
                    let position = Int.random(in: 0..<mutated.count, using: &random)
                    switch Int.random(in: 0..<3, using: &random) {
                    case 0: mutated[position] = UInt8.random(in: 0...255, using: &random)
                    case 1: mutated.remove(at: position)
                    default: mutated.insert(Array("{}[],:\"\\0e-".utf8).randomElement(using: &random)!, at: position)
                    }
                    if mutated.isEmpty { break }
                }
                guard let parsed = try? JOSEJSON.parse(mutated) else { continue }
                accepted += 1
                let foundation = try? JSONSerialization.jsonObject(with: Data(mutated), options: [.fragmentsAllowed])
                #expect(
                    foundation != nil && Self.same(parsed, foundation!),
                    "differs from Foundation: \(String(decoding: mutated, as: UTF8.self)) ours \(parsed) theirs \(String(describing: foundation))"
                )
                if let claims = try? JWTClaims.decode(Data(mutated)) {
                    #expect(claims == (try? JSONDecoder().decode(JWTClaims.self, from: Data(mutated))))
                }
            }
            bytes = []
        }
        #expect(accepted > 0)
    }

    /// Whether our value and Foundation's `JSONSerialization` value are the same JSON.
    static func same(_ value: JOSEJSON, _ other: Any) -> Bool {
        switch value {
        case .null: return other is NSNull
        case .string(let string): return (other as? String) == string
        case .bool(let bool): return (other as? Bool) == bool
        case .number(let double):
            // JSONSerialization on Linux gives fractions as NSDecimalNumber, whose doubleValue may be off by an ulp
            // (JSONDecoder's exact reading is compared through JWTClaims).
            guard let value = (other as? NSNumber)?.doubleValue ?? (other as? Double) else { return false }
            return abs(value - double) <= 1e-12 * max(1, abs(double))
        case .array(let elements):
            guard let others = other as? [Any], others.count == elements.count else { return false }
            return zip(elements, others).allSatisfy { same($0, $1) }
        case .object(let members):
            guard let others = other as? [String: Any], others.count == members.count else { return false }
            return members.all.allSatisfy { key, member in others[key].map { same(member, $0) } ?? false }
        }
    }
}

/// A small deterministic generator (SplitMix64), so a failing mutation reproduces.
struct SeededRandom: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
