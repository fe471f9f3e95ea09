import Synchronization
import TesseraCore

/// A read-through cache in front of an identity repository for the token hot path.
///
/// Every write in this process goes through it, so a suspension or retirement is seen by the very next
/// request. (A lock rather than an actor: a lookup costs nanoseconds and must not add an executor hop.)
/// Servers sharing one database tell each other about writes (`onChange`, then `invalidate` on the others, see
/// `ClusterEventBus`); `maximumAge` bounds how long an entry is trusted should such an event be lost.
public final class CachingIdentityRepository: IdentityRepository {
    private let base: any IdentityRepository
    private let bySPIFFEID = Mutex<[String: (identity: Identity, at: ContinuousClock.Instant)]>([:])
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
        remember(identity)
        await onChange?(identity.spiffeID.description)
    }

    public func update(_ identity: Identity) async throws {
        do {
            try await base.update(identity)
        } catch {
            forget(identity.spiffeID.description)
            throw error
        }
        remember(identity)
        await onChange?(identity.spiffeID.description)
    }

    /// Drops the cached identity (another server changed it).
    public func invalidate(spiffeID: String) { forget(spiffeID) }

    /// Drops every cached identity (events may have been missed).
    public func invalidateAll() { bySPIFFEID.withLock { $0.removeAll() } }

    public func get(id: String) async throws -> Identity? { try await base.get(id: id) }

    public func get(spiffeID: String) async throws -> Identity? {
        if let cached = bySPIFFEID.withLock({ $0[spiffeID] }) {
            guard let maximumAge, cached.at.duration(to: now()) > maximumAge else { return cached.identity }
        }
        let identity = try await base.get(spiffeID: spiffeID)
        if let identity { remember(identity) }
        return identity
    }

    public func list(_ filter: IdentityFilter) async throws -> [Identity] { try await base.list(filter) }

    public func count(_ filter: IdentityFilter) async throws -> Int { try await base.count(filter) }

    private func remember(_ identity: Identity) {
        bySPIFFEID.withLock { cache in
            if cache.count >= capacity { cache.removeAll(keepingCapacity: true) }
            cache[identity.spiffeID.description] = (identity, now())
        }
    }

    private func forget(_ spiffeID: String) {
        _ = bySPIFFEID.withLock { $0.removeValue(forKey: spiffeID) }
    }
}
