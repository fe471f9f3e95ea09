import Foundation
import TesseraCore
import Testing

/// The hot-path JSON writer (claim sets, canonical audit bodies): plain strings are copied whole, others escaped per
/// RFC 8259; either way the output reads back as the same strings.
@Suite struct JSONWriterTests {
    @Test func escapesWhatMustBeEscapedAndCopiesTheRest() {
        var writer = JSONWriter()
        writer.field("plain", "spiffe://example.org/a-b_c/é☃😀")
        writer.field("quoted", "a\"b\\c")
        writer.field("controls", "t\tn\nr\r\u{1}\u{1f}")
        let text = String(decoding: writer.finish(), as: UTF8.self)
        #expect(
            text
                == #"{"plain":"spiffe://example.org/a-b_c/é☃😀","quoted":"a\"b\\c","controls":"t\tn\nr\r\u0001\u001f"}"#)
    }

    @Test func readsBackAsTheSameStrings() throws {
        let alphabet = Array("aZ09 -_./:\"\\\n\t\r\u{1}\u{1f}é☃😀")
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<500 {
            let value = String((0..<Int.random(in: 0...24, using: &generator)).map { _ in alphabet.randomElement()! })
            var writer = JSONWriter()
            writer.field("v", value)
            let object = try JSONSerialization.jsonObject(with: writer.finish()) as? [String: Any]
            #expect(object?["v"] as? String == value, "\(value.debugDescription)")
        }
    }
}
