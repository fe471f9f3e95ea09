import Foundation
import TesseraCore
import Testing

@testable import TesseraStore

/// A string with a NUL is refused before it is bound, alike on both engines: SQLite binds a C string and stored a
/// replay key cut at the NUL (so an assertion whose jti held one could be replayed after a restart), PostgreSQL refused
/// it mid-statement. Nothing is stored.
@Suite struct NULValueContractTests {
    @Test(arguments: StorageEngine.testedEngines) func aStringWithANULIsRefusedAndNothingIsStored(
        _ engine: StorageEngine
    ) async throws {
        try await withStorage(engine) { fixture in
            let identities = fixture.primary.identities
            let identity = Identity(
                id: "nhi_nul", spiffeID: try SPIFFEID(parsing: "spiffe://example.org/nul"), kind: .service, owner: "alice",
                purpose: "p\u{0}hidden", tokenTTL: 60, jwks: "{}", createdAt: storeEpoch, updatedAt: storeEpoch)
            let error = await #expect(throws: StoreError.self) { try await identities.create(identity) }
            #expect(error?.code == .invalidValue)
            #expect(try await identities.get(id: "nhi_nul") == nil)

            let tokens = fixture.primary.tokenState
            let refused = await #expect(throws: StoreError.self) {
                _ = try await tokens.claimReplayKey(
                    "assertion|spiffe://example.org/nul|r\u{0}x", expiresAt: storeEpoch.addingTimeInterval(60), now: storeEpoch)
            }
            #expect(refused?.code == .invalidValue)
            // The key cut at the NUL was not claimed either.
            #expect(
                try await tokens.claimReplayKey(
                    "assertion|spiffe://example.org/nul|r", expiresAt: storeEpoch.addingTimeInterval(60), now: storeEpoch))
        }
    }
}
