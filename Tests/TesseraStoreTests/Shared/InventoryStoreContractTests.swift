import Foundation
import TesseraAudit
import TesseraCore
import Testing

@testable import TesseraStore

/// The inventory, keys, admin tokens, metadata and token state: the same contract on SQLite and PostgreSQL.
@Suite struct InventoryStoreContractTests {
    private func identity(
        _ name: String, kind: IdentityKind = .service, owner: String = "alice", env: String? = "prod",
        status: IdentityStatus = .active
    ) throws -> Identity {
        Identity(
            id: "nhi_\(name)", spiffeID: try SPIFFEID(parsing: "spiffe://example.org/\(name)"), kind: kind, owner: owner,
            purpose: "p", trustBoundary: "corp", environment: env, expiresAt: storeEpoch.addingTimeInterval(3600),
            reviewBy: nil, status: status, scopes: ["a", "b"], audiences: ["x"], tokenTTL: 60, jwks: "{\"keys\":[]}",
            createdAt: storeEpoch, updatedAt: storeEpoch)
    }

    /// Posture keeps the inventory in memory while this version stays put: every write to `identities`, through the
    /// repository, another server or plain SQL, must move it, and reads must not.
    @Test(arguments: StorageEngine.testedEngines) func everyWriteToTheInventoryMovesItsVersion(_ engine: StorageEngine)
        async throws
    {
        try await withStorage(engine) { fixture in
            let reader = fixture.primary.postureInventory
            let repository = fixture.primary.identities
            var seen: [Int64] = [try #require(try await reader.version())]
            func moved(_ what: String) async throws {
                let version = try #require(try await reader.version())
                #expect(!seen.contains(version), "\(what) did not move the inventory's version")
                seen.append(version)
            }
            try await repository.create(try identity("billing"))
            try await moved("a create")
            _ = try await repository.get(id: "nhi_billing")
            _ = try await repository.list(IdentityFilter())
            #expect(try await reader.version() == seen.last, "a read moved the version")
            try await repository.update(try identity("billing", owner: "bob"))
            try await moved("an update")
            try await fixture.another().identities.create(try identity("ci"))
            try await moved("another server's create")
            func execute(_ sql: String) async throws {
                if let storage = fixture.primary as? SQLiteStorage { try storage.unsafeExecute(sql) }
                if let storage = fixture.primary as? PostgresStorage { try await storage.unsafeExecute(sql) }
            }
            try await execute("UPDATE identities SET owner = '' WHERE id = 'nhi_ci'")
            try await moved("a plain UPDATE")
            try await execute("DELETE FROM identities WHERE id = 'nhi_ci'")
            try await moved("a DELETE")
            #expect(try await reader.version() == seen.last)
        }
    }

    @Test(arguments: StorageEngine.testedEngines) func identitiesRoundTripFilterAndPage(_ engine: StorageEngine) async throws {
        try await withStorage(engine) { fixture in
            let repository = fixture.primary.identities
            let billing = try identity("billing")
            try await repository.create(billing)
            #expect(try await repository.get(id: "nhi_billing") == billing)
            #expect(try await repository.get(spiffeID: "spiffe://example.org/billing") == billing)
            #expect(try await repository.get(id: "nhi_missing") == nil)

            let duplicate = Identity(
                id: "nhi_other", spiffeID: billing.spiffeID, kind: .service, owner: "o", purpose: "p", jwks: "{}",
                createdAt: storeEpoch, updatedAt: storeEpoch)
            let conflict = await #expect(throws: StoreError.self) { try await repository.create(duplicate) }
            #expect(conflict?.code == .conflict)

            try await repository.create(try identity("ci", kind: .pipeline, owner: "bob", env: "dev"))
            try await repository.create(try identity("batch", owner: "bob"))
            #expect(try await repository.count(IdentityFilter()) == 3)
            #expect(try await repository.list(IdentityFilter(owner: "bob")).map(\.id) == ["nhi_batch", "nhi_ci"])
            #expect(try await repository.list(IdentityFilter(kind: .pipeline)).map(\.id) == ["nhi_ci"])
            #expect(try await repository.count(IdentityFilter(environment: "prod")) == 2)
            #expect(try await repository.list(IdentityFilter(spiffeIDPrefix: "spiffe://example.org/b")).count == 2)
            let page = try await repository.list(IdentityFilter(limit: 2))
            #expect(page.map(\.id) == ["nhi_batch", "nhi_billing"])
            #expect(try await repository.list(IdentityFilter(after: page.last?.id, limit: 2)).map(\.id) == ["nhi_ci"])

            try await repository.update(try identity("billing", status: .suspended))
            #expect(try await repository.get(id: "nhi_billing")?.status == .suspended)
            #expect(try await repository.count(IdentityFilter(status: .suspended)) == 1)
            let ghost = try identity("ghost")
            await #expect(throws: StoreError(.notFound, "no identity with this id")) { try await repository.update(ghost) }
        }
    }

    @Test(arguments: StorageEngine.testedEngines) func keysAdminTokensAndMetadata(_ engine: StorageEngine) async throws {
        try await withStorage(engine) { fixture in
            let keys = fixture.primary.signingKeys
            let sealed = Data((0..<48).map { UInt8($0) })
            let older = StoredSigningKey(
                kid: "k1", algorithm: "ES256", purpose: "jwt", sealedPrivateKey: sealed, publicJWK: "{\"kid\":\"k1\"}",
                createdAt: storeEpoch, status: "published")
            let newer = StoredSigningKey(
                kid: "k2", algorithm: "ES256", purpose: "jwt", sealedPrivateKey: Data([0, 255, 1]), publicJWK: "{}",
                createdAt: storeEpoch.addingTimeInterval(10), status: "active")
            try await keys.insert(older)
            try await keys.insert(newer)
            #expect(try await keys.keys(purpose: "jwt") == [newer, older], "newest first, bytes intact")
            #expect(try await keys.keys(purpose: "other").isEmpty)

            // A scheduled rotation: the next key is published, then promoted once (a second promotion finds nothing).
            func statuses() async throws -> [String: String] {
                Dictionary(uniqueKeysWithValues: try await keys.keys(purpose: "jwt").map { ($0.kid, $0.status) })
            }
            let next = StoredSigningKey(
                kid: "k3", algorithm: "RS256", purpose: "jwt", sealedPrivateKey: Data([3]), publicJWK: "{}",
                createdAt: storeEpoch.addingTimeInterval(20), status: "next")
            try await keys.insert(next)
            #expect(try await !keys.promote(kid: "k2", purpose: "jwt"), "only a next key is promoted")
            #expect(try await !keys.promote(kid: "k3", purpose: "other"))
            #expect(try await keys.promote(kid: "k3", purpose: "jwt"))
            #expect(try await !keys.promote(kid: "k3", purpose: "jwt"), "promoted once")
            #expect(try await statuses() == ["k1": "retired", "k2": "published", "k3": "active"])
            // An immediate rotation retires a pending next key too (a compromise: nothing made before it may sign).
            try await keys.insert(
                StoredSigningKey(
                    kid: "k4", algorithm: "ES256", purpose: "jwt", sealedPrivateKey: Data([4]), publicJWK: "{}",
                    createdAt: storeEpoch.addingTimeInterval(30), status: "next"))
            try await keys.rotate(
                to: StoredSigningKey(
                    kid: "k5", algorithm: "ES256", purpose: "jwt", sealedPrivateKey: Data([5]), publicJWK: "{}",
                    createdAt: storeEpoch.addingTimeInterval(40), status: "active"))
            #expect(
                try await statuses() == ["k1": "retired", "k2": "retired", "k3": "published", "k4": "retired", "k5": "active"])

            let tokens = fixture.primary.adminTokens
            #expect(try await tokens.count() == 0)
            let token = AdminTokenRecord(id: "a1", tokenHash: "h1", name: "bootstrap", role: "admin", createdAt: storeEpoch)
            try await tokens.insert(token)
            #expect(try await tokens.find(hash: "h1") == token)
            #expect(try await tokens.find(hash: "h2") == nil)
            #expect(try await tokens.count() == 1)
            let duplicate = await #expect(throws: StoreError.self) {
                try await tokens.insert(
                    AdminTokenRecord(id: "a2", tokenHash: "h1", name: "x", role: "admin", createdAt: storeEpoch))
            }
            #expect(duplicate?.code == .conflict)

            let metadata = fixture.primary.metadata
            #expect(try await metadata.value(for: "trust_domain") == nil)
            try await metadata.set("example.org", for: "trust_domain")
            try await metadata.set("example.com", for: "trust_domain")
            #expect(try await metadata.value(for: "trust_domain") == "example.com")
        }
    }

    @Test(arguments: StorageEngine.testedEngines) func revocationsAndReplayKeys(_ engine: StorageEngine) async throws {
        try await withStorage(engine) { fixture in
            let state = fixture.primary.tokenState
            try await state.revoke(jti: "j1", expiresAt: storeEpoch.addingTimeInterval(60), reason: "r", at: storeEpoch)
            try await state.revoke(jti: "j1", expiresAt: storeEpoch.addingTimeInterval(60), reason: "again", at: storeEpoch)
            try await state.revoke(jti: "j0", expiresAt: storeEpoch.addingTimeInterval(-1), reason: "old", at: storeEpoch)
            #expect(try await state.isRevoked(jti: "j1"))
            #expect(try await !state.isRevoked(jti: "j2"))
            let live = try await state.revokedUnexpired(now: storeEpoch, limit: 10)
            #expect(live.map(\.jti) == ["j1"])
            #expect(live.first?.expiresAt == storeEpoch.addingTimeInterval(60))

            let log = try await AuditLog(store: fixture.primary.audit, clock: ManualTimeSource(storeEpoch))
            try await log.append(
                .init(
                    type: "test", outcome: .success, replayGuard: .init(key: "r1", expiresAt: storeEpoch.addingTimeInterval(30))))
            try await log.append(
                .init(
                    type: "test", outcome: .success, replayGuard: .init(key: "r0", expiresAt: storeEpoch.addingTimeInterval(-5))))
            #expect(try await state.unexpiredReplayKeys(now: storeEpoch).map(\.key) == ["r1"])

            try await state.purgeExpired(now: storeEpoch.addingTimeInterval(45))
            #expect(try await state.unexpiredReplayKeys(now: storeEpoch).isEmpty, "r1 expired at +30")
            #expect(try await state.isRevoked(jti: "j1"), "j1 lives until +60")
            #expect(try await !state.isRevoked(jti: "j0"), "purged")
        }
    }
}
