import Foundation
import TesseraTestSupport
import Testing

@testable import TesseraAgent

/// The agent side of the node-proof attacks: an agent pointed at a plain-HTTP server would send its join
/// token and every node proof in clear text, for anyone on the path to capture. It refuses to start unless
/// told `--insecure`, before sending anything.
@Suite(.stopsServers) struct AgentNodeProofAttackTests {
    @Test func anAgentRefusesAPlainHTTPServerWithoutInsecure() async throws {
        let harness = try await Harness.start()
        let (status, reply) = try await harness.admin("POST", "/v1/nodes/tokens", ["node_id": "n2"])
        #expect(status == 201 || status == 200)
        let token = try #require(reply["join_token"] as? String)
        let directory = "/tmp/tsr-" + UUID().uuidString.prefix(8)
        var configuration = WorkloadAgent.Configuration(
            serverURL: URL(string: harness.base)!, joinToken: token, socketPath: directory + "/api.sock",
            dataDirectory: directory + "/data")
        do {
            try await WorkloadAgent(configuration: configuration).run()
            Issue.record("the agent started against \(harness.base) without --insecure")
        } catch let error as AgentError {
            #expect(error.code == .configuration)
            #expect(error.reason.contains("--insecure"))
        }
        #expect(!FileManager.default.fileExists(atPath: directory + "/data/node-svid.pem"))

        // The token was never sent: the same token works once plain HTTP is allowed explicitly.
        configuration.allowInsecureHTTP = true
        let agent = WorkloadAgent(configuration: configuration, clock: harness.clock)
        let (ready, continuation) = AsyncStream<String>.makeStream()
        let task = Task {
            defer { continuation.finish() }
            try await agent.run { continuation.yield($0) }
        }
        try ServerScope.register("agent", cancelling: task)
        var iterator = ready.makeAsyncIterator()
        #expect(await iterator.next() == "spiffe://example.org/tessera/agent/n2")
    }

    @Test func onlyHTTPSOrExplicitlyInsecureHTTPIsAccepted() throws {
        for text in ["https://tessera.example", "https://127.0.0.1:8444"] {
            try WorkloadAgent.validate(serverURL: URL(string: text)!, allowInsecureHTTP: false)
        }
        for text in ["http://127.0.0.1:8443", "http://localhost:8443", "http://tessera.example", "ftp://x", "/relative"] {
            #expect(throws: AgentError.self, "\(text)") {
                try WorkloadAgent.validate(serverURL: URL(string: text)!, allowInsecureHTTP: false)
            }
        }
        try WorkloadAgent.validate(serverURL: URL(string: "http://127.0.0.1:8443")!, allowInsecureHTTP: true)
        #expect(throws: AgentError.self) {
            try WorkloadAgent.validate(serverURL: URL(string: "ftp://x")!, allowInsecureHTTP: true)
        }
    }
}
