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

/// A real Tessera server on a free loopback port with a temporary SQLite data folder.
final class TestServer: Sendable {
    let base: String
    let adminToken: String
    let dataDirectory: String
    let kek: KeyEncryptionKey
    let clock: ManualTimeSource
    /// The trust domain's CA and bundle (to issue X.509-SVIDs in tests).
    let spiffe: SPIFFEServices
    /// `https://127.0.0.1:PORT` when the server was configured with TLS.
    let tlsBase: String?
    /// Every route the server registered (`METHOD /path`).
    let routeList: [String]
    private let group: ServiceGroup
    private let task: Task<Void, any Error>

    static func start(
        dataDirectory: String? = nil, kek: KeyEncryptionKey? = nil, clock: ManualTimeSource = ManualTimeSource(Date()),
        configure: (inout ServerConfiguration) throws -> Void = { _ in }
    ) async throws -> TestServer {
        // The listener's port is picked before it binds (the issuer URL names it): another socket of the machine can
        // take it in between. That is a property of the harness's port 0, not of what a test checks: try again.
        // A retry needs a fresh data folder: the failed attempt bootstrapped the given one and took its admin token
        // with it. A caller's own folder (a restart test) is therefore not retried.
        let kek = kek ?? KeyEncryptionKey.generate().0
        let attempts = dataDirectory == nil ? 3 : 1
        for attempt in 1...attempts {
            let folder = dataDirectory ?? (NSTemporaryDirectory() + "tessera-e2e-" + UUID().uuidString)
            do {
                return try await startOnce(dataDirectory: folder, kek: kek, clock: clock, configure: configure)
            } catch  where attempt < attempts && String(describing: error).contains("Address already in use") {
                continue
            }
        }
        preconditionFailure("unreachable")
    }

    private static func startOnce(
        dataDirectory: String, kek: KeyEncryptionKey, clock: ManualTimeSource,
        configure: (inout ServerConfiguration) throws -> Void
    ) async throws -> TestServer {
        var configuration = ServerConfiguration()
        configuration.port = 0
        configuration.dataDirectory = dataDirectory
        // Stand-in issuers and IdPs listen on loopback; SSRF tests turn this off again.
        configuration.federation.networkPolicy.allowPrivateNetworks = true
        try configure(&configuration)
        let server = try await withHangReport("TestServer.start: TesseraServer.make (\(configuration.dataDirectory))") {
            try await TesseraServer.make(configuration: configuration, kek: kek, clock: clock)
        }
        let routes = server.routeList
        let spiffe = server.spiffe
        let newAdminToken = server.bootstrap.newAdminToken ?? ""
        let tlsPort = server.tlsPort
        let (stream, continuation) = AsyncStream<Int>.makeStream()
        let group = try server.serviceGroup { port in continuation.yield(port) }
        let task = Task {
            defer { continuation.finish() }  // a server that fails to start ends the wait instead of hanging it
            try await group.run()
        }
        var iterator = stream.makeAsyncIterator()
        let first = await withHangReport("TestServer.start: waiting for the listener's port (\(configuration.dataDirectory))") {
            await iterator.next()
        }
        guard let port = first, port > 0 else {
            if case .failure(let error) = await task.result { throw error }
            throw TesseraError(.invalidArgument, "server did not start")
        }
        let started = TestServer(
            base: "http://127.0.0.1:\(port)", adminToken: newAdminToken, dataDirectory: configuration.dataDirectory,
            kek: kek, clock: clock, spiffe: spiffe, tlsBase: tlsPort.map { "https://127.0.0.1:\($0)" },
            routeList: routes, group: group, task: task)
        do {
            try ServerScope.register("TestServer") { await started.stop() }
        } catch {
            await started.stop()
            throw error
        }
        return started
    }

    private init(
        base: String, adminToken: String, dataDirectory: String, kek: KeyEncryptionKey, clock: ManualTimeSource,
        spiffe: SPIFFEServices, tlsBase: String?, routeList: [String], group: ServiceGroup, task: Task<Void, any Error>
    ) {
        self.group = group
        self.routeList = routeList
        self.spiffe = spiffe
        self.tlsBase = tlsBase
        self.base = base
        self.adminToken = adminToken
        self.dataDirectory = dataDirectory
        self.kek = kek
        self.clock = clock
        self.task = task
    }

