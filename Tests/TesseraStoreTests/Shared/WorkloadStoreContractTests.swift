import Foundation
import TesseraCore
import Testing

@testable import TesseraStore

/// SPIFFE state (authorities, nodes and join tokens, entries, federations, bundle sequence) and posture state:
/// the same contract on SQLite and PostgreSQL.
@Suite struct WorkloadStoreContractTests {
    @Test(arguments: StorageEngine.testedEngines) func authoritiesEntriesFederations(_ engine: StorageEngine) async throws {
        try await withStorage(engine) { fixture in
            let spiffe = fixture.primary.spiffe
            let root = StoredX509Authority(
                id: "ca1", certificate: Data([0x30, 0x82, 0, 1]), chain: [], sealedPrivateKey: Data([9, 9]),
                notAfter: storeEpoch.addingTimeInterval(86_400), createdAt: storeEpoch, status: "active")
            let next = StoredX509Authority(
                id: "ca2", certificate: Data([0x30, 0x83]), chain: [Data([1, 2, 3]), Data([4, 5])], sealedPrivateKey: Data([7]),
                notAfter: storeEpoch.addingTimeInterval(172_800), createdAt: storeEpoch.addingTimeInterval(60), status: "active")
            try await spiffe.insertAuthority(root)
            try await spiffe.insertAuthority(next)
            try await spiffe.setAuthorityStatus(id: "ca1", status: "published")
            let authorities = try await spiffe.authorities()
            #expect(authorities.map(\.id) == ["ca2", "ca1"])
            #expect(authorities.first?.chain == [Data([1, 2, 3]), Data([4, 5])])
            #expect(authorities.last?.status == "published")
            try await spiffe.setAuthorityStatus(id: "ca1", status: "retired")
            #expect(try await spiffe.authorities().map(\.id) == ["ca2"])

            let entry = RegistrationEntry(
                id: "e1", spiffeID: try SPIFFEID(parsing: "spiffe://example.org/web"), nodeID: "n1",
                selectors: [
                    try WorkloadSelector(parsing: "unix:uid:1000"), try WorkloadSelector(parsing: "unix:path:/usr/bin/web"),
                ],
                x509TTL: 3600, jwtTTL: 300, createdAt: storeEpoch)
            try await spiffe.insertEntry(entry)
            #expect(try await spiffe.entry(id: "e1") == entry)
            #expect(try await spiffe.entries(nodeID: "n1") == [entry])
            #expect(try await spiffe.entries(nodeID: "n2").isEmpty)
            #expect(try await spiffe.entries(nodeID: nil) == [entry])
            #expect(try await spiffe.deleteEntry(id: "e1"))
            #expect(try await !spiffe.deleteEntry(id: "e1"))

            try await spiffe.upsertFederation(trustDomain: "partner.org", endpointURL: "https://a/bundle", now: storeEpoch)
            try await spiffe.upsertFederation(trustDomain: "partner.org", endpointURL: "https://b/bundle", now: storeEpoch)
            try await spiffe.recordFederationFetch(trustDomain: "partner.org", bundle: nil, error: "timeout", now: storeEpoch)
            var federation = try #require(try await spiffe.federations().first)
            #expect(federation.endpointURL == "https://b/bundle" && federation.lastError == "timeout" && federation.bundle == nil)
            let bundle = Data("{\"keys\":[]}".utf8)
            try await spiffe.recordFederationFetch(trustDomain: "partner.org", bundle: bundle, error: nil, now: storeEpoch)
            federation = try #require(try await spiffe.federations().first)
            #expect(federation.bundle == bundle && federation.lastError == nil && federation.fetchedAt == storeEpoch)
            #expect(federation.profile == "https_web" && federation.endpointSPIFFEID == nil)
            try await spiffe.upsertFederation(
                trustDomain: "partner.org", endpointURL: "https://c/bundle", profile: "https_spiffe",
                endpointSPIFFEID: "spiffe://partner.org/bundle-endpoint", now: storeEpoch)
            federation = try #require(try await spiffe.federations().first)
            #expect(federation.profile == "https_spiffe" && federation.endpointSPIFFEID == "spiffe://partner.org/bundle-endpoint")
            #expect(federation.bundle == bundle, "changing the profile keeps the last bundle")
            #expect(try await spiffe.deleteFederation(trustDomain: "partner.org"))
            #expect(try await spiffe.federations().isEmpty)

            #expect(try await spiffe.bundleSequence() == 0)
            #expect(try await spiffe.nextBundleSequence() == 1)
            #expect(try await spiffe.nextBundleSequence() == 2)
            #expect(try await spiffe.bundleSequence() == 2)
        }
    }

