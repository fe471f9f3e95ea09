import Crypto
import Foundation
import Logging
import Synchronization
import TesseraCore
import TesseraCrypto
import X509

/// Keeps the cache in step with the server: renews the node SVID and every workload SVID at half their
/// lifetime, follows registration entries and bundles, and drops what expired while the server was away.
final class AgentSync: Sendable {
    let client: ServerClient
    let cache: SVIDCache
    let clock: any TimeSource
    let dataDirectory: String
    let logger: Logger
    private let node: Mutex<NodeCredential>
    /// Set by the watch loop when the server's revision changed: the run loop syncs at once.
    private let wake = Atomic<Bool>(false)

    init(
        client: ServerClient, cache: SVIDCache, node: NodeCredential, clock: any TimeSource, dataDirectory: String, logger: Logger
    ) {
        self.client = client
        self.cache = cache
        self.clock = clock
        self.dataDirectory = dataDirectory
        self.logger = logger
        self.node = Mutex(node)
    }

    var credential: NodeCredential { node.withLock { $0 } }

    /// One round: renew what needs renewing, fetch entries and bundles, sign new SVIDs. Throws when the
    /// server could not be reached; the cache then keeps serving what is still valid.
    func syncOnce() async throws {
        let now = clock.now()
        await cache.purgeExpired(now: now)
        let current = try await renewNodeIfNeeded(now: now)
        let listing = try await client.entries(node: current)
        let entries = listing.entries
        let revoked = Set(listing.revokedSerials)
        let bundles = try await client.bundles(node: current)
        var snapshot = await cache.current()
        // A revoked SVID is never served again: drop it now; the plan asks for a fresh one if still allowed.
        let withdrawn = snapshot.svids.filter { revoked.contains($0.value.serial) }.map(\.key)
        if !withdrawn.isEmpty {
            await cache.update { state in
                for key in withdrawn { state.svids[key] = nil }
            }
            snapshot = await cache.current()
            logger.info("dropped revoked SVIDs", metadata: ["count": "\(withdrawn.count)"])
        }
        let plan = try Self.plan(entries: entries, snapshot: snapshot, now: now)
        var issued: [String: SVIDCache.X509Item] = [:]
        if !plan.requests.isEmpty {
            let batch = try await client.x509SVIDs(node: current, requests: plan.requests)
            issued = try Self.collect(batch, keys: plan.keys)
            for (entry, reason) in batch.refused {
                logger.warning("server refused an SVID", metadata: ["entry": "\(entry)", "reason": "\(reason)"])
            }
        }
        let liveIDs = Set(entries.map(\.id))
        guard Self.changed(snapshot: snapshot, issued: issued, liveIDs: liveIDs, bundles: bundles) else { return }
        let trustDomain = URL(string: current.spiffeID)?.host ?? snapshot.trustDomain
        let fresh = issued
        await cache.update { state in
            state.trustDomain = trustDomain
            state.entries = entries
            state.bundles = bundles
            state.svids = state.svids.filter { liveIDs.contains($0.key) }.merging(fresh) { $1 }
            state.ready = true
        }
    }

    // The synchronous steps live in helpers: besides reading better, a large async body with these loops
    // crashed the Swift 6.3 optimizer (coroutine splitting) in release builds.

    private func renewNodeIfNeeded(now: Date) async throws -> NodeCredential {
        let current = credential
        guard current.needsRenewal(at: now) else { return current }
        let key = P256.Signing.PrivateKey(compactRepresentable: false)
        let chain = try await client.renew(node: current, newKey: key)
        let renewed = NodeCredential(key: key, chain: chain)
        try renewed.save(to: dataDirectory)
        node.withLock { $0 = renewed }
        logger.info("node SVID renewed", metadata: ["expires_at": "\(ISO8601.format(renewed.expiresAt))"])
        return renewed
    }

    private struct Plan {
        var keys: [String: P256.Signing.PrivateKey] = [:]
        var requests: [AgentAPI.X509SVIDBatchRequest.Item] = []
    }

    /// A fresh key and CSR for every entry whose SVID is missing, stale or for another SPIFFE ID.
    private static func plan(entries: [RegistrationEntry], snapshot: SVIDCache.Snapshot, now: Date) throws -> Plan {
        var plan = Plan()
        for entry in entries {
            let existing = snapshot.svids[entry.id]
            let stale = existing.map { $0.needsRenewal(at: now) || $0.spiffeID != entry.spiffeID.description } ?? true
            guard stale else { continue }
            let key = P256.Signing.PrivateKey(compactRepresentable: false)
            plan.keys[entry.id] = key
            plan.requests.append(
                .init(entryID: entry.id, csr: Data(try CertificateRequest.make(for: key)).base64EncodedString()))
        }
        return plan
    }

    /// The issued SVIDs whose leaf carries the key we generated for the entry.
    private static func collect(
        _ batch: AgentAPI.X509SVIDBatch, keys: [String: P256.Signing.PrivateKey]
    ) throws -> [String: SVIDCache.X509Item] {
        var issued: [String: SVIDCache.X509Item] = [:]
        for svid in batch.svids {
            guard let entryID = svid.entryID, let key = keys[entryID] else { continue }
            let chain = try ServerClient.chain(svid)
            guard chain[0].publicKey == Certificate.PublicKey(key.publicKey) else { continue }
            var der: [UInt8] = []
            for certificate in chain { der += try certificate.derBytes() }
            issued[entryID] = SVIDCache.X509Item(
                spiffeID: svid.spiffeID, chainDER: Data(der), keyDER: key.derRepresentation,
                issuedAt: chain[0].notValidBefore, expiresAt: chain[0].notValidAfter,
                serial: Hex.encode(chain[0].serialNumber.bytes))
        }
        return issued
    }

    private static func changed(
        snapshot: SVIDCache.Snapshot, issued: [String: SVIDCache.X509Item], liveIDs: Set<String>,
        bundles: [String: SPIFFEBundle]
    ) -> Bool {
        !issued.isEmpty || Set(snapshot.entries.map(\.id)) != liveIDs
            || snapshot.bundles.mapValues(\.sequence) != bundles.mapValues(\.sequence)
            || Set(snapshot.bundles.keys) != Set(bundles.keys) || !snapshot.ready
            || snapshot.svids.keys.contains { !liveIDs.contains($0) }
    }

    /// Runs `syncOnce` every `interval` seconds, or at once when the watch loop saw a change, until cancelled.
    func run(interval: TimeInterval) async {
        let clock = ContinuousClock()
        while !Task.isCancelled {
            do {
                try await syncOnce()
            } catch {
                await cache.purgeExpired(now: self.clock.now())
                logger.warning("sync with the server failed; serving cached SVIDs", metadata: ["error": "\(error)"])
            }
            let deadline = clock.now.advanced(by: .seconds(interval))
            while clock.now < deadline, !Task.isCancelled, !wake.exchange(false, ordering: .acquiringAndReleasing) {
                try? await Task.sleep(for: .milliseconds(50))
            }
        }
    }

    /// Long-polls the server's change revision and wakes the run loop when it moves, so a revocation (an
    /// identity suspended, an entry deleted, an SVID lease revoked) reaches the Workload API within a second.
    func watch() async {
        var revision: UInt64 = 0
        while !Task.isCancelled {
            do {
                let next = try await client.watch(node: credential, since: revision)
                if next != revision {
                    if revision != 0 { wake.store(true, ordering: .releasing) }
                    revision = next
                }
            } catch {
                // The server is away or too old for watch: periodic syncs still run; retry calmly.
                try? await Task.sleep(for: .seconds(2))
            }
        }
    }
}
