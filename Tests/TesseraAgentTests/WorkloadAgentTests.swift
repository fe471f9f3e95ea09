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

@Test(.stopsServers) func agentServesX509AndJWTSVIDsToAnAttestedProcess() async throws {
    let harness = try await Harness.start()
    let client = WorkloadAPIClient(socketPath: harness.socket)

    let svids = try await client.fetchX509SVIDs()
    let svid = try #require(svids.first)
    #expect(svids.count == 1)
    #expect(svid.spiffeID == "spiffe://example.org/web")
    let leaf = svid.certificates[0]
    #expect(
        try X509SVIDVerifier(authorities: svid.bundle).verify(chain: svid.certificates, now: harness.clock.now()).path == "/web")
    let key = try P256.Signing.PrivateKey(derRepresentation: svid.privateKeyDER)
    #expect(Certificate.PublicKey(key.publicKey) == leaf.publicKey)
    #expect(leaf.notValidAfter.timeIntervalSince(leaf.notValidBefore) <= 3600 + TrustDomainCA.backdate)

    let jwts = try await client.fetchJWTSVIDs(audience: ["db"])
    #expect(jwts.map(\.0) == ["spiffe://example.org/web"])
    #expect(try await client.validateJWTSVID(jwts[0].1, audience: "db") == "spiffe://example.org/web")
    await #expect(throws: RPCError.self) { try await client.validateJWTSVID(jwts[0].1, audience: "other") }
    await #expect(throws: RPCError.self) { try await client.fetchJWTSVIDs(audience: []) }

    let x509Bundles = try await client.fetchX509Bundles()
    #expect(x509Bundles.keys.sorted() == ["spiffe://example.org"])
    let jwtBundles = try await client.fetchJWTBundles()
    let jwks = try #require(jwtBundles["spiffe://example.org"])
    #expect(try SPIFFEBundle.parse(jwks, trustDomain: "example.org").jwtAuthorities.count == 1)
}

@Test(.stopsServers) func callsWithoutTheSecurityHeaderAreRefused() async throws {
    let harness = try await Harness.start()
    var client = WorkloadAPIClient(socketPath: harness.socket)
    client.sendSecurityHeader = false
    do {
        _ = try await client.fetchX509SVIDs()
        Issue.record("a call without workload.spiffe.io was served")
    } catch let error as RPCError {
        #expect(error.code == .invalidArgument)
    }
}

@Test(.stopsServers) func aProcessMatchingNoEntryGetsPermissionDenied() async throws {
    let harness = try await Harness.start(selector: "unix:uid:\(getuid() + 4242)")
    let client = WorkloadAPIClient(socketPath: harness.socket)
    for call in [{ _ = try await client.fetchX509SVIDs() }, { _ = try await client.fetchJWTSVIDs(audience: ["db"]) }]
        as [@Sendable () async throws -> Void]
    {
        do {
            try await call()
            Issue.record("an unmatched process was served")
        } catch let error as RPCError {
            #expect(error.code == .permissionDenied)
        }
    }
}

@Test(.stopsServers) func svidsRotateAtHalfLifeAndArePushedOnTheStream() async throws {
    let harness = try await Harness.start()
    let client = WorkloadAPIClient(socketPath: harness.socket)
    let first = try #require(try await client.fetchX509SVIDs().first)
    let watcher = Task { try await client.watchX509SVIDs(count: 2) }
    try await Task.sleep(for: .milliseconds(300))
    harness.clock.advance(by: 1900)
    let messages = try await watcher.value
    let rotated = try #require(messages.last?.first)
    #expect(rotated.certificates[0].serialNumber != first.certificates[0].serialNumber)
    #expect(rotated.certificates[0].notValidAfter > first.certificates[0].notValidAfter)
}

