import Testing

@testable import TesseraPolicy

@Suite struct JSONParserTests {
    @Test func parsesAllValueKinds() throws {
        let v = try JSONValue.parse(
            #" {"a": [1, -2, 3.5, true, false, null], "s": "x\u00e9\n\ud83d\ude00", "big": 9223372036854775807} "#)
        #expect(v["a"] == .array([.integer(1), .integer(-2), .float(3.5), .bool(true), .bool(false), .null]))
        #expect(v["s"] == .string("xé\n😀"))
        #expect(v["big"] == .integer(Int64.max))
    }

    @Test func keepsKeyOrderAndRoundTrips() throws {
        let text = #"{"z":1,"a":{"k":[true,"q\"x"]}}"#
        let v = try JSONValue.parse(text)
        #expect(v.serialized == text)
    }

    @Test(arguments: [
        ("{\"a\": 1,}", 1, 9),
        ("[1, 2\n, ]", 2, 3),
        ("{\"a\" 1}", 1, 6),
        ("\"unterminated", 1, 14),
        ("[1] x", 1, 5),
        ("{\"a\": tru}", 1, 7),
    ])
    func errorsCarryLineAndColumn(_ text: String, _ line: Int, _ column: Int) {
        do {
            _ = try JSONValue.parse(text)
            Issue.record("expected an error for \(text)")
        } catch {
            #expect(error.code == .json)
            #expect(error.line == line, "\(error)")
            #expect(error.column == column, "\(error)")
        }
    }

    @Test func nestingIsBounded() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: CedarError.self) { _ = try JSONValue.parse(deep) }
    }
}
