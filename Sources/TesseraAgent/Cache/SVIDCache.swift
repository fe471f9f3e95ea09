import Foundation
import TesseraCore
import TesseraCrypto

/// The agent's view of what it may hand out: this node's registration entries, an X.509-SVID per entry,
/// and the bundles. Streams subscribe and receive the full state after every change.
actor SVIDCache {
    /// One X.509-SVID ready to serve.
    struct X509Item: Sendable {
        let spiffeID: String
        /// Leaf first, then intermediates (DER, concatenated as the Workload API carries them).
        let chainDER: Data
        /// PKCS#8 DER of the private key, generated on this node.
        let keyDER: Data
        let issuedAt: Date
        let expiresAt: Date
        /// The leaf's serial number (lowercase hex), the id of its lease on the server.
        var serial: String = ""

        func needsRenewal(at now: Date) -> Bool {
            now >= issuedAt.addingTimeInterval(expiresAt.timeIntervalSince(issuedAt) / 2)
        }
    }

    /// Everything the Workload API serves, at one version.
    struct Snapshot: Sendable {
        var version = 0
        var trustDomain = ""
        var entries: [RegistrationEntry] = []
        /// By entry id.
        var svids: [String: X509Item] = [:]
        /// By trust domain name; the local one included. Never merged.
        var bundles: [String: SPIFFEBundle] = [:]
        /// Whether the agent has synchronised with the server at least once.
        var ready = false
    }

    private var snapshot = Snapshot()
    private var subscribers: [Int: AsyncStream<Snapshot>.Continuation] = [:]
    private var nextSubscriber = 0

    init() {}

    func current() -> Snapshot { snapshot }

    /// Applies `change` and pushes the new state to every stream.
    func update(_ change: @Sendable (inout Snapshot) -> Void) {
        change(&snapshot)
        snapshot.version += 1
        for continuation in subscribers.values { continuation.yield(snapshot) }
    }

    /// Drops SVIDs that have expired (served SVIDs are always valid) and pushes when something changed.
    func purgeExpired(now: Date) {
        let expired = snapshot.svids.filter { $0.value.expiresAt <= now }.map(\.key)
        guard !expired.isEmpty else { return }
        update { state in for id in expired { state.svids[id] = nil } }
    }

    /// A stream of snapshots, starting with the current one.
    func subscribe() -> (Int, AsyncStream<Snapshot>) {
        let (stream, continuation) = AsyncStream<Snapshot>.makeStream(bufferingPolicy: .bufferingNewest(1))
        nextSubscriber += 1
        subscribers[nextSubscriber] = continuation
        continuation.yield(snapshot)
        return (nextSubscriber, stream)
    }

    func unsubscribe(_ id: Int) {
        subscribers.removeValue(forKey: id)?.finish()
    }

    func finishAll() {
        for continuation in subscribers.values { continuation.finish() }
        subscribers.removeAll()
    }
}