@Test(.stopsServers) func revokedNodesAndSuspendedIdentitiesGetNoNewSVIDs() async throws {
    let harness = try await Harness.start()
    let client = WorkloadAPIClient(socketPath: harness.socket)
    _ = try await client.fetchJWTSVIDs(audience: ["db"])

    let (_, page) = try await harness.admin("GET", "/v1/identities?spiffe_id=spiffe://example.org/web")
    let id = try #require((page["identities"] as? [[String: Any]])?.first?["id"] as? String)
    #expect(try await harness.admin("POST", "/v1/identities/\(id)/suspend").0 == 200)
    await #expect(throws: RPCError.self) { try await client.fetchJWTSVIDs(audience: ["other-audience"]) }
    #expect(try await harness.admin("POST", "/v1/identities/\(id)/activate").0 == 200)
    // Suspension withdrew the entry from the agent; reactivation brings it back at the next (pushed) sync.
    var restored = false
    for _ in 0..<100 where !restored {
        let jwt = try? await client.fetchJWTSVIDs(audience: ["other-audience"])
        let x509 = try? await client.fetchX509SVIDs()
        restored = jwt != nil && x509?.isEmpty == false
        if !restored { try await Task.sleep(for: .milliseconds(50)) }
    }
    #expect(restored, "a reactivated identity gets its SVIDs again")

    #expect(try await harness.admin("POST", "/v1/nodes/n1/revoke").0 == 204)
    await #expect(throws: RPCError.self) { try await client.fetchJWTSVIDs(audience: ["third-audience"]) }
    // The agent keeps serving the X.509-SVID it holds while it is valid.
    #expect(try await client.fetchX509SVIDs().first?.spiffeID == "spiffe://example.org/web")
}

@Test(.stopsServers) func federatedBundlesAreServedSeparately() async throws {
    let harness = try await Harness.start()
    var partnerConfiguration = ServerConfiguration()
    partnerConfiguration.port = 0
    partnerConfiguration.trustDomain = "partner.test"
    partnerConfiguration.dataDirectory = NSTemporaryDirectory() + "tessera-partner-" + UUID().uuidString
    let partner = try await TesseraServer.make(configuration: partnerConfiguration, kek: KeyEncryptionKey.generate().0)
    let (ports, continuation) = AsyncStream<Int>.makeStream()
    let partnerGroup = try partner.serviceGroup { continuation.yield($0) }
    _ = try ServerScope.serve(
        "partner server",
        ClosureService {
            defer { continuation.finish() }
            try await partnerGroup.run()
        })
    var iterator = ports.makeAsyncIterator()
    guard let port = await iterator.next() else { throw HarnessError("the partner server stopped before it listened") }

    let (status, reply) = try await harness.admin(
        "POST", "/v1/federation", ["trust_domain": "partner.test", "bundle_endpoint_url": "http://127.0.0.1:\(port)/bundle"])
    #expect(status == 201)
    #expect(reply["fetched"] as? Bool == true)
    let (refused, _) = try await harness.admin(
        "POST", "/v1/federation", ["trust_domain": "example.org", "bundle_endpoint_url": "http://127.0.0.1:\(port)/bundle"])
    #expect(refused == 400)

    let client = WorkloadAPIClient(socketPath: harness.socket)
    var bundles: [String: [Certificate]] = [:]
    for _ in 0..<50 {
        bundles = try await client.fetchX509Bundles()
        if bundles.count == 2 { break }
        try await Task.sleep(for: .milliseconds(100))
    }
    #expect(bundles.keys.sorted() == ["spiffe://example.org", "spiffe://partner.test"])
    #expect(bundles["spiffe://example.org"] != bundles["spiffe://partner.test"])
    let svid = try #require(try await client.fetchX509SVIDs().first)
    #expect(svid.federatedBundles.keys.sorted() == ["spiffe://partner.test"])
    #expect(try await client.fetchJWTBundles().keys.sorted() == ["spiffe://example.org", "spiffe://partner.test"])
}

@Test(.stopsServers) func caRotationKeepsTheOldRootInTheBundleAndPushesNewSVIDs() async throws {
    let harness = try await Harness.start()
    let client = WorkloadAPIClient(socketPath: harness.socket)
    let before = try #require(try await client.fetchX509SVIDs().first)
    let (status, reply) = try await harness.admin("POST", "/v1/spiffe/ca/rotate")
    #expect(status == 200)
    #expect(reply["roots"] as? Int == 2)

    var request = URLRequest(url: URL(string: harness.base + "/bundle")!)
    request.httpMethod = "GET"
    let (data, _) = try await HTTPTestClient.data(for: request)
    let bundle = try SPIFFEBundle.parse(data, trustDomain: "example.org")
    #expect(bundle.x509Authorities.count == 2)
    // SVIDs signed by the previous CA still verify against the bundle during the overlap.
    _ = try X509SVIDVerifier(authorities: bundle.x509Certificates()).verify(chain: before.certificates, now: harness.clock.now())

    // The agent pushes the new bundle first (same SVID); past half-life it renews under the new CA.
    for _ in 0..<50 where try await client.fetchX509SVIDs().first?.bundle.count != 2 {
        try await Task.sleep(for: .milliseconds(100))
    }
    let watcher = Task { try await client.watchX509SVIDs(count: 2) }
    try await Task.sleep(for: .milliseconds(300))
    harness.clock.advance(by: 1900)
    let after = try #require(try await watcher.value.last?.first)
    #expect(after.certificates[0].issuer != before.certificates[0].issuer)
    #expect(after.bundle.count == 2)
}

