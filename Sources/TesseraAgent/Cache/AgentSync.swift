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

    init(client: ServerClient, cache: SVIDCache, node: NodeCredential, clock: any TimeSource, dataDirectory: String, logger: Logger) {
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
        var current = credential
        if current.needsRenewal(at: now) {
            let key = P256.Signing.PrivateKey(compactRepresentable: false)
            let chain = try await client.renew(node: current, newKey: key)
            current = NodeCredential(key: key, chain: chain)
            try current.save(to: dataDirectory)
            let renewed = current
            node.withLock { $0 = renewed }
            logger.info("node SVID renewed", metadata: ["expires_at": "\(ISO8601.format(renewed.expiresAt))"])
        }
        let entries = try await client.entries(node: current)
        let bundles = try await client.bundles(node: current)
        let snapshot = await cache.current()
        let liveIDs = Set(entries.map(\.id))
        var keys: [String: P256.Signing.PrivateKey] = [:]
        var requests: [AgentAPI.X509SVIDBatchRequest.Item] = []
        for entry in entries {
            let existing = snapshot.svids[entry.id]
            let stale = existing.map { $0.needsRenewal(at: now) || $0.spiffeID != entry.spiffeID.description } ?? true
            guard stale else { continue }
            let key = P256.Signing.PrivateKey(compactRepresentable: false)
            keys[entry.id] = key
            requests.append(.init(entryID: entry.id, csr: Data(try CertificateRequest.make(for: key)).base64EncodedString()))
        }
        var issued: [String: SVIDCache.X509Item] = [:]
        if !requests.isEmpty {
            let batch = try await client.x509SVIDs(node: current, requests: requests)
            for svid in batch.svids {
                guard let entryID = svid.entryID, let key = keys[entryID] else { continue }
                let chain = try ServerClient.chain(svid)
                guard chain[0].publicKey == Certificate.PublicKey(key.publicKey) else { continue }
                issued[entryID] = SVIDCache.X509Item(
                    spiffeID: svid.spiffeID, chainDER: Data(try chain.flatMap { try $0.derBytes() }),
                    keyDER: key.derRepresentation, issuedAt: chain[0].notValidBefore, expiresAt: chain[0].notValidAfter)
            }
            for (entry, reason) in batch.refused {
                logger.warning("server refused an SVID", metadata: ["entry": "\(entry)", "reason": "\(reason)"])
            }
        }
        let changed = !issued.isEmpty || Set(snapshot.entries.map(\.id)) != liveIDs
            || snapshot.bundles.mapValues(\.sequence) != bundles.mapValues(\.sequence)
            || Set(snapshot.bundles.keys) != Set(bundles.keys) || !snapshot.ready
            || snapshot.svids.keys.contains { !liveIDs.contains($0) }
        guard changed else { return }
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

    /// Runs `syncOnce` every `interval` seconds until cancelled, logging failures.
    func run(interval: TimeInterval) async {
        while !Task.isCancelled {
            do {
                try await syncOnce()
            } catch {
                await cache.purgeExpired(now: clock.now())
                logger.warning("sync with the server failed; serving cached SVIDs", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: .seconds(interval))
        }
    }
}
