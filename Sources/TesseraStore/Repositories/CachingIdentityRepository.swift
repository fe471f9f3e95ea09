import Synchronization
import TesseraCore

/// A read-through cache in front of an identity repository for the token hot path.
///
/// Every write in this process goes through it, so a suspension or retirement is seen by the very next
/// request. (A lock rather than an actor: a lookup costs nanoseconds and must not add an executor hop.)
/// Several server nodes sharing one database need cross-node invalidation before they can share this.
public final class CachingIdentityRepository: IdentityRepository {
    private let base: any IdentityRepository
    private let bySPIFFEID = Mutex<[String: Identity]>([:])
    private let capacity: Int

    public init(_ base: any IdentityRepository, capacity: Int = 100_000) {
        self.base = base
        self.capacity = capacity
    }

    public func create(_ identity: Identity) async throws {
        try await base.create(identity)
        remember(identity)
    }

    public func update(_ identity: Identity) async throws {
        do {
            try await base.update(identity)
        } catch {
            forget(identity.spiffeID.description)
            throw error
        }
        remember(identity)
    }

    public func get(id: String) async throws -> Identity? { try await base.get(id: id) }

    public func get(spiffeID: String) async throws -> Identity? {
        if let cached = bySPIFFEID.withLock({ $0[spiffeID] }) { return cached }
        let identity = try await base.get(spiffeID: spiffeID)
        if let identity { remember(identity) }
        return identity
    }

    public func list(_ filter: IdentityFilter) async throws -> [Identity] { try await base.list(filter) }

    public func count(_ filter: IdentityFilter) async throws -> Int { try await base.count(filter) }

    private func remember(_ identity: Identity) {
        bySPIFFEID.withLock { cache in
            if cache.count >= capacity { cache.removeAll(keepingCapacity: true) }
            cache[identity.spiffeID.description] = identity
        }
    }

    private func forget(_ spiffeID: String) {
        _ = bySPIFFEID.withLock { $0.removeValue(forKey: spiffeID) }
    }
}
