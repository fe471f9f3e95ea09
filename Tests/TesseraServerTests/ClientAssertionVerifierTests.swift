import Crypto
import Foundation
import Synchronization
import TesseraCore
import TesseraCrypto
import TesseraStore
import Testing

@testable import TesseraServer

/// Which claim of an assertion's `jti` the verifier makes in the storage shared by several servers: the unflushed one
/// only when the caller said it issues nothing before a durable audit append (docs/threat-model.md, client assertions).
@Suite struct ClientAssertionVerifierTests {
    /// Records which claim was made; answers "fresh" once per key.
    final class SharedReplaySpy: TokenStateRepository {
        let claims = Mutex<[(key: String, flushed: Bool)]>([])

        func claimReplayKey(_ key: String, expiresAt: Date, now: Date) async throws -> Bool { claim(key, flushed: true) }
        func claimReplayKeyBeforeAudit(_ key: String, expiresAt: Date, now: Date) async throws -> Bool {
            claim(key, flushed: false)
        }
        private func claim(_ key: String, flushed: Bool) -> Bool {
            claims.withLock { claims in
                defer { claims.append((key, flushed)) }
                return !claims.contains { $0.key == key }
            }
        }
        func revoke(jti: String, expiresAt: Date, reason: String, at: Date) async throws {}
        func isRevoked(jti: String) async throws -> Bool { false }
        func revokedUnexpired(now: Date, limit: Int) async throws -> [(jti: String, expiresAt: Date)] { [] }
        func unexpiredReplayKeys(now: Date) async throws -> [(key: String, expiresAt: Date)] { [] }
        func purgeExpired(now: Date) async throws {}
    }

    @Test func onlyACallerThatIssuesAfterADurableAuditAppendGetsTheUnflushedClaim() async throws {
        let directory = NSTemporaryDirectory() + "tessera-assertions-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let storage = try SQLiteStorage(directory: directory)
        let key = P256.Signing.PrivateKey()
        let now = Date()
        let clientID = "spiffe://example.org/batch"
        let jwks = String(
            decoding: try JSONEncoder().encode(JWKSet(keys: [VerificationKey.p256(key.publicKey).jwk()])), as: UTF8.self)
        try await storage.identities.create(
            Identity(
                id: Identity.newID(), spiffeID: try SPIFFEID(parsing: clientID), kind: .service, owner: "alice",
                purpose: "nightly", jwks: jwks, createdAt: now, updatedAt: now))
        let spy = SharedReplaySpy()
        let verifier = ClientAssertionVerifier(
            identities: storage.identities, replay: ReplayCache(), clock: ManualTimeSource(now), maximumLifetime: 300, skew: 30,
            sharedReplay: spy)
        let audience = "https://tessera.test/oauth2/token"
        func form() throws -> FormBody {
            FormBody(values: [
                "client_assertion_type": ClientAssertionVerifier.assertionType,
                "client_assertion": try ClientAssertion.sign(
                    clientID: clientID, audience: audience, key: .p256(key), now: now, lifetime: 60),
            ])
        }
        _ = try await verifier.authenticate(try form(), audiences: [audience], issuesAfterAudit: true)
        _ = try await verifier.authenticate(try form(), audiences: [audience])
        #expect(
            spy.claims.withLock { $0.map(\.flushed) } == [false, true], "client_credentials unflushed; any other caller flushed")
    }
}
