import Foundation
import Synchronization
import TesseraCore
import TesseraCrypto
import TesseraStore
import X509

/// The X.509 authorities of federated trust domains, by trust domain, read from the last fetched bundles (kept
/// for a few seconds): what verifies a federated workload's X.509-SVID at the mTLS listener.
///
/// A chain is only ever checked against the roots of its leaf's own trust domain: a federated CA never vouches
/// for this trust domain's SPIFFE IDs or another federated domain's, and this trust domain's CA never for theirs.
public final class FederatedRoots: Sendable {
    private let repository: any SPIFFERepository
    private let maximumAge: Duration
    private let cache = Mutex<(read: ContinuousClock.Instant?, roots: [String: [Certificate]])>((nil, [:]))

    public init(repository: any SPIFFERepository, maximumAge: Duration = .seconds(5)) {
        self.repository = repository
        self.maximumAge = maximumAge
    }

    /// The X.509 authorities of `trustDomain`, or none when it is not federated (or its bundle has not been fetched).
    public func roots(for trustDomain: String) async -> [Certificate] {
        await current()[trustDomain] ?? []
    }

    /// Whether `trustDomain` is federated and its bundle holds X.509 authorities.
    public func isFederated(_ trustDomain: String) async -> Bool {
        !(await roots(for: trustDomain)).isEmpty
    }

    /// Forgets the cached roots (after a federation change on this server).
    public func invalidate() {
        cache.withLock { $0 = (nil, [:]) }
    }

    private func current() async -> [String: [Certificate]] {
        let now = ContinuousClock.now
        if let cached = cache.withLock({ state -> [String: [Certificate]]? in
            guard let read = state.read, now - read < maximumAge else { return nil }
            return state.roots
        }) {
            return cached
        }
        var roots: [String: [Certificate]] = [:]
        for record in (try? await repository.federations()) ?? [] {
            guard let data = record.bundle, let bundle = try? SPIFFEBundle.parse(data, trustDomain: record.trustDomain) else {
                continue
            }
            roots[record.trustDomain] = bundle.x509Certificates()
        }
        cache.withLock { $0 = (now, roots) }
        return roots
    }
}
