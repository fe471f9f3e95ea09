import Foundation
import TesseraCore
import Testing

@testable import TesseraStore

/// A row that is not what the schema promises (a column of another type, a NULL where a value is required) makes
/// the repository throw `StoreError(.corrupted)` naming the column — on both engines, never a crash.
@Suite struct CorruptRowContractTests {
    /// Runs `sqlite` on SQLite storage, or each of `postgres` on PostgreSQL storage (which enforces column types,
    /// so its corruption goes through the schema).
    private func corrupt(_ fixture: StorageFixture, sqlite: String, postgres: [String]) async throws {
        if let storage = fixture.primary as? SQLiteStorage {
            try storage.unsafeExecute(sqlite)
        } else if let storage = fixture.primary as? PostgresStorage {
            for statement in postgres { try await storage.unsafeExecute(statement) }
        }
    }

    private func expectCorrupted(_ body: () async throws -> Void, column: String) async {
        let error = await #expect(throws: StoreError.self) { try await body() }
        #expect(error?.code == .corrupted)
        #expect(error?.reason.contains(column) == true, "\(String(describing: error))")
    }

    @Test(arguments: StorageEngine.testedEngines) func aColumnOfAnotherTypeIsCorrupted(_ engine: StorageEngine) async throws {
        try await withStorage(engine) { fixture in
            let identities = fixture.primary.identities
            let identity = Identity(
                id: "nhi_a", spiffeID: try SPIFFEID(parsing: "spiffe://example.org/a"), kind: .service, owner: "alice",
                purpose: "p", tokenTTL: 60, jwks: "{}", createdAt: storeEpoch, updatedAt: storeEpoch)
            try await identities.create(identity)
            try await corrupt(
                fixture, sqlite: "UPDATE identities SET token_ttl = 'sixty'",
                postgres: [
                    "ALTER TABLE identities ALTER COLUMN token_ttl TYPE TEXT", "UPDATE identities SET token_ttl = 'sixty'",
                ])
            await expectCorrupted({ _ = try await identities.get(id: "nhi_a") }, column: "token_ttl")
            await expectCorrupted({ _ = try await identities.list(IdentityFilter()) }, column: "token_ttl")
            await expectCorrupted(
                { _ = try await fixture.primary.console.identities(ConsoleIdentityQuery()) }, column: "token_ttl")

            let lease = Lease(
                id: "lease_1", kind: "access_token", subject: "spiffe://example.org/a", taskID: nil, issuedAt: storeEpoch,
                expiresAt: storeEpoch.addingTimeInterval(60))
            try await issueLeases([lease], into: fixture.primary)
            try await corrupt(
                fixture, sqlite: "UPDATE leases SET issued_at = 'yesterday'",
                postgres: ["ALTER TABLE leases ALTER COLUMN issued_at TYPE TEXT", "UPDATE leases SET issued_at = 'yesterday'"])
            await expectCorrupted({ _ = try await fixture.primary.tasks.lease(id: "lease_1") }, column: "issued_at")
        }
    }

    @Test(arguments: StorageEngine.testedEngines) func aNullWhereAValueIsRequiredIsCorrupted(_ engine: StorageEngine) async throws
    {
        try await withStorage(engine) { fixture in
            let tasks = fixture.primary.tasks
            try await tasks.create(
                WorkTask(
                    id: "task_1", intent: "deploy", purpose: nil, initiator: "alice", identities: [], scopes: [],
                    createdAt: storeEpoch, expiresAt: storeEpoch.addingTimeInterval(60)))
            // SQLite keeps NOT NULL: a blob where text belongs stands in for the missing value there.
            try await corrupt(
                fixture, sqlite: "UPDATE tasks SET initiator = x'00ff'",
                postgres: ["ALTER TABLE tasks ALTER COLUMN initiator DROP NOT NULL", "UPDATE tasks SET initiator = NULL"])
            await expectCorrupted({ _ = try await tasks.get(id: "task_1") }, column: "initiator")
            await expectCorrupted({ _ = try await tasks.list(state: nil, limit: 10) }, column: "initiator")
        }
    }
}
