import Testing
@testable import TesseraPolicy

@Test func cedarVersionIsDeclared() {
    #expect(TesseraPolicy.cedarVersion.hasPrefix("4"))
}
