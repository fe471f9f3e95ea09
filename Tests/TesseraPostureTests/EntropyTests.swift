import Testing

@testable import TesseraPosture

@Suite struct EntropyTests {
    @Test func randomValuesHaveHighEntropy() {
        #expect(Entropy.shannon("aaaaaaaa") == 0)
        #expect(Entropy.shannon("Zq8vR2mK9xT4wL7pB3nF") > 4.0)
        #expect(Entropy.classes("abcD12!") == 4)
        #expect(Entropy.isHex("deadBEEF01"))
    }

    @Test func placeholdersAreRecognised() {
        #expect(Placeholders.isPlaceholder("AKIAIOSFODNN7EXAMPLE"))
        #expect(Placeholders.isPlaceholder("${DB_PASSWORD}"))
        #expect(Placeholders.isPlaceholder("<your-token>"))
        #expect(!Placeholders.isPlaceholder("Zq8vR2mK9xT4wL7pB3nF"))
    }
}