@Test(.stopsServers) func aJWTSVIDIsAcceptedOnceAsAClientAssertion() async throws {
    let harness = try await Harness.start()
    let client = WorkloadAPIClient(socketPath: harness.socket)
    let endpoint = harness.base + "/oauth2/token"
    let token = try #require(try await client.fetchJWTSVIDs(audience: [endpoint]).first?.1)
    func exchange(_ assertion: String) async throws -> (Int, [String: Any]) {
        var request = URLRequest(url: URL(string: endpoint)!)
        request.httpMethod = "POST"
        request.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
        request.httpBody = Data(
            ("grant_type=client_credentials&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer"
                + "&client_assertion=" + assertion).utf8)
        let (data, response) = try await HTTPTestClient.data(for: request)
        return (
            (response as? HTTPURLResponse)?.statusCode ?? 0,
            (try? JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
        )
    }
    let (status, body) = try await exchange(token)
    #expect(status == 200, "\(body)")
    #expect(body["access_token"] is String)
    let (replayed, _) = try await exchange(token)
    #expect(replayed == 401 || replayed == 400)
    // A JWT-SVID for another audience is not a client assertion for this server.
    let other = try #require(try await client.fetchJWTSVIDs(audience: ["db"]).first?.1)
    #expect(try await exchange(other).0 != 200)
}

@Test(.stopsServers) func revocationReachesTheAgentWithoutWaitingForTheNextSync() async throws {
    // Periodic syncs every 60 s: anything faster is the watch (long-poll) path.
    let harness = try await Harness.start(syncInterval: 60)
    let client = WorkloadAPIClient(socketPath: harness.socket)
    let first = try #require(try await client.fetchX509SVIDs().first)
    let serial = Hex.encode(first.certificates[0].serialNumber.bytes)

    // The SVID is a lease, listed under its serial number.
    let (_, listed) = try await harness.admin("GET", "/v1/leases?kind=x509_svid&subject=spiffe://example.org/web&state=live")
    let leases = try #require(listed["leases"] as? [[String: Any]])
    #expect(leases.compactMap { $0["id"] as? String }.contains(serial))

    // Revoking that one lease: the agent stops serving it and fetches a replacement.
    #expect(try await harness.admin("POST", "/v1/leases/\(serial)/revoke", ["reason": "key exposed"]).0 == 200)
    var replaced: String?
    for _ in 0..<100 where replaced == nil {
        if let current = try? await client.fetchX509SVIDs().first {
            let now = Hex.encode(current.certificates[0].serialNumber.bytes)
            if now != serial { replaced = now }
        }
        if replaced == nil { try await Task.sleep(for: .milliseconds(50)) }
    }
    #expect(replaced != nil, "the revoked SVID was replaced well before the 60 s periodic sync")

    // Suspending the identity: the agent stops serving its SVID at all.
    let (_, page) = try await harness.admin("GET", "/v1/identities?spiffe_id=spiffe://example.org/web")
    let id = try #require((page["identities"] as? [[String: Any]])?.first?["id"] as? String)
    #expect(try await harness.admin("POST", "/v1/identities/\(id)/suspend").0 == 200)
    var denied = false
    for _ in 0..<100 where !denied {
        do {
            _ = try await client.fetchX509SVIDs()
            try await Task.sleep(for: .milliseconds(50))
        } catch let error as RPCError {
            denied = error.code == .permissionDenied
        }
    }
    #expect(denied, "a suspended identity's SVID is withdrawn from the Workload API")
}
