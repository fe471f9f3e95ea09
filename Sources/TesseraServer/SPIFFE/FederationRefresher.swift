import Foundation
import TesseraCore
import TesseraCrypto
import TesseraStore

/// Fetches the bundles of federated trust domains from their bundle endpoints (SPIFFE federation,
/// `https_web` profile, or plain HTTP to loopback for tests) and keeps the last good copy.
/// A fetched bundle is accepted only as the bundle of the trust domain it was configured for.
///
/// Every fetch goes through the same ``HTTPDocumentFetcher`` as issuer discovery: the resolved address is
/// checked against the federation network policy (public addresses only unless
/// `--federation-allow-private-networks` / `--federation-allow-network`), no redirects, 256 KiB cap, a deadline.
struct FederationRefresher: Sendable {
    let repository: any SPIFFERepository
    let clock: any TimeSource
    let interval: Int
    let fetcher: HTTPDocumentFetcher
    /// Forgotten after every fetch, so a new or changed bundle authenticates federated workloads at once here.
    var roots: FederatedRoots? = nil

    /// Fetches one trust domain's bundle now; returns the error text when it failed.
    @discardableResult
    func refresh(trustDomain: String, url: String) async -> String? {
        var failure: String?
        var bundle: Data?
        do {
            bundle = try await fetch(url: url, trustDomain: trustDomain)
        } catch let error as TesseraCryptoError {
            failure = error.reason
        } catch {
            failure = "cannot fetch the bundle endpoint"
        }
        try? await repository.recordFederationFetch(trustDomain: trustDomain, bundle: bundle, error: failure, now: clock.now())
        roots?.invalidate()
        return failure
    }

    /// Refreshes every federated trust domain, forever (until cancelled).
    func run() async {
        while !Task.isCancelled {
            for record in (try? await repository.federations()) ?? [] {
                await refresh(trustDomain: record.trustDomain, url: record.endpointURL)
            }
            try? await Task.sleep(for: .seconds(interval))
        }
    }

    func fetch(url text: String, trustDomain: String) async throws -> Data {
        if let refusal = fetcher.refusal(for: text) {
            throw TesseraCryptoError(.invalidBundle, "bundle endpoint refused: \(refusal)")
        }
        let data: Data
        do {
            data = try await fetcher.get(text)
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
