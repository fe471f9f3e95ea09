import Foundation
import Logging
import PostgresNIO
import TesseraSecrets
import TesseraTestSupport
import Testing

@testable import TesseraStore

/// Cluster events over a real PostgreSQL (the one scripts/test starts): delivery between two buses, no echo,
/// resync after the listener's connection is cut, oversized subjects degrade to a resync.
@Suite(.serialized, .needsPostgres) struct PostgresEventBusTests {
    static func settings() throws -> PostgresConnectionSettings {
        guard let url = ProcessInfo.processInfo.environment["TESSERA_TEST_POSTGRES_URL"] else {
            throw StoreError(.unavailable, "TESSERA_TEST_POSTGRES_URL is not set: run scripts/test (it starts PostgreSQL)")
        }
        return try PostgresConnectionSettings(url: url)
    }

    static func bus(_ origin: String, channel: String) throws -> PostgresEventBus {
        let settings = try settings()
        return PostgresEventBus(
            origin: origin, host: settings.host, port: settings.port, username: settings.username,
            password: settings.password, database: "tessera", channel: channel, logger: Logger(label: "test"))
    }

    /// A channel of its own per test, so tests running at the same time do not hear each other.
    static func channel() -> String { "test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "_") }

    /// Two started buses on a channel of their own, stopped afterwards whether `body` passes or throws.
    static func withTwoBuses(_ body: (PostgresEventBus, PostgresEventBus) async throws -> Void) async throws {
        let channel = channel()
        let nodeA = try bus("node-a", channel: channel)
        let nodeB = try bus("node-b", channel: channel)
        do {
            try await nodeA.start()
            try await nodeB.start()
            try await body(nodeA, nodeB)
        } catch {
            await nodeA.stop()
            await nodeB.stop()
            throw error
        }
        await nodeA.stop()
        await nodeB.stop()
    }

    /// The first event on `stream` within `timeout`, or nil.
    static func next(_ stream: AsyncStream<ClusterEvent>, within timeout: Duration) async -> ClusterEvent? {
        await withTaskGroup(of: ClusterEvent?.self) { group in
            group.addTask {
                for await event in stream { return event }
                return nil
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }

    @Test func anEventReachesTheOtherServerAndIsNotEchoed() async throws {
        try await Self.withTwoBuses { nodeA, nodeB in
            let atA = nodeA.events()
            let atB = nodeB.events()
            await nodeA.publish(.identityChanged, subject: "spiffe://example.org/billing")
            // The latency target (well under a second) is measured by scripts/bench/cluster, not asserted here.
            let received = await Self.next(atB, within: .seconds(10))
            #expect(received == ClusterEvent(kind: .identityChanged, subject: "spiffe://example.org/billing", origin: "node-a"))
            #expect(await Self.next(atA, within: .milliseconds(300)) == nil, "a server does not hear its own events")
        }
    }

    @Test func aListenerThatLosesItsConnectionReconnectsAndAsksForAResync() async throws {
        try await Self.withTwoBuses { nodeA, nodeB in
            let atB = nodeB.events()
            let pid = try #require(try await nodeB.listenerBackendPID())
            let settings = try Self.settings()
            let admin = try await PostgresConnection.connect(
                configuration: .init(
                    host: settings.host, port: settings.port, username: settings.username, password: settings.password,
                    database: "tessera", tls: .disable),
                id: 9, logger: Logger(label: "test"))
            _ = try await admin.query("SELECT pg_terminate_backend(\(pid))", logger: Logger(label: "test")).collect()
            try await admin.close()
            let resync = await Self.next(atB, within: .seconds(5))
            #expect(resync?.kind == .resync, "events may have been lost while it was away: drop every cache")
            await nodeA.publish(.ownerDeparted, subject: "alice")
            let after = await Self.next(atB, within: .seconds(2))
            #expect(after == ClusterEvent(kind: .ownerDeparted, subject: "alice", origin: "node-a"), "listening again")
        }
    }

    /// A publish after `stop()` (a fire-and-forget publish racing shutdown) opens no connection: one reopened then
    /// outlived the bus, and postgres-nio traps in debug builds when a connection is released open (the suite crashed).
    @Test func aPublishAfterStopOpensNoConnection() async throws {
        let bus = try Self.bus(
            "stopped", channel: "test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "_"))
        try await bus.start()
        await bus.publish(.resync, subject: "")
        await bus.stop()
        await bus.publish(.identityChanged, subject: "spiffe://example.org/late")
        await bus.publish(.resync, subject: "")
    }

    @Test func aSubjectThatCannotTravelBecomesAResync() async throws {
        try await Self.withTwoBuses { nodeA, nodeB in
            let atB = nodeB.events()
            await nodeA.publish(.identityChanged, subject: String(repeating: "x", count: 9000))
            #expect(await Self.next(atB, within: .seconds(2))?.kind == .resync)
            await nodeA.publish(.identityChanged, subject: "a\u{1F}b")
            #expect(await Self.next(atB, within: .seconds(2))?.kind == .resync)
        }
    }

    @Test func payloadsThatDoNotParseAreDropped() {
        #expect(ClusterEvent(payload: "identity") == nil)
        #expect(ClusterEvent(payload: "\u{1F}node\u{1F}x") == nil)
        #expect(ClusterEvent(payload: "identity\u{1F}\u{1F}x") == nil)
        let event = ClusterEvent(kind: .servingChanged, subject: "", origin: "n1")
        #expect(ClusterEvent(payload: event.payload) == event)
    }
}

@Test(.needsPostgres) func aChannelNameThatIsNotAnIdentifierIsRefused() async throws {
    let bus = try PostgresEventBusTests.bus("node-a", channel: "x; DROP TABLE audit_records")
    await #expect(throws: StoreError.self) { try await bus.start() }
}
