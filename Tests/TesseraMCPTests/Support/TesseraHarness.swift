import Crypto
import Foundation
import ServiceLifecycle
import TesseraCore
import TesseraCrypto
import TesseraServer
import TesseraTestSupport

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A real Tessera server on a free loopback port (temporary SQLite folder), with the admin calls the gateway's
/// end-to-end tests need: an `ai-agent` identity with a tool catalogue, a task, the agent's task-scoped token.
final class TesseraHarness: Sendable {
    let base: String
    let adminToken: String
    let clock: ManualTimeSource
    private let group: ServiceGroup
    private let task: Task<Void, any Error>

    static func start() async throws -> TesseraHarness {
        var configuration = ServerConfiguration()
        configuration.port = 0
        configuration.dataDirectory = NSTemporaryDirectory() + "tessera-mcp-e2e-" + UUID().uuidString
        let clock = ManualTimeSource(Date())
        let server = try await TesseraServer.make(configuration: configuration, kek: KeyEncryptionKey.generate().0, clock: clock)
        let (stream, continuation) = AsyncStream<Int>.makeStream()
        let group = try server.serviceGroup { port in continuation.yield(port) }
        let task = Task {
            defer { continuation.finish() }  // a server that fails to start ends the wait instead of hanging it
            try await group.run()
        }
        var iterator = stream.makeAsyncIterator()
        guard let port = await iterator.next(), port > 0 else { throw TesseraError(.invalidArgument, "server did not start") }
        let harness = TesseraHarness(
            base: "http://127.0.0.1:\(port)", adminToken: server.bootstrap.newAdminToken ?? "", clock: clock, group: group,
            task: task)
        try ServerScope.register("TesseraHarness") { await harness.stop() }
        return harness
    }

    private init(base: String, adminToken: String, clock: ManualTimeSource, group: ServiceGroup, task: Task<Void, any Error>) {
        self.base = base
        self.adminToken = adminToken
        self.clock = clock
        self.group = group
        self.task = task
    }

    /// Graceful shutdown (as SIGTERM), awaited; also done when the test ends (`.stopsServers`).
    func stop() async {
        await group.triggerGracefulShutdown()
        _ = await task.result
    }

    struct Reply: Sendable {
        let status: Int
        let body: Data
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: body) as? [String: Any]) ?? [:] }
    }

    func send(_ method: String, _ path: String, json: Any? = nil, bearer: String? = nil, form: [String: String]? = nil)
        async throws -> Reply
    {
        var request = URLRequest(url: URL(string: base + path)!)
        request.httpMethod = method
        if let json {
            request.httpBody = try JSONSerialization.data(withJSONObject: json)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        if let form {
            var allowed = CharacterSet.alphanumerics
            allowed.insert(charactersIn: "-._~")
            let text = form.sorted { $0.key < $1.key }
                .map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: allowed)!)" }.joined(separator: "&")
            request.httpBody = Data(text.utf8)
            request.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
        }
        if let bearer { request.setValue("Bearer \(bearer)", forHTTPHeaderField: "Authorization") }
        let (data, response) = try await HTTPTestClient.data(for: request)
        return Reply(status: (response as! HTTPURLResponse).statusCode, body: data)
    }

    func admin(_ method: String, _ path: String, json: Any? = nil) async throws -> Reply {
        try await send(method, path, json: json, bearer: adminToken)
    }

    /// An agent with a catalogue and an open task whose scopes allow `taskTools`; returns its task id and token.
    struct Agent: Sendable {
        let clientID: String
        let taskID: String
        let token: String
    }

    func agent(
        name: String, catalogue: [[String: Any]], taskTools: [String], intent: String = "reconcile invoices for alice"
    ) async throws -> Agent {
        let key = P256.Signing.PrivateKey()
        let clientID = "spiffe://example.org/\(name)"
        let registered = try await admin(
            "POST", "/v1/identities",
            json: [
                "spiffe_id": clientID, "kind": "ai-agent", "owner": "alice@example.com", "purpose": "MCP gateway test",
                "scopes": [String](), "public_key_pem": key.publicKey.pemRepresentation, "environment": "prod",
            ])
        guard registered.status == 201, let id = registered.json["id"] as? String else {
            throw TesseraError(
                .invalidArgument, "register failed: \(registered.status) \(String(decoding: registered.body, as: UTF8.self))")
        }
        let tools = try await admin("PUT", "/v1/identities/\(id)/tools", json: ["tools": catalogue])
        guard tools.status == 200 else { throw TesseraError(.invalidArgument, "catalogue refused: \(tools.json)") }
        let task = try await admin(
            "POST", "/v1/tasks",
            json: [
                "intent": intent, "identities": [clientID], "scopes": taskTools.map { "tool:" + $0 }, "ttl": 900,
                "initiator": "alice@example.com",
            ])
        guard let taskID = task.json["id"] as? String else { throw TesseraError(.invalidArgument, "task refused: \(task.json)") }
        let assertion = try ClientAssertion.sign(
            clientID: clientID, audience: base + "/oauth2/token", key: .p256(key), now: clock.now())
        let token = try await send(
            "POST", "/oauth2/token",
            form: [
                "grant_type": "client_credentials", "task_id": taskID,
                "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer", "client_assertion": assertion,
            ])
        guard let accessToken = token.json["access_token"] as? String else {
            throw TesseraError(.invalidArgument, "token refused: \(token.json)")
        }
        return Agent(clientID: clientID, taskID: taskID, token: accessToken)
    }

    /// The ids of pending approvals (admin view).
    func pendingApprovals() async throws -> [String] {
        let reply = try await admin("GET", "/v1/approvals?state=pending")
        return (reply.json["approvals"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
    }
}