    @Test(arguments: StorageEngine.testedEngines) func joinTokensAttestOnce(_ engine: StorageEngine) async throws {
        try await withStorage(engine) { fixture in
            let spiffe = fixture.primary.spiffe
            let expires = storeEpoch.addingTimeInterval(600)
            try await spiffe.insertJoinToken(hash: "h1", nodeID: "n1", expiresAt: expires, createdAt: storeEpoch)
            try await spiffe.insertJoinToken(hash: "h2", nodeID: "n1", expiresAt: expires, createdAt: storeEpoch)
            try await spiffe.insertJoinToken(
                hash: "h3", nodeID: "n2", expiresAt: storeEpoch.addingTimeInterval(1), createdAt: storeEpoch)
            #expect(try await spiffe.node(id: "n1")?.status == "pending")
            #expect(try await spiffe.nodes().map(\.id) == ["n1", "n2"])
            // A reused token hash fails as a whole: the node it would have created is rolled back with it.
            await #expect(throws: (any Error).self) {
                try await spiffe.insertJoinToken(hash: "h1", nodeID: "n7", expiresAt: expires, createdAt: storeEpoch)
            }
            #expect(try await spiffe.node(id: "n7") == nil)

            let now = storeEpoch.addingTimeInterval(5)
            #expect(try await spiffe.consumeJoinToken(hash: "h1", now: now) == "n1")
            #expect(try await spiffe.consumeJoinToken(hash: "h1", now: now) == nil, "used")
            #expect(try await spiffe.consumeJoinToken(hash: "h3", now: now) == nil, "expired")
            #expect(try await spiffe.consumeJoinToken(hash: "nope", now: now) == nil, "unknown")
            let node = try #require(try await spiffe.node(id: "n1"))
            #expect(node.status == "active" && node.attestedAt == now)

            #expect(try await spiffe.setNodeStatus(id: "n1", status: "revoked"))
            #expect(try await !spiffe.setNodeStatus(id: "n9", status: "revoked"))
            #expect(try await spiffe.consumeJoinToken(hash: "h2", now: now) == nil, "the node is revoked")
        }
    }

    @Test(arguments: StorageEngine.testedEngines) func postureState(_ engine: StorageEngine) async throws {
        try await withStorage(engine) { fixture in
            let posture = fixture.primary.posture
            #expect(try await posture.owner("bob") == nil)
            try await posture.depart("bob", identityIDs: ["nhi_a", "nhi_b"], at: storeEpoch)
            try await posture.depart("bob", identityIDs: ["nhi_b"], at: storeEpoch.addingTimeInterval(5))
            let bob = try #require(try await posture.owner("bob"))
            #expect(bob.status == .departed && bob.departedAt == storeEpoch.addingTimeInterval(5))
            #expect(try await posture.owners().map(\.name) == ["bob"])
            let queue = try await posture.reassignmentQueue()
            #expect(queue.map(\.identityID) == ["nhi_a", "nhi_b"])
            #expect(queue.first?.previousOwner == "bob" && queue.last?.queuedAt == storeEpoch, "queued once, first time kept")
            try await posture.dequeue(identityID: "nhi_a")
            #expect(try await posture.reassignmentQueue().map(\.identityID) == ["nhi_b"])

            let secret = StaticSecret(
                id: "s1", kind: "aws_access_key", location: "repo/app.env:3", fingerprint: "f1", redacted: "AKIA****",
                owner: "alice", source: "scan", lastRotatedAt: nil, rotationPeriodDays: 90, createdAt: storeEpoch,
                updatedAt: storeEpoch)
            #expect(try await posture.upsert(secret) == secret)
            let rescanned = StaticSecret(
                id: "s-new", kind: "aws_access_key", location: "repo/app.env:3", fingerprint: "f1", redacted: "AKIA**",
                owner: nil, source: "scan", lastRotatedAt: nil, rotationPeriodDays: 30, createdAt: storeEpoch,
                updatedAt: storeEpoch.addingTimeInterval(60))
            let merged = try await posture.upsert(rescanned)
            #expect(
                merged.id == "s1" && merged.owner == "alice" && merged.rotationPeriodDays == 30 && merged.redacted == "AKIA**")
            #expect(try await posture.staticSecrets().count == 1)
            let rotated = try await posture.markRotated(id: "s1", at: storeEpoch.addingTimeInterval(100))
            #expect(rotated.lastRotatedAt == storeEpoch.addingTimeInterval(100))
            let missing = await #expect(throws: StoreError.self) { try await posture.markRotated(id: "s9", at: storeEpoch) }
            #expect(missing?.code == .notFound)

            let acknowledged = FindingState(
                id: "f1", status: .acknowledged, reason: "known", until: storeEpoch.addingTimeInterval(86_400),
                actor: "alice", updatedAt: storeEpoch)
            try await posture.setFindingState(acknowledged)
            let resolved = FindingState(id: "f1", status: .resolved, reason: nil, until: nil, actor: "bob", updatedAt: storeEpoch)
            let other = FindingState(id: "f2", status: .open, reason: nil, until: nil, actor: nil, updatedAt: storeEpoch)
            #expect(try await posture.findingStates() == ["f1": acknowledged])
            try await posture.setFindingStates([resolved, other])
            #expect(try await posture.findingStates() == ["f1": resolved, "f2": other])
        }
    }
}
