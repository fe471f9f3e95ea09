import Foundation
import Logging
import PostgresNIO
import TesseraCrypto
import TesseraServer
import TesseraStore
import TesseraTestSupport
import Testing

/// Two servers on different ports sharing one PostgreSQL storage (`--storage postgres://...`): one trust
/// domain, one inventory, one revocation list, one audit chain, one console, posture over both.
@Suite(.serialized, .stopsServers, .needsPostgres) struct PostgresStorageServerTests {
    static let issuer = "https://tessera.test"

    /// A fresh schema in the test cluster's `tessera` database, as a storage URL.
    private static func freshStorage() async throws -> (url: String, schema: String, endpoint: PostgresEndpoint) {
        guard let url = ProcessInfo.processInfo.environment["TESSERA_TEST_POSTGRES_URL"] else {
            throw ServerError(.storage, "TESSERA_TEST_POSTGRES_URL is not set: run scripts/test (it starts PostgreSQL)")
        }
        let parsed = try PostgresEndpoint(url: url)
        let schema = "srv_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        let endpoint = PostgresEndpoint(
            host: parsed.host, port: parsed.port, username: parsed.username, password: parsed.password, database: "tessera")
        try await admin(endpoint, "CREATE SCHEMA \(schema)")
        var components = URLComponents(string: url)!
        components.path = "/tessera"
        components.query = "schema=\(schema)"
        return (components.string!, schema, endpoint)
    }

    private static func admin(_ endpoint: PostgresEndpoint, _ sql: String) async throws {
        let logger = Logger(label: "test.admin")
        let connection = try await PostgresConnection.connect(
            configuration: .init(
                host: endpoint.host, port: endpoint.port, username: endpoint.username, password: endpoint.password,
                database: endpoint.database, tls: .disable),
            id: 1, logger: logger)
        defer { Task { try? await connection.close() } }
        try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger)
    }

    /// Starts two servers on one fresh schema (A first), runs `body`, stops them and drops the schema.
    /// Clean-up only: a stopped server's pooled connection can still hold a lock for a moment (a deadlock error here
    /// once failed a passing test), so retry, and leave the throwaway schema behind rather than fail.
    private static func dropSchema(_ storage: (url: String, schema: String, endpoint: PostgresEndpoint)) async throws {
        for attempt in 1...3 {
            do {
                try await Self.admin(storage.endpoint, "DROP SCHEMA \(storage.schema) CASCADE")
                return
            } catch  where attempt < 3 {
                try await Task.sleep(for: .milliseconds(500))
            } catch {
                print("note: throwaway schema \(storage.schema) left behind (\(type(of: error)))")
            }
        }
    }

    private static func withTwoNodes(
        configure: @escaping (inout ServerConfiguration) -> Void = { _ in },
        _ body: (TestServer, TestServer) async throws -> Void
    ) async throws {
        let storage = try await Self.freshStorage()
        let kek = TestServer.freshKEK()
        // Nodes behind one name share the issuer (tokens of one node must be valid on the other).
        let nodeA = try await TestServer.start(kek: kek) {
            $0.storage = storage.url
            $0.issuer = Self.issuer
            configure(&$0)
        }
        let nodeB: TestServer
        do {
            nodeB = try await TestServer.start(kek: kek) {
                $0.storage = storage.url
                $0.issuer = Self.issuer
                $0.listener.refusalFlushInterval = 0.1
                configure(&$0)
            }
        } catch {
            await nodeA.stop()
            throw error
        }
        do {
            try await body(nodeA, nodeB)
        } catch {
            await nodeA.stop()
            await nodeB.stop()
            throw error
        }
        await nodeA.stop()
        await nodeB.stop()
        try await Self.dropSchema(storage)
    }

    @Test func twoServersShareOneStorage() async throws {
        try await Self.withTwoNodes { nodeA, nodeB in try await shared(nodeA, nodeB) }
    }

    /// A finding that appears (caused through A) is reflected in B's decisions within 5 s too: each server refreshes
    /// the open findings its risk assessment uses from the shared database (docs/risk.md).
    @Test func aFindingReachesEveryServersDecisionsWithinFiveSeconds() async throws {
        try await Self.withTwoNodes(
            configure: {
                $0.maximumTokenTTL = 7200
                $0.risk.refreshInterval = 1
            },
            { nodeA, nodeB in
                let risky = try await nodeA.registerWorkload("risky-shared", extra: ["token_ttl": 7200])
                let endpoint = Self.issuer + "/oauth2/token"
                func request() async throws -> TestServer.Reply {
                    try await nodeB.requestToken(
                        risky, assertion: try risky.assertion(audience: endpoint, now: nodeB.clock.now()))
                }
                let first = try await request()
                #expect(first.status == 200, "\(first.json)")
                guard case .p256(let key) = risky.key else { return }
                let twin = try await nodeA.admin(
                    "POST", "/v1/identities",
                    json: [
                        "spiffe_id": "spiffe://example.org/risky-twin", "kind": "service", "owner": "alice@example.com",
                        "purpose": "shares a key", "public_key_pem": key.publicKey.pemRepresentation,
                    ])
                #expect(twin.status == 201)
                let start = ContinuousClock.now
                var refused = false
                while !refused, ContinuousClock.now - start < .seconds(5) {
                    let reply = try await request()
                    refused = reply.status != 200 && (reply.json["error_description"] as? String ?? "").contains("high-risk")
                    if !refused { try await Task.sleep(for: .milliseconds(200)) }
                }
                #expect(refused, "node B refuses the high-risk identity within 5 s of the finding")
            })
    }

    /// A client assertion (`jti`) or DPoP proof accepted by A is a replay at B: each is claimed in PostgreSQL
    /// before a token is issued, not only in A's memory.
    @Test func anAssertionOrProofAcceptedByOneServerIsAReplayAtTheOther() async throws {
        try await Self.withTwoNodes { nodeA, nodeB in
            let endpoint = Self.issuer + "/oauth2/token"
            let workload = try await nodeA.registerWorkload("replayed")
            let assertion = try workload.assertion(audience: endpoint, now: nodeA.clock.now())
            let first = try await nodeA.requestToken(workload, assertion: assertion)
            #expect(first.status == 200, "\(String(decoding: first.body, as: UTF8.self))")
            let replayed = try await nodeB.requestToken(workload, assertion: assertion)
            #expect(replayed.status == 401, "\(String(decoding: replayed.body, as: UTF8.self))")
            #expect(replayed.json["error"] as? String == "invalid_client")
            #expect((replayed.json["error_description"] as? String ?? "").contains("replay"))
            // A fresh assertion is still accepted by B: only the used jti is refused.
            let fresh = try workload.assertion(audience: endpoint, now: nodeB.clock.now())
            #expect(try await nodeB.requestToken(workload, assertion: fresh).status == 200)

            // The same DPoP proof (with a fresh assertion each time): used at A, a replay at B.
            let key = DPoPTests.ProofKey()
            let proof = try key.proof(url: endpoint, iat: nodeA.clock.now())
            func withProof(_ node: TestServer) async throws -> TestServer.Reply {
                try await node.form(
                    "/oauth2/token",
                    [
                        "grant_type": "client_credentials",
                        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                        "client_assertion": try workload.assertion(audience: endpoint, now: node.clock.now()),
                    ], headers: ["DPoP": proof])
            }
            let bound = try await withProof(nodeA)
            #expect(bound.status == 200, "\(String(decoding: bound.body, as: UTF8.self))")
            let replayedProof = try await withProof(nodeB)
            #expect(replayedProof.status == 400, "\(String(decoding: replayedProof.body, as: UTF8.self))")
            #expect(replayedProof.json["error"] as? String == "invalid_dpop_proof")
            #expect((replayedProof.json["error_description"] as? String ?? "").contains("replay"))

            // Both refusals by B are in the shared audit chain, counted by B's aggregator: a replayed assertion proves
            // nothing (anyone who captured it can resend it), nor does a replayed proof.
            let counted = try await AuditFloodAttackTests.waitForAggregates(nodeA, type: "token.refused", expected: 2)
            let codes = AuditFloodAttackTests.aggregates(counted).compactMap { $0["reason_code"] as? String }
            #expect(codes.contains("invalid_client"), "\(codes)")
            #expect(codes.contains("invalid_dpop_proof"), "\(codes)")
        }
    }

    private func shared(_ nodeA: TestServer, _ nodeB: TestServer) async throws {
        #expect(!nodeA.adminToken.isEmpty)
        #expect(nodeB.adminToken.isEmpty, "the second server finds the bootstrap admin token in the shared storage")
        for node in [nodeA, nodeB] {
            let ready = try await node.send("GET", "/readyz")
            #expect(ready.status == 200)
            #expect((ready.json["checks"] as? [String: String])?["database"] == "ok")
        }
        // One trust domain: the second server signs with the keys the first one created.
        let jwksA = try await nodeA.send("GET", "/.well-known/jwks.json")
        let jwksB = try await nodeB.send("GET", "/.well-known/jwks.json")
        #expect(jwksA.status == 200 && jwksA.body == jwksB.body)

        // Registered on A, issued by B, revoked on A, refused by B's introspection.
        let workload = try await nodeA.registerWorkload("shared-billing")
        let assertion = try workload.assertion(audience: Self.issuer + "/oauth2/token", now: nodeB.clock.now())
        let issued = try await nodeB.requestToken(workload, assertion: assertion)
        #expect(issued.status == 200, "\(String(decoding: issued.body, as: UTF8.self))")
        let token = try #require(issued.json["access_token"] as? String)
        func introspect(_ node: TestServer) async throws -> Bool? {
            let reply = try await node.send(
                "POST", "/oauth2/introspect", body: Data(TestServer.encode(["token": token]).utf8),
                contentType: "application/x-www-form-urlencoded", headers: ["Authorization": "Bearer \(nodeA.adminToken)"])
            #expect(reply.status == 200, "\(String(decoding: reply.body, as: UTF8.self))")
            return reply.json["active"] as? Bool
        }
        #expect(try await introspect(nodeA) == true)
        let revoked = try await nodeA.send(
            "POST", "/oauth2/revoke", body: Data(TestServer.encode(["token": token]).utf8),
            contentType: "application/x-www-form-urlencoded", headers: ["Authorization": "Bearer \(nodeA.adminToken)"])
        #expect(revoked.status == 200)
        #expect(try await introspect(nodeB) == false, "a revocation on A is honoured by B")

        // Suspended on A: B, which cached the identity when it issued the token above, hears of it over the
        // cluster event bus and refuses the identity (usually within milliseconds; scripts/bench/cluster measures it; a
        // lost event is bounded by the one-second cache age).
        #expect(try await nodeA.admin("POST", "/v1/identities/\(workload.id)/suspend").status == 200)
        let suspendedAt = ContinuousClock.now
        var refused = try await nodeB.requestToken(
            workload, assertion: try workload.assertion(audience: Self.issuer + "/oauth2/token", now: nodeB.clock.now()))
        while refused.status == 200, ContinuousClock.now - suspendedAt < .seconds(10) {
            try await Task.sleep(for: .milliseconds(20))
            refused = try await nodeB.requestToken(
                workload, assertion: try workload.assertion(audience: Self.issuer + "/oauth2/token", now: nodeB.clock.now()))
        }
        #expect(refused.status != 200, "\(String(decoding: refused.body, as: UTF8.self))")

        // Both servers wrote to one audit chain, and it verifies from either.
        let verify = try await nodeB.admin("GET", "/v1/audit/verify", token: nodeA.adminToken)
        #expect(verify.json["intact"] as? Bool == true)
        #expect((verify.json["records_checked"] as? Int ?? 0) >= 3)

        // The console reads the shared storage: B lists what A registered, and the timeline of its identity.
        let page = try await nodeB.admin("GET", "/v1/console/identities?q=shared-", token: nodeA.adminToken)
        #expect(page.status == 200, "\(String(decoding: page.body, as: UTF8.self))")
        let listed = (page.json["identities"] as? [[String: Any]])?.compactMap { $0["spiffe_id"] as? String }
        #expect(listed == [workload.clientID])
        let subject = workload.clientID.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
        let timeline = try await nodeB.admin("GET", "/v1/console/audit?subject=\(subject)", token: nodeA.adminToken)
        #expect(timeline.status == 200)
        let types = (timeline.json["records"] as? [[String: Any]])?.compactMap { $0["type"] as? String } ?? []
        #expect(types.contains("token.issued") && types.contains("token.revoked"), "\(types)")

        // Posture on the shared storage: B answers from the records and inventory A wrote.
        for path in ["/v1/findings", "/v1/owners/reassignments", "/v1/static-secrets", "/v1/posture/report"] {
            let reply = try await nodeB.admin("GET", path, token: nodeA.adminToken)
            #expect(reply.status == 200, "\(path): \(reply.json)")
        }
        let evidence = try await nodeB.admin("GET", "/v1/posture/evidence/\(workload.id)", token: nodeA.adminToken)
        #expect(evidence.status == 200)
        #expect((evidence.json["issuances"] as? [[String: Any]])?.isEmpty == false, "\(evidence.json)")
    }

    /// Two servers starting at the same moment on an empty schema end with one trust domain: one signing key
    /// (same JWKS), one CA (same bundle), one bootstrap admin token, and tokens one issues the other validates.
    @Test func twoServersBootstrappingAtOnceMakeOneSetOfKeys() async throws {
        let storage = try await Self.freshStorage()
        let kek = TestServer.freshKEK()
        let starts = try await withThrowingTaskGroup(of: TestServer.self) { group in
            for _ in 0..<2 {
                group.addTask {
                    try await TestServer.start(kek: kek) {
                        $0.storage = storage.url
                        $0.issuer = Self.issuer
                    }
                }
            }
            var nodes: [TestServer] = []
            for try await node in group { nodes.append(node) }
            return nodes
        }
        let (nodeA, nodeB) = (starts[0], starts[1])
        do {
            let adminTokens = [nodeA.adminToken, nodeB.adminToken].filter { !$0.isEmpty }
            #expect(adminTokens.count == 1, "one bootstrap admin token for the shared storage")
            let admin = adminTokens.first ?? ""
            for path in ["/.well-known/jwks.json", "/bundle"] {
                let fromA = try await nodeA.send("GET", path)
                let fromB = try await nodeB.send("GET", path)
                #expect(fromA.status == 200 && fromA.body == fromB.body, "\(path)")
            }
            let jwks = try await nodeA.send("GET", "/.well-known/jwks.json")
            #expect((jwks.json["keys"] as? [Any])?.count == 1, "one signing key")
            let bundle = try await nodeA.send("GET", "/bundle")
            #expect(
                (bundle.json["keys"] as? [[String: Any]])?.filter { $0["use"] as? String == "x509-svid" }.count == 1, "one CA")
            // The admin token works on both; a token issued by each is active at the other's introspection.
            let workload = try await nodeA.registerWorkload("bootstrapped", token: admin)
            for (issuer, validator) in [(nodeA, nodeB), (nodeB, nodeA)] {
                let assertion = try workload.assertion(audience: Self.issuer + "/oauth2/token", now: issuer.clock.now())
                let issued = try await issuer.requestToken(workload, assertion: assertion)
                #expect(issued.status == 200, "\(String(decoding: issued.body, as: UTF8.self))")
                let token = try #require(issued.json["access_token"] as? String)
                let reply = try await validator.send(
                    "POST", "/oauth2/introspect", body: Data(TestServer.encode(["token": token]).utf8),
                    contentType: "application/x-www-form-urlencoded", headers: ["Authorization": "Bearer \(admin)"])
                #expect(reply.json["active"] as? Bool == true, "\(String(decoding: reply.body, as: UTF8.self))")
            }
        } catch {
            await nodeA.stop()
            await nodeB.stop()
            throw error
        }
        await nodeA.stop()
        await nodeB.stop()
        try await Self.dropSchema(storage)
    }

    /// A CA rotated on A (`POST /v1/spiffe/ca/rotate`) reaches B over the cluster event bus within a second:
    /// B's bundle is A's (old and new root), and B signs X.509-SVIDs with the new CA as A does.
    @Test func aCARotationOnOneServerIsSeenByTheOther() async throws {
        try await Self.withTwoNodes { nodeA, nodeB in
            let before = try await nodeB.send("GET", "/bundle")
            func x509Authorities(_ reply: TestServer.Reply) -> Int {
                (reply.json["keys"] as? [[String: Any]])?.filter { $0["use"] as? String == "x509-svid" }.count ?? 0
            }
            #expect(x509Authorities(before) == 1)
            let rotated = try await nodeA.admin("POST", "/v1/spiffe/ca/rotate")
            #expect(rotated.status == 200, "\(String(decoding: rotated.body, as: UTF8.self))")
            let bundleA = try await nodeA.send("GET", "/bundle")
            #expect(x509Authorities(bundleA) == 2, "the new root and the previous one, for overlap")
            let rotatedAt = ContinuousClock.now
            var bundleB = try await nodeB.send("GET", "/bundle")
            while bundleB.body != bundleA.body, ContinuousClock.now - rotatedAt < .seconds(10) {
                try await Task.sleep(for: .milliseconds(20))
                bundleB = try await nodeB.send("GET", "/bundle")
            }
            #expect(bundleB.body == bundleA.body, "B serves A's bundle after the rotation")
            let caA = nodeA.spiffe.state.authority.ca.certificate
            #expect(nodeB.spiffe.state.authority.ca.certificate == caA, "B signs with the CA A rotated to")
            // The OAuth signing key does not rotate: tokens of either server stay valid at the other.
            let workload = try await nodeA.registerWorkload("after-rotation")
            let issued = try await nodeA.requestToken(
                workload, assertion: try workload.assertion(audience: Self.issuer + "/oauth2/token", now: nodeA.clock.now()))
            let token = try #require(issued.json["access_token"] as? String)
            let reply = try await nodeB.send(
                "POST", "/oauth2/introspect", body: Data(TestServer.encode(["token": token]).utf8),
                contentType: "application/x-www-form-urlencoded", headers: ["Authorization": "Bearer \(nodeA.adminToken)"])
            #expect(reply.json["active"] as? Bool == true)
        }
    }

    @Test func aSigningKeyRotatedOnOneServerSignsAndVerifiesOnTheOther() async throws {
        try await Self.withTwoNodes { nodeA, nodeB in
            func kids(_ server: TestServer) async throws -> [String] {
                let reply = try await server.send("GET", "/.well-known/jwks.json")
                return (reply.json["keys"] as? [[String: Any]])?.compactMap { $0["kid"] as? String } ?? []
            }
            let before = try await kids(nodeB)
            let rotated = try await nodeA.admin("POST", "/v1/keys/rotate", json: ["immediate": true])
            #expect(rotated.status == 200, "\(String(decoding: rotated.body, as: UTF8.self))")
            let newKid = try #require(rotated.json["kid"] as? String)
            let rotatedAt = ContinuousClock.now
            var seen = try await kids(nodeB)
            while seen.first != newKid, ContinuousClock.now - rotatedAt < .seconds(10) {
                try await Task.sleep(for: .milliseconds(20))
                seen = try await kids(nodeB)
            }
            #expect(seen == [newKid] + before, "B publishes A's new key first, the previous one kept")
            // B signs with the new key, and A verifies it (and the other way round).
            let workload = try await nodeA.registerWorkload("key-rotation")
            let issued = try await nodeB.requestToken(
                workload, assertion: try workload.assertion(audience: Self.issuer + "/oauth2/token", now: nodeB.clock.now()))
            let token = try #require(issued.json["access_token"] as? String)
            #expect(try CompactJWS(parsing: token).header.kid == newKid)
            let reply = try await nodeA.send(
                "POST", "/oauth2/introspect", body: Data(TestServer.encode(["token": token]).utf8),
                contentType: "application/x-www-form-urlencoded", headers: ["Authorization": "Bearer \(nodeA.adminToken)"])
            #expect(reply.json["active"] as? Bool == true)
        }
    }

    @Test func aBadStorageURLIsAConfigurationErrorWithoutThePassword() async throws {
        let error = await #expect(throws: ServerError.self) {
            _ = try await TestServer.start { $0.storage = "postgres://tessera:hunter2@127.0.0.1:5432/db?schema=x;drop" }
        }
        #expect(error.map { !"\($0)".contains("hunter2") } == true)
        #expect(error.map { "\($0)".contains("schema") } == true)
    }
}
