import Crypto
import Foundation
import GRPCCore
import ServiceLifecycle
import TesseraCore
import TesseraCrypto
import TesseraServer
import TesseraTestSupport
import Testing
import X509

@testable import TesseraAgent

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif
#if canImport(Glibc)
    import Glibc
#endif

/// A real server, a real agent on a temporary Unix socket, and a real gRPC client, in one process.
struct Harness {
    let base: String
    let adminToken: String
    let clock: ManualTimeSource
    let socket: String
    let server: ServiceGroup
    let serverTask: Task<Void, any Error>
    let agentTask: Task<Void, any Error>

    static func start(
        selector: String = "unix:uid:\(getuid())", selectors: [String]? = nil, syncInterval: Double = 0.2,
        inspector: (any ProcessInspector)? = nil, configure: (inout ServerConfiguration) -> Void = { _ in }
    ) async throws -> Harness {
        let clock = ManualTimeSource(Date())
        var configuration = ServerConfiguration()
        configuration.port = 0
        configuration.dataDirectory = NSTemporaryDirectory() + "tessera-agent-e2e-" + UUID().uuidString
        // Federated trust domains in these tests are other servers on loopback.
        configuration.federation.networkPolicy.allowPrivateNetworks = true
        configure(&configuration)
        let server = try await TesseraServer.make(configuration: configuration, kek: KeyEncryptionKey.generate().0, clock: clock)
        let (ports, portContinuation) = AsyncStream<Int>.makeStream()
        let group = try server.serviceGroup { port in portContinuation.yield(port) }
        let serverTask = Task {
            defer { portContinuation.finish() }  // a server that fails to start ends the wait instead of hanging it
            try await group.run()
        }
        // Stopped when the test ends even if the harness fails to start (registered before anything can fail).
        try ServerScope.register("agent harness server") {
            await group.triggerGracefulShutdown()
            _ = await serverTask.result
        }
        var portIterator = ports.makeAsyncIterator()
        guard let port = await portIterator.next() else {
            // Say why the server stopped before listening, not only that it did.
            if case .failure(let error) = await serverTask.result { throw error }
            throw HarnessError("the agent harness's server stopped before it listened")
        }
        let base = "http://127.0.0.1:\(port)"
        let admin = server.bootstrap.newAdminToken ?? ""
        func call(_ method: String, _ path: String, _ json: [String: Any]) async throws -> [String: Any] {
            var request = URLRequest(url: URL(string: base + path)!)
            request.httpMethod = method
            request.httpBody = try JSONSerialization.data(withJSONObject: json)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.setValue("Bearer \(admin)", forHTTPHeaderField: "Authorization")
            let (data, _) = try await HTTPTestClient.data(for: request)
            return (try JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
        }
        _ = try await call(
            "POST", "/v1/identities",
            [
                // SVID-only (docs/threat-model.md, "Authentication methods"): no registered key; the agent's SVIDs are how it authenticates.
                "spiffe_id": "spiffe://example.org/web", "kind": "service", "owner": "alice@example.com", "purpose": "e2e",
                "auth_methods": ["jwt_svid", "tls_client_auth"],
                // JWT-SVIDs are issued only for audiences the inventory allows (as tokens are).
                "audiences": ["db", "other-audience", "third-audience"],
            ])
        let entry = try await call(
            "POST", "/v1/entries",
            ["spiffe_id": "spiffe://example.org/web", "node_id": "n1", "selectors": selectors ?? [selector]])
        #expect(entry["id"] is String)
        let token = try #require(try await call("POST", "/v1/nodes/tokens", ["node_id": "n1"])["join_token"] as? String)

        let directory = "/tmp/tsr-" + UUID().uuidString.prefix(8)
        var agentConfiguration = WorkloadAgent.Configuration(
            serverURL: URL(string: base)!, joinToken: token, socketPath: directory + "/api.sock",
            dataDirectory: directory + "/data")
        agentConfiguration.syncInterval = syncInterval
        agentConfiguration.allowInsecureHTTP = true  // the in-process server listens on loopback HTTP
        agentConfiguration.processInspector = inspector
        let agent = WorkloadAgent(configuration: agentConfiguration, clock: clock)
        let (ready, readyContinuation) = AsyncStream<String>.makeStream()
        let agentTask = Task {
            defer { readyContinuation.finish() }
            try await agent.run { id in readyContinuation.yield(id) }
        }
        // Registered after the server: stops run newest first, so the agent stops before its server.
        try ServerScope.register("agent harness agent", cancelling: agentTask)
        var readyIterator = ready.makeAsyncIterator()
        let nodeID = await readyIterator.next()
        #expect(nodeID == "spiffe://example.org/tessera/agent/n1")
        let harness = Harness(
            base: base, adminToken: admin, clock: clock, socket: agentConfiguration.socketPath, server: group,
            serverTask: serverTask, agentTask: agentTask)
        return harness
    }

    /// An admin API call on this harness's server.
    @discardableResult
    func admin(_ method: String, _ path: String, _ json: [String: Any]? = nil, base: String? = nil, token: String? = nil)
        async throws
        -> (Int, [String: Any])
    {
        var request = URLRequest(url: URL(string: (base ?? self.base) + path)!)
        request.httpMethod = method
        if let json {
            request.httpBody = try JSONSerialization.data(withJSONObject: json)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        request.setValue("Bearer \(token ?? adminToken)", forHTTPHeaderField: "Authorization")
        let (data, response) = try await HTTPTestClient.data(for: request)
        return (
            (response as? HTTPURLResponse)?.statusCode ?? 0,
            (try? JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
        )
    }

    /// Stops the agent, then the server (gracefully, as SIGTERM), and waits for both; also done when the test ends.
    func stop() async {
        agentTask.cancel()
        _ = await agentTask.result
        await server.triggerGracefulShutdown()
        _ = await serverTask.result
    }
}

/// A failure of the harness itself (not of what a test checks).
struct HarnessError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
