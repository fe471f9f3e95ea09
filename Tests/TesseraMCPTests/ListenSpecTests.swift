import TesseraTestSupport
import Testing

@testable import TesseraMCP

@Suite(.stopsServers) struct ListenSpecTests {
    @Test func parsesStdioAndHTTP() throws {
        #expect(try ListenSpec.parse("stdio") == .stdio)
        #expect(try ListenSpec.parse("http://127.0.0.1:8931") == .http(host: "127.0.0.1", port: 8931, path: "/mcp"))
        #expect(try ListenSpec.parse("http://localhost:0/agents/mcp") == .http(host: "localhost", port: 0, path: "/agents/mcp"))
    }

    @Test(arguments: ["", "tcp://127.0.0.1:1", "http://127.0.0.1", "https://127.0.0.1:8443", "http://127.0.0.1:1/mcp?x=1"])
    func rejectsEverythingElse(text: String) {
        #expect(throws: MCPGatewayError.self) { try ListenSpec.parse(text) }
    }

    @Test func bearerHeaders() {
        #expect(AgentCredential.bearer("Bearer abc") == "abc")
        #expect(AgentCredential.bearer("bearer   abc ") == "abc")
        #expect(AgentCredential.bearer("Basic abc") == nil)
        #expect(AgentCredential.bearer("Bearer ") == nil)
    }

    @Test func toolNaming() {
        let single = ToolNaming(upstreams: ["desk"])
        #expect(single.exposedName(upstream: "desk", tool: "a__b") == "a__b")
        #expect(single.resolve("a__b")! == ("desk", "a__b"))
        let several = ToolNaming(upstreams: ["desk", "wiki-2"])
        #expect(several.exposedName(upstream: "wiki-2", tool: "edit__page") == "wiki-2__edit__page")
        #expect(several.resolve("wiki-2__edit__page")! == ("wiki-2", "edit__page"))
        #expect(several.resolve("other__x") == nil)
        #expect(several.resolve("desk__") == nil)
        #expect(several.resolve("plain") == nil)
    }
}
