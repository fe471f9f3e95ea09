import Synchronization
import TesseraCore

/// A read-through cache in front of an identity repository for the token hot path.
///
/// Every write in this process goes through it, so a suspension or retirement is seen by the very next
/// request. (A lock rather than an actor: a lookup costs nanoseconds and must not add an executor hop.)
/// Servers sharing one database tell each other about writes (`onChange`, then `invalidate` on the others, see
/// `ClusterEventBus`); `maximumAge` bounds how long an entry is trusted should such an event be lost.
///
/// A read that missed keeps what it read only if no write or invalidation happened while it read (`generation`):
/// otherwise a read that fetched an active identity just before a suspension committed could store that stale copy
/// over the suspended one, and serve it until the next write (attacker review).
public final class CachingIdentityRepository: IdentityRepository {
    private struct Entries {
        var bySPIFFEID: [String: (identity: Identity, at: ContinuousClock.Instant)] = [:]
        /// Moves with every write through this cache and every invalidation.
        var generation: UInt64 = 0
    }

    private let base: any IdentityRepository
    private let entries = Mutex(Entries())
    private let capacity: Int
    private let maximumAge: Duration?
    private let onChange: (@Sendable (String) async -> Void)?
    private let now: @Sendable () -> ContinuousClock.Instant

    /// - Parameters:
    ///   - maximumAge: how long a cached identity is served without re-reading it; nil: until this process
    ///     changes it (a server alone on its database).
    ///   - onChange: called with the SPIFFE ID after every write through this cache.
    ///   - now: the clock entry ages are measured on (tests move it).
    public init(
        _ base: any IdentityRepository, capacity: Int = 100_000, maximumAge: Duration? = nil,
        onChange: (@Sendable (String) async -> Void)? = nil, now: @escaping @Sendable () -> ContinuousClock.Instant = { .now }
    ) {
        self.now = now
        self.base = base
        self.capacity = capacity
        self.maximumAge = maximumAge
        self.onChange = onChange
    }

    public func create(_ identity: Identity) async throws {
        try await base.create(identity)
        remember(identity, readAt: nil)
        await onChange?(identity.spiffeID.description)
    }

    public func update(_ identity: Identity) async throws {
        do {
            try await base.update(identity)
        } catch {
            forget(identity.spiffeID.description)
            throw error
        }
        remember(identity, readAt: nil)
        await onChange?(identity.spiffeID.description)
    }

    /// Drops the cached identity (another server changed it).
    public func invalidate(spiffeID: String) { forget(spiffeID) }

    /// Drops every cached identity (events may have been missed).
    public func invalidateAll() {
        entries.withLock { entries in
            entries.generation &+= 1
            entries.bySPIFFEID.removeAll()
        }
    }

    public func get(id: String) async throws -> Identity? { try await base.get(id: id) }

    public func get(spiffeID: String) async throws -> Identity? {
        let (cached, generation) = entries.withLock { ($0.bySPIFFEID[spiffeID], $0.generation) }
        if let cached {
            guard let maximumAge, cached.at.duration(to: now()) > maximumAge else { return cached.identity }
        }
        let identity = try await base.get(spiffeID: spiffeID)
        if let identity { remember(identity, readAt: generation) }
        return identity
    }

    public func list(_ filter: IdentityFilter) async throws -> [Identity] { try await base.list(filter) }

    public func count(_ filter: IdentityFilter) async throws -> Int { try await base.count(filter) }

    /// Keeps `identity`: written through this cache (`readAt` nil), or read when the generation was `readAt` (kept only
    /// if nothing was written or invalidated since).
    private func remember(_ identity: Identity, readAt: UInt64?) {
        entries.withLock { entries in
            if let readAt {
                guard entries.generation == readAt else { return }
            } else {
                entries.generation &+= 1
            }
            if entries.bySPIFFEID.count >= capacity { entries.bySPIFFEID.removeAll(keepingCapacity: true) }
            entries.bySPIFFEID[identity.spiffeID.description] = (identity, now())
        }
    }

    private func forget(_ spiffeID: String) {
        entries.withLock { entries in
            entries.generation &+= 1
            entries.bySPIFFEID.removeValue(forKey: spiffeID)
        }
    }
}
