import TesseraTestSupport
import Testing

@testable import TesseraMCP

@Suite(.stopsServers) struct MCPGatewayErrorTests {
    @Test func descriptionCarriesCodeAndReason() {
        let error = MCPGatewayError(.missingToken, "no token")
        #expect(error.description == "missing_token: no token")
    }
}
