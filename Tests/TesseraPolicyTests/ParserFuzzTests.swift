import Foundation
import Testing

@testable import TesseraPolicy

/// Random-mutation fuzzing of the policy, schema and JSON parsers (deterministic seed).
/// Every input must either parse or fail with a positioned `CedarError`; parsed policies are also
/// authorized and validated, so the evaluator and typechecker see the same hostile inputs.
@Suite struct ParserFuzzTests {
    static let iterations = 20_000

    static func seeds(_ ext: String) throws -> [String] {
        var out: [String] = []
        var dirs = [Fixtures.directory]
        if let conf = ConformanceRunnerTests.conformanceDir {
            dirs.append(conf + "/tests")
            dirs.append(conf + "/sample-data")
        }
        for dir in dirs {
            guard let e = FileManager.default.enumerator(atPath: dir) else { continue }
            while let rel = e.nextObject() as? String {
                guard rel.hasSuffix(ext) else { continue }
                out.append(String(decoding: FileManager.default.contents(atPath: dir + "/" + rel) ?? Data(), as: UTF8.self))
            }
        }
        return out.sorted()
    }

    static let fragments = [
        "(", ")", "{", "}", "[", "]", ",", ";", "::", "\"", "\\", "*", "-", "!", "&&", "||", "==", "<", "in ",
        " is ", " has ", " like ", "if ", " then ", " else ", ".", "principal", "?principal", "@id(\"x\")",
        "9223372036854775808", "ip(\"::1\")", "\u{0}", "é", "\n", "//", "Set<", ">", "?", "type ", "entity ",
        "__entity", "__extn", "{\"fn\":", "null", "1e9", "\\u{110000}", "when", "unless", "permit", "forbid",
    ]

    static func mutate(_ s: String, _ rng: inout PolicyIndexTests.SplitMix, _ pool: [String]) -> String {
        var bytes = Array(s.utf8)
        for _ in 0..<(1 + rng.below(4)) {
            let pos = bytes.isEmpty ? 0 : rng.below(bytes.count)
            switch rng.below(6) {
            case 0 where !bytes.isEmpty: bytes[pos] = UInt8(truncatingIfNeeded: rng.next())
            case 1: bytes.insert(contentsOf: Array(fragments[rng.below(fragments.count)].utf8), at: pos)
            case 2 where !bytes.isEmpty: bytes.removeSubrange(pos..<min(bytes.count, pos + 1 + rng.below(20)))
            case 3 where !bytes.isEmpty:
                let end = min(bytes.count, pos + 1 + rng.below(40))
                bytes.insert(contentsOf: bytes[pos..<end], at: rng.below(bytes.count))
            case 4:
                let other = Array(pool[rng.below(pool.count)].utf8)
                if !other.isEmpty {
                    let from = rng.below(other.count)
                    bytes.insert(contentsOf: other[from..<min(other.count, from + rng.below(80))], at: pos)
                }
            default: bytes = Array(bytes.prefix(pos))
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    @Test func policyParserNeverCrashes() throws {
        let pool = try Self.seeds(".cedar")
        #expect(pool.count > 5)
        let schema = try Fixtures.photoSchema()
        let request = Request(
            principal: uid("PhotoApp::User", "alice"), action: uid("PhotoApp::Action", "view"),
            resource: uid("PhotoApp::Photo", "beach.jpg"))
        let entities = try Fixtures.photoEntities()
        var rng = PolicyIndexTests.SplitMix(state: 0xC0FFEE)
        var parsed = 0
        var rejected = 0
        for _ in 0..<Self.iterations {
            let input = Self.mutate(pool[rng.below(pool.count)], &rng, pool)
            do {
                let set = try PolicySet.parse(input)
                parsed += 1
                _ = Authorizer.isAuthorized(request, policies: set, entities: entities)
                _ = Validator.validate(set, schema: schema)
            } catch {
                rejected += 1
                #expect(error.line != nil && error.column != nil, "\(error) has no position")
            }
        }
        print(
            "policy fuzz: \(Self.iterations) inputs ran without a crash (\(parsed) parsed, \(rejected) rejected with positions)")
        #expect(parsed + rejected == Self.iterations)
        #expect(parsed > 0 && rejected > 0)
    }

    @Test func schemaAndJSONParsersNeverCrash() throws {
        let schemas = try Self.seeds(".cedarschema")
        let jsons = try Self.seeds(".json")
        var rng = PolicyIndexTests.SplitMix(state: 0xBADC0DE)
        var schemaOK = 0
        var jsonOK = 0
        let half = Self.iterations / 2
        for _ in 0..<half {
            if (try? Schema.parse(Self.mutate(schemas[rng.below(schemas.count)], &rng, schemas))) != nil { schemaOK += 1 }
            let text = Self.mutate(jsons[rng.below(jsons.count)], &rng, jsons)
            if (try? Entities.fromJSON(text)) != nil { jsonOK += 1 }
            _ = try? Schema.fromJSON(text)
        }
        print(
            "schema/JSON fuzz: \(2 * half) inputs ran without a crash (\(schemaOK) schemas and \(jsonOK) entity files still valid)"
        )
        #expect(schemaOK < half)
    }
}
