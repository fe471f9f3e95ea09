import Foundation
import ServiceLifecycle
import TesseraCore
import TesseraCrypto
import TesseraStore
import X509

/// Fetches the bundles of federated trust domains from their bundle endpoints (SPIFFE federation: the `https_web`
/// profile, plain HTTP to loopback for tests, or `https_spiffe`, where the endpoint presents the X.509-SVID
/// configured for it, verified with the last known bundle of that SVID's trust domain) and keeps the last good copy.
/// A fetched bundle is accepted only as the bundle of the trust domain it was configured for.
///
/// Every fetch goes through the same ``HTTPDocumentFetcher`` as issuer discovery: the resolved address is
/// checked against the federation network policy (public addresses only unless
/// `--federation-allow-private-networks` / `--federation-allow-network`), no redirects, 256 KiB cap, a deadline.
struct FederationRefresher: Service {
    let repository: any SPIFFERepository
    let clock: any TimeSource
    let interval: Int
    let fetcher: HTTPDocumentFetcher
    /// Forgotten after every fetch, so a new or changed bundle authenticates federated workloads at once here.
    var roots: FederatedRoots? = nil

    /// Fetches one trust domain's bundle now; returns the error text when it failed.
    @discardableResult
    func refresh(trustDomain: String, url: String, profile: String = "https_web", endpointSPIFFEID: String? = nil) async
        -> String?
    {
        var failure: String?
        var bundle: Data?
        do {
            let peer = try await peerAuthentication(profile: profile, endpointSPIFFEID: endpointSPIFFEID)
            bundle = try await fetch(url: url, trustDomain: trustDomain, peer: peer)
        } catch let error as TesseraCryptoError {
            failure = error.reason
        } catch {
            failure = "cannot fetch the bundle endpoint"
        }
        try? await repository.recordFederationFetch(trustDomain: trustDomain, bundle: bundle, error: failure, now: clock.now())
        roots?.invalidate()
        return failure
    }

    /// Refreshes every federated trust domain every `interval` seconds, until the service group shuts down or the
    /// task is cancelled.
    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                for record in (try? await repository.federations()) ?? [] {
                    await refresh(
                        trustDomain: record.trustDomain, url: record.endpointURL, profile: record.profile,
                        endpointSPIFFEID: record.endpointSPIFFEID)
                }
                try await Task.sleep(for: .seconds(interval))
            }
        }
    }

    /// For `https_spiffe`: the SVID the endpoint must present and the roots (its trust domain's last fetched or
    /// operator-given bundle) that must vouch for it; nil for `https_web`.
    func peerAuthentication(profile: String, endpointSPIFFEID: String?) async throws -> SPIFFEPeerAuthentication? {
        guard profile == "https_spiffe" else { return nil }
        guard let text = endpointSPIFFEID, let id = try? SPIFFEID(parsing: text) else {
            throw TesseraCryptoError(.invalidBundle, "https_spiffe needs the endpoint's SPIFFE ID")
        }
        let record = try await repository.federations().first { $0.trustDomain == id.trustDomain }
        guard let data = record?.bundle, let bundle = try? SPIFFEBundle.parse(data, trustDomain: id.trustDomain),
            !bundle.x509Authorities.isEmpty
        else {
            throw TesseraCryptoError(.invalidBundle, "no bundle of \(id.trustDomain) to authenticate the https_spiffe endpoint")
        }
        return SPIFFEPeerAuthentication(roots: bundle.x509Certificates(), spiffeID: id, now: clock.now())
    }

    func fetch(url text: String, trustDomain: String, peer: SPIFFEPeerAuthentication? = nil) async throws -> Data {
        if let refusal = fetcher.refusal(for: text) {
            throw TesseraCryptoError(.invalidBundle, "bundle endpoint refused: \(refusal)")
        }
        let data: Data
        do {
            data = try await fetcher.get(text, peer: peer)
        } catch {
            // The details (address, status) are in the server log; the admin sees a generic reason.
            throw TesseraCryptoError(.invalidBundle, "cannot fetch the bundle endpoint")
        }
        let bundle = try SPIFFEBundle.parse(data, trustDomain: trustDomain)
        guard !bundle.x509Authorities.isEmpty || !bundle.jwtAuthorities.isEmpty else {
            throw TesseraCryptoError(.invalidBundle, "federated bundle holds no authorities")
        }
        return data
    }
}