    static func freshKEK() -> KeyEncryptionKey { KeyEncryptionKey.generate().0 }

    /// Shuts the server down as SIGTERM does (listeners, then background services, then storage) and waits for it.
    /// Also done for every server when its test ends (`.stopsServers`); a second call returns at once.
    func stop() async {
        await group.triggerGracefulShutdown()
        _ = await task.result
    }

    var tokenEndpoint: String { base + "/oauth2/token" }

    // MARK: HTTP

    struct Reply: Sendable {
        let status: Int
        let body: Data
        let headers: [String: String]

        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: body) as? [String: Any]) ?? [:] }
    }

    func send(
        _ method: String, _ path: String, body: Data? = nil, contentType: String? = nil, headers: [String: String] = [:]
    ) async throws -> Reply {
        var fields = headers
        if let contentType { fields["Content-Type"] = contentType }
        let reply = try await HTTPTestClient.send(method, base + path, body: body, headers: fields)
        return Reply(status: reply.status, body: reply.body, headers: reply.headers)
    }

    func admin(_ method: String, _ path: String, json: Any? = nil, token: String? = nil) async throws -> Reply {
        let body = try json.map { try JSONSerialization.data(withJSONObject: $0) }
        return try await send(
            method, path, body: body, contentType: body == nil ? nil : "application/json",
            headers: ["Authorization": "Bearer \(token ?? adminToken)"])
    }

    func form(_ path: String, _ fields: [String: String], headers: [String: String] = [:]) async throws -> Reply {
        try await send(
            "POST", path, body: Data(Self.encode(fields).utf8), contentType: "application/x-www-form-urlencoded",
            headers: headers)
    }

    static func encode(_ fields: [String: String]) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return fields.sorted { $0.key < $1.key }.map {
            "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: allowed)!)"
        }.joined(separator: "&")
    }

    // MARK: Workloads

    /// Registers a workload with a fresh P-256 key and returns it.
    func registerWorkload(
        _ name: String, scopes: [String] = ["invoices:read", "invoices:write"], extra: [String: Any] = [:],
        token: String? = nil
    ) async throws -> Workload {
        let key = P256.Signing.PrivateKey()
        var body: [String: Any] = [
            "spiffe_id": "spiffe://example.org/\(name)", "kind": "service", "owner": "alice@example.com",
            "purpose": "end-to-end test", "scopes": scopes, "public_key_pem": key.publicKey.pemRepresentation,
            "environment": "prod",
        ]
        body.merge(extra) { $1 }
        let reply = try await admin("POST", "/v1/identities", json: body, token: token)
        guard reply.status == 201, let id = reply.json["id"] as? String else {
            throw TesseraError(
                .invalidArgument, "register failed: \(reply.status) \(String(decoding: reply.body, as: UTF8.self))")
        }
        return Workload(id: id, clientID: "spiffe://example.org/\(name)", key: .p256(key))
    }

    /// A token request for `workload` with a freshly signed assertion; `tweak` edits the form.
    func requestToken(
        _ workload: Workload, assertion: String? = nil, tweak: (inout [String: String]) -> Void = { _ in }
    ) async throws -> Reply {
        var fields = [
            "grant_type": "client_credentials",
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion": try assertion ?? workload.assertion(audience: tokenEndpoint, now: clock.now()),
        ]
        tweak(&fields)
        return try await form("/oauth2/token", fields)
    }
}

struct Workload: Sendable {
    let id: String
    let clientID: String
    let key: PrivateSigningKey

    func assertion(audience: String, now: Date, lifetime: TimeInterval = 60, jti: String? = nil) throws -> String {
        try ClientAssertion.sign(clientID: clientID, audience: audience, key: key, now: now, lifetime: lifetime, jti: jti)
    }
}

/// Builds a compact JWS with an arbitrary header and claims, signed by `key` (for hostile-input tests).
func forgeJWS(header: String, claims: String, key: PrivateSigningKey) throws -> String {
    let input = Base64URL.encode(Data(header.utf8)) + "." + Base64URL.encode(Data(claims.utf8))
    return input + "." + Base64URL.encode(try key.sign(Data(input.utf8)))
}
