import Foundation
import Logging
import Synchronization
import TesseraCore
import TesseraSecrets
import TesseraTestSupport
import Testing

@testable import TesseraServer
@testable import TesseraStore

/// Two servers' caches over one database with PostgreSQL cluster events between them (the PostgreSQL that
/// scripts/test starts): a suspension through server A is what server B serves next, within a second; a departure
/// on A reaches B's policy input; a revocation on A wakes agents attached to B.
@Suite(.serialized, .stopsServers, .needsPostgres) struct ClusterSyncTests {
    private func bus(_ origin: String, channel: String) throws -> PostgresEventBus {
        guard let url = ProcessInfo.processInfo.environment["TESSERA_TEST_POSTGRES_URL"] else {
            throw StoreError(.unavailable, "TESSERA_TEST_POSTGRES_URL is not set: run scripts/test (it starts PostgreSQL)")
        }
        let settings = try PostgresConnectionSettings(url: url)
        return PostgresEventBus(
            origin: origin, host: settings.host, port: settings.port, username: settings.username,
            password: settings.password, database: "tessera", channel: channel, logger: Logger(label: "test"))
    }

    private struct Node {
        let bus: PostgresEventBus
        let inventory: CachingIdentityRepository
        let changes: ChangeFeed
        let departed: DepartedOwners
        let sync: ClusterSync
    }

    private func node(_ name: String, _ database: SQLiteStorage, channel: String) async throws -> Node {
        let bus = try bus(name, channel: channel)
        try await bus.start()
        let inventory = CachingIdentityRepository(
            database.identities, maximumAge: .seconds(60),
            onChange: { spiffeID in await bus.publish(.identityChanged, subject: spiffeID) })
        let changes = ChangeFeed(onBump: { Task { await bus.publish(.servingChanged, subject: "") } })
        let departed = try await DepartedOwners.load(
            database.posture, onInsert: { owner in Task { await bus.publish(.ownerDeparted, subject: owner) } })
        let sync = ClusterSync(
            bus: bus, inventory: inventory, changes: changes, departedOwners: departed, posture: database.posture,
            logger: Logger(label: "test"))
        return Node(bus: bus, inventory: inventory, changes: changes, departed: departed, sync: sync)
    }

    /// Polls `condition` until it holds or a second has passed; returns how long it took.
    private func within(_ limit: Duration = .seconds(10), _ condition: () async throws -> Bool) async throws -> Duration? {
        let started = ContinuousClock.now
        while ContinuousClock.now - started < limit {
            if try await condition() { return ContinuousClock.now - started }
            try await Task.sleep(for: .milliseconds(10))
        }
        return nil
    }

