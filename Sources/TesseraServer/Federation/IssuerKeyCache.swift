import Foundation
import TesseraCore
import TesseraCrypto

/// Verification keys of trusted issuers: pinned, or fetched (discovery, then JWKS) and cached.
///
/// - Fetched keys are refreshed after `keyRefreshInterval`; a token naming an unknown `kid` triggers one
///   refresh. Either way at most one fetch per issuer per `minimumRefreshInterval` (rate limit), and
///   concurrent callers share the fetch in flight (no pile-up behind a slow endpoint).
/// - While the endpoint is down the cached keys stay in use until `maximumKeyAge`.
public actor IssuerKeyCache {
    private struct Entry {
        let keys: [KeyedVerificationKey]
        let fetchedAt: Date
    }

    private let fetcher: HTTPDocumentFetcher
    private let clock: any TimeSource
    private let configuration: FederationConfiguration
    private var entries: [String: Entry] = [:]
    private var pinned: [String: [KeyedVerificationKey]] = [:]
    private var lastAttempt: [String: Date] = [:]
    private var inflight: [String: Task<Result<Entry, KeyUnavailable>, Never>] = [:]
    /// Fetches started per issuer id (observability and tests).
    public private(set) var fetches: [String: Int] = [:]

    public init(fetcher: HTTPDocumentFetcher, clock: any TimeSource, configuration: FederationConfiguration) {
        self.fetcher = fetcher
        self.clock = clock
        self.configuration = configuration
    }

    /// Keys to verify a token from `issuer` whose header names `kid`.
    public func keys(for issuer: TrustedIssuer, kid: String?) async throws(KeyUnavailable) -> [KeyedVerificationKey] {
        if let document = issuer.pinnedJWKS {
            if let keys = pinned[issuer.id] { return keys }
            let keys = try Self.parse(Data(document.utf8), source: "pinned JWKS")
            pinned[issuer.id] = keys
            return keys
        }
        let now = clock.now()
        var entry = entries[issuer.id]
        let stale = entry.map { now.timeIntervalSince($0.fetchedAt) >= configuration.keyRefreshInterval } ?? true
        let unknownKid = kid.map { kid in entry?.keys.contains { $0.kid == kid } == false } ?? false
        var failure: KeyUnavailable? = nil
        if stale || unknownKid {
            if let running = inflight[issuer.id] {
                switch await running.value {
                case .success(let fresh): entry = fresh
                case .failure(let error): failure = error
                }
            } else if lastAttempt[issuer.id].map({ now.timeIntervalSince($0) >= configuration.minimumRefreshInterval }) ?? true {
                switch await refresh(issuer, now: now) {
                case .success(let fresh): entry = fresh
                case .failure(let error): failure = error
                }
            }
        }
        guard let entry, now.timeIntervalSince(entry.fetchedAt) < configuration.maximumKeyAge else {
            throw failure ?? KeyUnavailable("keys of \(issuer.issuer.prefix(200)) are unavailable (last fetch failed recently)")
        }
        return entry.keys
    }

    /// Forgets cached keys of an issuer (after it is removed).
    public func forget(_ id: String) {
        entries[id] = nil
        pinned[id] = nil
        lastAttempt[id] = nil
    }

    private func refresh(_ issuer: TrustedIssuer, now: Date) async -> Result<Entry, KeyUnavailable> {
        lastAttempt[issuer.id] = now
        fetches[issuer.id, default: 0] += 1
        let fetcher = self.fetcher
        let clock = self.clock
        let task = Task { () -> Result<Entry, KeyUnavailable> in
            do throws(KeyUnavailable) {
                let keys = try await Self.fetch(issuer, fetcher: fetcher)
                return .success(Entry(keys: keys, fetchedAt: clock.now()))
            } catch {
                return .failure(error)
            }
        }
        inflight[issuer.id] = task
        let result = await task.value
        inflight[issuer.id] = nil
        if case .success(let entry) = result { entries[issuer.id] = entry }
        return result
    }

    private static func fetch(_ issuer: TrustedIssuer, fetcher: HTTPDocumentFetcher) async throws(KeyUnavailable)
        -> [KeyedVerificationKey]
    {
        do {
            var jwksURI = issuer.jwksURI
            if jwksURI == nil {
                let discovery = try await fetcher.get(issuer.issuer + "/.well-known/openid-configuration")
                guard let object = try? JSONSerialization.jsonObject(with: discovery) as? [String: Any],
                    let uri = object["jwks_uri"] as? String
                else { throw KeyUnavailable("the discovery document of \(issuer.issuer.prefix(200)) has no jwks_uri") }
                guard object["issuer"] as? String == issuer.issuer else {
                    throw KeyUnavailable("the discovery document names another issuer (OIDC Discovery §4.3)")
                }
                jwksURI = uri
            }
            return try parse(try await fetcher.get(jwksURI ?? ""), source: jwksURI ?? "")
        } catch let error as KeyUnavailable {
            throw error
        } catch {
            throw KeyUnavailable((error as? FetchError)?.description ?? "fetch failed")
        }
    }

    /// Usable signing keys of a JWK Set; private keys, encryption keys and unsupported key types are skipped.
    static func parse(_ data: Data, source: String) throws(KeyUnavailable) -> [KeyedVerificationKey] {
        guard let set = try? JSONDecoder().decode(JWKSet.self, from: data) else {
            throw KeyUnavailable("\(source.prefix(200)) is not a JWK Set")
        }
        let keys = set.keys.prefix(64).compactMap { jwk -> KeyedVerificationKey? in
            // `jwt-svid` keys of a SPIFFE bundle are signing keys too; `x509-svid` and `enc` keys are not.
            guard jwk.d == nil, [nil, "sig", "jwt-svid"].contains(jwk.use), let key = try? VerificationKey(jwk: jwk) else {
                return nil
            }
            return KeyedVerificationKey(kid: jwk.kid, key: key)
        }
        guard !keys.isEmpty else { throw KeyUnavailable("\(source.prefix(200)) holds no usable signing key") }
        return keys
    }
}
