import Crypto
import Foundation
import TesseraCore
import TesseraCrypto
import TesseraTestSupport
import Testing
import X509

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Attacks on the agent API's node proofs over real HTTP: someone who captured one proof (from a log, a proxy,
/// plain-HTTP traffic) replays it, or re-targets it at another route or body (an attacker's CSR).
@Suite(.stopsServers) struct NodeProofAttackTests {
    /// A node attested with a join token: its key and SVID chain.
    struct Node {
        let key: P256.Signing.PrivateKey
        let chain: [Certificate]
        let entryID: String
    }

    static func attest(_ server: TestServer) async throws -> Node {
        _ = try await server.registerWorkload("web")
        let entry = try await server.admin(
            "POST", "/v1/entries",
            json: ["spiffe_id": "spiffe://example.org/web", "node_id": "n1", "selectors": ["unix:uid:1000"]])
        #expect(entry.status == 201)
        let tokenReply = try await server.admin("POST", "/v1/nodes/tokens", json: ["node_id": "n1"])
        let token = try #require(tokenReply.json["join_token"] as? String)
        let key = P256.Signing.PrivateKey()
        let csr = Data(try CertificateRequest.make(for: key)).base64EncodedString()
        let request = AgentAPI.AttestRequest(joinToken: token, csr: csr)
        let reply = try await server.send(
            "POST", "/agent/v1/attest", body: try AgentAPI.encoder().encode(request), contentType: "application/json")
        #expect(reply.status == 200)
        let svid = try AgentAPI.decoder().decode(AgentAPI.X509SVID.self, from: reply.body)
        let chain = try X509SVIDVerifier.parse(der: svid.certificates.compactMap { Data(base64Encoded: $0) }.map { Array($0) })
        return Node(key: key, chain: chain, entryID: try #require(entry.json["id"] as? String))
    }

    static func proof(
        _ node: Node, _ server: TestServer, _ method: String, _ path: String, body: Data = Data(), issuer: String? = nil
    ) throws -> String {
        "SVID "
            + (try NodeProof.sign(
                key: node.key, chain: node.chain, audience: (issuer ?? server.base) + "/agent",
                binding: NodeProof.Binding(method: method, path: path, body: body), now: server.clock.now()))
    }

    static func call(_ server: TestServer, _ method: String, _ path: String, proof: String, body: Data? = nil) async throws -> Int
    {
        try await server.send(
            method, path, body: body, contentType: body == nil ? nil : "application/json", headers: ["Authorization": proof]
        ).status
    }

    /// An X.509-SVID batch request for `entryID` with a fresh key's CSR (the agent's, or an attacker's).
    static func svidRequest(_ entryID: String) throws -> Data {
        let csr = Data(try CertificateRequest.make(for: P256.Signing.PrivateKey())).base64EncodedString()
        return try AgentAPI.encoder().encode(AgentAPI.X509SVIDBatchRequest(requests: [.init(entryID: entryID, csr: csr)]))
    }

    @Test func aReplayedProofIsRefused() async throws {
        let server = try await TestServer.start()
        let node = try await Self.attest(server)
        let proof = try Self.proof(node, server, "GET", "/agent/v1/entries")
        #expect(try await Self.call(server, "GET", "/agent/v1/entries", proof: proof) == 200)
        #expect(try await Self.call(server, "GET", "/agent/v1/entries", proof: proof) == 401)

        // The agent's own SVID request, captured and replayed as is: refused too.
        let body = try Self.svidRequest(node.entryID)
        let svidProof = try Self.proof(node, server, "POST", "/agent/v1/x509-svids", body: body)
        #expect(try await Self.call(server, "POST", "/agent/v1/x509-svids", proof: svidProof, body: body) == 200)
        #expect(try await Self.call(server, "POST", "/agent/v1/x509-svids", proof: svidProof, body: body) == 401)
        // A fresh proof for the same request is fine (the node itself, not a replay).
        let fresh = try Self.proof(node, server, "GET", "/agent/v1/entries")
        #expect(try await Self.call(server, "GET", "/agent/v1/entries", proof: fresh) == 200)
    }

    /// Attacker finding (docs/threat-model.md): a captured proof, replayed (or a revoked node's proof, resent), wrote one durable
    /// `node.refused` record per request; it proves nothing new and is counted instead.
    @Test func replayedAndRevokedNodeProofsAreCountedNotRecorded() async throws {
        let server = try await TestServer.start { $0.listener.refusalFlushInterval = 0.2 }
        let node = try await Self.attest(server)
        let proof = try Self.proof(node, server, "GET", "/agent/v1/entries")
        #expect(try await Self.call(server, "GET", "/agent/v1/entries", proof: proof) == 200)
        let revokedLater = try Self.proof(node, server, "GET", "/agent/v1/bundles")
        let before = try await server.auditRecords().count
        for _ in 0..<30 { #expect(try await Self.call(server, "GET", "/agent/v1/entries", proof: proof) == 401) }
        #expect((200...204).contains(try await server.admin("POST", "/v1/nodes/n1/revoke").status))
        for _ in 0..<30 { #expect(try await Self.call(server, "GET", "/agent/v1/bundles", proof: revokedLater) == 403) }
        let counted = try await AuditFloodAttackTests.expectCountedNotRecorded(
            server, type: "node.refused", expected: 60, after: before)
        #expect(Set(counted.compactMap { $0["reason_code"] as? String }) == ["node_proof_replayed", "node_revoked"])
    }

    /// Attacker finding (docs/threat-model.md): a workload identity in the node namespace got an SVID that authenticated as a node.
    @Test func theNodeNamespaceIsReserved() async throws {
        let server = try await TestServer.start()
        for id in [
            "spiffe://example.org/tessera/agent/n3", "spiffe://example.org/Tessera/Agent/n3",
            "spiffe://example.org/tessera/agent",
        ] {
            let identity = try await server.admin(
                "POST", "/v1/identities",
                json: [
                    "spiffe_id": id, "kind": "service", "owner": "mallory", "purpose": "impersonate a node", "jwks": ["keys": []],
                ])
            #expect(identity.status == 400, "\(id): \(identity.json)")
            #expect((identity.json["detail"] as? String ?? "").contains("reserved"), "\(identity.json)")
            let entry = try await server.admin(
                "POST", "/v1/entries", json: ["spiffe_id": id, "node_id": "n1", "selectors": ["unix:uid:1000"]])
            #expect(entry.status == 400, "\(id): \(entry.json)")
        }
    }

    @Test func aProofIsRefusedForAnotherRouteOrBody() async throws {
        let server = try await TestServer.start()
        let node = try await Self.attest(server)
        // A proof for GET /agent/v1/entries is no good for another route or method.
        let entriesProof = try Self.proof(node, server, "GET", "/agent/v1/entries")
        #expect(try await Self.call(server, "GET", "/agent/v1/bundles", proof: entriesProof) == 401)
        let otherBody = try Self.svidRequest(node.entryID)
        #expect(try await Self.call(server, "POST", "/agent/v1/x509-svids", proof: entriesProof, body: otherBody) == 401)

        // The attack: a captured proof for the agent's CSR, sent with the attacker's CSR instead.
        let agentBody = try Self.svidRequest(node.entryID)
        let captured = try Self.proof(node, server, "POST", "/agent/v1/x509-svids", body: agentBody)
        let attackerBody = try Self.svidRequest(node.entryID)
        #expect(try await Self.call(server, "POST", "/agent/v1/x509-svids", proof: captured, body: attackerBody) == 401)
        // Refused before use: the agent's own request with that proof still goes through.
        #expect(try await Self.call(server, "POST", "/agent/v1/x509-svids", proof: captured, body: agentBody) == 200)

        // A proof without binding claims (as agents signed before) is refused.
        let unbound = try Self.unboundProof(node, server)
        #expect(try await Self.call(server, "GET", "/agent/v1/entries", proof: unbound) == 401)
    }

    @Test func aProofReplayedAfterARestartIsRefused() async throws {
        let clock = ManualTimeSource(Date())
        let kek = TestServer.freshKEK()
        // A fixed issuer (as behind a load balancer), so the proof's aud is the same for both server processes.
        let issuer = "https://tessera.test"
        let first = try await TestServer.start(kek: kek, clock: clock) { $0.issuer = issuer }
        let node = try await Self.attest(first)
        let proof = try Self.proof(node, first, "GET", "/agent/v1/entries", issuer: issuer)
        #expect(try await Self.call(first, "GET", "/agent/v1/entries", proof: proof) == 200)
        // Routes whose answer waits for a durable record store the proof's key with that record instead of claiming it
        // apart: an SVID batch (its first record carries it), a batch of unknown entries (its refusal record does) and
        // a renewal.
        // A request that fails before its record (a body matching the proof's hash that does not decode, a bad CSR)
        // and an empty batch (no record at all) store the key on their own.
        var recorded: [(path: String, body: Data, proof: String, status: Int)] = []
        func add(_ path: String, _ body: Data, _ status: Int) throws {
            recorded.append((path, body, try Self.proof(node, first, "POST", path, body: body, issuer: issuer), status))
        }
        try add("/agent/v1/x509-svids", try Self.svidRequest(node.entryID), 200)
        try add("/agent/v1/x509-svids", try Self.svidRequest("no-such-entry"), 200)
        try add("/agent/v1/x509-svids", Data(#"{"requests": []}"#.utf8), 200)
        try add("/agent/v1/x509-svids", Data(#"{"requests": not json"#.utf8), 400)
        let renewal = try AgentAPI.encoder().encode(
            AgentAPI.RenewRequest(csr: Data(try CertificateRequest.make(for: node.key)).base64EncodedString()))
        try add("/agent/v1/renew", renewal, 200)
        try add("/agent/v1/renew", Data(#"{"csr": "AAAA"}"#.utf8), 400)
        for (path, body, proof, status) in recorded {
            #expect(try await Self.call(first, "POST", path, proof: proof, body: body) == status, "\(path)")
            #expect(try await Self.call(first, "POST", path, proof: proof, body: body) == 401, "\(path): replayed at once")
        }
        await first.stop()
        // Same storage, new process memory: the jti was claimed in the database, not only in memory.
        let second = try await TestServer.start(dataDirectory: first.dataDirectory, kek: kek, clock: clock) { $0.issuer = issuer }
        #expect(try await Self.call(second, "GET", "/agent/v1/entries", proof: proof) == 401)
        for (path, body, proof, status) in recorded {
            #expect(
                try await Self.call(second, "POST", path, proof: proof, body: body) == 401,
                "\(path) (first answered \(status)): replayed after a restart")
        }
        let fresh = try Self.proof(node, second, "GET", "/agent/v1/entries", issuer: issuer)
        #expect(try await Self.call(second, "GET", "/agent/v1/entries", proof: fresh) == 200, "control: a fresh proof works")
    }

    /// A correctly signed proof in the old shape: `sub`, `aud`, `iat`, `exp`, `jti`, and no `htm`/`htu`/`bh`.
    static func unboundProof(_ node: Node, _ server: TestServer) throws -> String {
        let now = Int(server.clock.now().timeIntervalSince1970)
        let x5c = try node.chain.map { Data(try $0.derBytes()).base64EncodedString() }
        let header = try JSONSerialization.data(withJSONObject: ["alg": "ES256", "typ": NodeProof.type, "x5c": x5c])
        let claims = try JSONSerialization.data(withJSONObject: [
            "sub": "spiffe://example.org/tessera/agent/n1", "aud": server.base + "/agent", "iat": now, "exp": now + 60,
            "jti": UUID().uuidString,
        ])
        let input = Base64URL.encode(header) + "." + Base64URL.encode(claims)
        let signature = try node.key.signature(for: SHA256.hash(data: Data(input.utf8)))
        return "SVID " + input + "." + Base64URL.encode(signature.rawRepresentation)
    }
}