    @Test func aChangeOnOneServerIsServedByTheOtherByEvent() async throws {
        let directory = NSTemporaryDirectory() + "tessera-cluster-" + UUID().uuidString
        let database = try SQLiteStorage(directory: directory)
        let channel = "test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "_")
        let nodeA = try await node("cluster-a", database, channel: channel)
        let nodeB = try await node("cluster-b", database, channel: channel)
        let syncB = Task { try await nodeB.sync.run() }
        defer { syncB.cancel() }

        let now = Date()
        let spiffeID = "spiffe://example.org/billing"
        let active = Identity(
            id: Identity.newID(), spiffeID: try SPIFFEID(parsing: spiffeID), kind: .service, owner: "alice", purpose: "bills",
            jwks: "{\"keys\":[]}", createdAt: now, updatedAt: now)
        try await nodeA.inventory.create(active)
        // B reads and caches the active identity (its cache would serve it for a minute without events).
        #expect(try await nodeB.inventory.get(spiffeID: spiffeID)?.status == .active)

        let suspended = Identity(
            id: active.id, spiffeID: active.spiffeID, kind: .service, owner: "alice", purpose: "bills", status: .suspended,
            jwks: active.jwks, createdAt: now, updatedAt: now.addingTimeInterval(1))
        let revision = nodeB.changes.current
        try await nodeA.inventory.update(suspended)
        let seen = try await within { try await nodeB.inventory.get(spiffeID: spiffeID)?.status == .suspended }
        #expect(seen != nil, "server B serves the suspension by event, long before its one-minute cache expiry")
        // B invalidates first, then bumps its feed (so a re-syncing agent reads the change): polled, as the read above
        // can land between the two.
        #expect(try await within { nodeB.changes.current != revision } != nil, "agents attached to B re-sync")

        // An owner departure recorded on A reaches B's policy input.
        try await database.posture.depart("alice", identityIDs: [active.id], at: now)
        nodeA.departed.insert("alice")
        #expect(try await within { nodeB.departed.contains("alice") } != nil)

        // A revocation on A (a bump of A's feed) wakes B's agents.
        let before = nodeB.changes.current
        nodeA.changes.bump()
        #expect(try await within { nodeB.changes.current != before } != nil)

        await nodeA.bus.stop()
        await nodeB.bus.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    @Test func withoutEventsTheCacheTrustsAnEntryNoLongerThanItsMaximumAge() async throws {
        let directory = NSTemporaryDirectory() + "tessera-cluster-" + UUID().uuidString
        let database = try SQLiteStorage(directory: directory)
        let writer = CachingIdentityRepository(database.identities)
        // Ages are measured on a clock the test moves: a saturated test machine must not age the entry by itself.
        let offset = Mutex(Duration.zero)
        let reader = CachingIdentityRepository(
            database.identities, maximumAge: .seconds(60), now: { ContinuousClock.now + offset.withLock { $0 } })
        let now = Date()
        let spiffeID = "spiffe://example.org/batch"
        let active = Identity(
            id: Identity.newID(), spiffeID: try SPIFFEID(parsing: spiffeID), kind: .batchJob, owner: "bob", purpose: "nightly",
            jwks: "{\"keys\":[]}", createdAt: now, updatedAt: now)
        try await writer.create(active)
        #expect(try await reader.get(spiffeID: spiffeID)?.status == .active)
        try await writer.update(
            Identity(
                id: active.id, spiffeID: active.spiffeID, kind: .batchJob, owner: "bob", purpose: "nightly", status: .retired,
                jwks: active.jwks, createdAt: now, updatedAt: now))
        #expect(try await reader.get(spiffeID: spiffeID)?.status == .active, "still cached: no event was sent")
        offset.withLock { $0 = .seconds(61) }
        #expect(try await reader.get(spiffeID: spiffeID)?.status == .retired, "re-read once the entry is too old")
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// `keysChanged` (and any kind this server does not know) re-reads the signing material; without events the
    /// periodic reload does it every interval.
    @Test func keysAreReloadedOnTheirEventAndPeriodically() async throws {
        let database = try SQLiteStorage(directory: NSTemporaryDirectory() + "tessera-cluster-" + UUID().uuidString)
        let reloads = Mutex(0)
        let sync = ClusterSync(
            bus: SingleNodeEventBus(), inventory: CachingIdentityRepository(database.identities, maximumAge: nil),
            changes: ChangeFeed(), departedOwners: try await DepartedOwners.load(database.posture), posture: database.posture,
            logger: Logger(label: "test"), reloadKeys: { reloads.withLock { $0 += 1 } })
        await sync.apply(ClusterEvent(kind: .keysChanged, subject: "", origin: "a"))
        #expect(reloads.withLock { $0 } == 1)
        await sync.apply(ClusterEvent(kind: .identityChanged, subject: "spiffe://example.org/x", origin: "a"))
        #expect(reloads.withLock { $0 } == 1, "an identity change leaves the keys alone")
        await sync.apply(ClusterEvent(kind: ClusterEvent.Kind(rawValue: "from-a-newer-server"), subject: "", origin: "a"))
        #expect(reloads.withLock { $0 } == 2, "an unknown kind drops everything, keys included")
        let periodic = Task { await sync.runPeriodicReload(every: .milliseconds(20)) }
        // Two periodic reloads arrive (waited for, not timed: a saturated test machine delays timers by seconds).
        let deadline = ContinuousClock.now + .seconds(60)
        while reloads.withLock({ $0 }) < 4, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        periodic.cancel()
        await periodic.value
        #expect(reloads.withLock { $0 } >= 4)
    }
}
