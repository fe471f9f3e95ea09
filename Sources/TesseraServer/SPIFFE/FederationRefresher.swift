import Foundation
import TesseraCore
import TesseraCrypto
import TesseraStore
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Fetches the bundles of federated trust domains from their bundle endpoints (SPIFFE federation,
/// `https_web` profile, or plain HTTP for tests and closed networks) and keeps the last good copy.
/// A fetched bundle is accepted only as the bundle of the trust domain it was configured for.
struct FederationRefresher: Sendable {
    let repository: any SPIFFERepository
    let clock: any TimeSource
    let interval: Int

    /// Fetches one trust domain's bundle now; returns the error text when it failed.
    @discardableResult
    func refresh(trustDomain: String, url: String) async -> String? {
        var failure: String?
        var bundle: Data?
        do {
            bundle = try await Self.fetch(url: url, trustDomain: trustDomain)
        } catch let error as TesseraCryptoError {
            failure = error.reason
        } catch {
            failure = "cannot fetch the bundle endpoint"
        }
        try? await repository.recordFederationFetch(trustDomain: trustDomain, bundle: bundle, error: failure, now: clock.now())
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

    static func fetch(url text: String, trustDomain: String) async throws -> Data {
        guard let url = URL(string: text) else { throw TesseraCryptoError(.invalidBundle, "bad bundle endpoint URL") }
        var request = URLRequest(url: url)
        request.timeoutInterval = 10
        let (data, response) = try await URLSession.shared.data(for: request)
        guard (response as? HTTPURLResponse)?.statusCode == 200 else {
            throw TesseraCryptoError(.invalidBundle, "bundle endpoint answered \((response as? HTTPURLResponse)?.statusCode ?? 0)")
        }
        let bundle = try SPIFFEBundle.parse(data, trustDomain: trustDomain)
        guard !bundle.x509Authorities.isEmpty || !bundle.jwtAuthorities.isEmpty else {
            throw TesseraCryptoError(.invalidBundle, "federated bundle holds no authorities")
        }
        return data
    }
}
