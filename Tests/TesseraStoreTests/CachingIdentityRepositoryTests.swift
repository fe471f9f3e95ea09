import Foundation
import Synchronization
import TesseraCore
import Testing

@testable import TesseraStore

/// An identity repository in memory whose first `get(spiffeID:)` reads the row, then waits at a gate before answering:
/// a read in flight while a write commits.
private final class GatedIdentities: IdentityRepository {
    private let rows = Mutex<[String: Identity]>([:])
    private let gate = Mutex<CheckedContinuation<Void, Never>?>(nil)
    private let gated = Mutex(true)
    let readStarted: AsyncStream<Void>
    private let readStartedContinuation: AsyncStream<Void>.Continuation

    init(_ identity: Identity) {
        rows.withLock { $0[identity.spiffeID.description] = identity }
        (readStarted, readStartedContinuation) = AsyncStream.makeStream()
    }

    func open() {
        gate.withLock { $0 }?.resume()
    }

    func create(_ identity: Identity) async throws { rows.withLock { $0[identity.spiffeID.description] = identity } }
    func update(_ identity: Identity) async throws { rows.withLock { $0[identity.spiffeID.description] = identity } }
    func get(id: String) async throws -> Identity? { rows.withLock { $0.values.first { $0.id == id } } }
    func list(_ filter: IdentityFilter) async throws -> [Identity] { rows.withLock { Array($0.values) } }
    func count(_ filter: IdentityFilter) async throws -> Int { rows.withLock { $0.count } }

    func get(spiffeID: String) async throws -> Identity? {
        let row = rows.withLock { $0[spiffeID] }
        guard
            gated.withLock({ gated in
                defer { gated = false }
                return gated
            })
        else { return row }
        await withCheckedContinuation { continuation in
            gate.withLock { $0 = continuation }
            readStartedContinuation.yield()
        }
        return row
    }
}

private func identity(_ status: IdentityStatus) throws -> Identity {
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    return Identity(
        id: "id-1", spiffeID: try SPIFFEID(parsing: "spiffe://example.org/batch"), kind: .batchJob, owner: "bob",
        purpose: "nightly", status: status, jwks: "{\"keys\":[]}", createdAt: now, updatedAt: now)
}

/// A read that fetched the identity before a suspension committed answers what it read, but must not put that copy in
/// the cache over the suspension: the next read is the suspended identity (attacker review).
@Test func aReadInFlightDuringAWriteDoesNotCacheWhatItRead() async throws {
    let base = GatedIdentities(try identity(.active))
    let cache = CachingIdentityRepository(base)
    let spiffeID = "spiffe://example.org/batch"
    let stale = Task { try await cache.get(spiffeID: spiffeID) }
    for await _ in base.readStarted { break }
    try await cache.update(try identity(.suspended))
    base.open()
    #expect(try await stale.value?.status == .active, "the read in flight answers what it read")
    #expect(try await cache.get(spiffeID: spiffeID)?.status == .suspended)
}

/// The same race with an invalidation (another server's write, told by its event) in place of a local write.
@Test func aReadInFlightDuringAnInvalidationDoesNotCacheWhatItRead() async throws {
    let base = GatedIdentities(try identity(.active))
    let cache = CachingIdentityRepository(base)
    let spiffeID = "spiffe://example.org/batch"
    let stale = Task { try await cache.get(spiffeID: spiffeID) }
    for await _ in base.readStarted { break }
    try await base.update(try identity(.retired))  // written by another server
    cache.invalidate(spiffeID: spiffeID)
    base.open()
    #expect(try await stale.value?.status == .active)
    #expect(try await cache.get(spiffeID: spiffeID)?.status == .retired)
}
