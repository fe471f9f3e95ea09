import Testing

@testable import TesseraPolicy

@Suite struct LexerTests {
    @Test func tokensCarryLineAndColumn() throws {
        let tokens = try Lexer("permit(\n  principal == User::\"a\" // c\n);").tokenize()
        let eq = tokens.first { $0.isPunct("==") }!
        #expect(eq.location == SourceLocation(line: 2, column: 13))
        let str = tokens.first { if case .string = $0.kind { true } else { false } }!
        #expect(str.location == SourceLocation(line: 2, column: 22))
        #expect(tokens.last!.kind == .eof)
    }

    @Test func commentsAndSlotsAreRecognised() throws {
        let kinds = try Lexer("// only a comment\n?principal ?resource").tokenize().map(\.kind)
        #expect(kinds == [.slot("principal"), .slot("resource"), .eof])
    }

    @Test func unterminatedStringReportsItsStart() {
        #expect(throws: CedarError(.parse, "unterminated string literal", line: 3, column: 5)) {
            _ = try Lexer("\n\n    \"abc").tokenize()
        }
    }

    @Test func unexpectedCharacterIsAnError() {
        do {
            _ = try Lexer("permit $").tokenize()
            Issue.record("expected an error")
        } catch {
            #expect(error.line == 1)
            #expect(error.column == 8)
        }
    }

    @Test func schemaModeTreatsQuestionMarkAsPunctuation() throws {
        let kinds = try Lexer("a?: Long", schemaMode: true).tokenize().map(\.kind)
        #expect(kinds == [.identifier("a"), .punct("?"), .punct(":"), .identifier("Long"), .eof])
    }

    @Test func escapesAreDecoded() throws {
        let loc = SourceLocation(line: 1, column: 1)
        #expect(try StringEscapes.unescape(#"a\n\t\"\\\0\u{1F600}\x41"#, at: loc) == "a\n\t\"\\\0😀A")
        #expect(throws: CedarError.self) { try StringEscapes.unescape(#"\q"#, at: loc) }
        #expect(throws: CedarError.self) { try StringEscapes.unescape(#"\u{110000}"#, at: loc) }
        #expect(throws: CedarError.self) { try StringEscapes.unescape(#"\x80"#, at: loc) }
    }
}
