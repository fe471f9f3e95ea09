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
            throw failure ?? Self.unavailable
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

    /// What callers (including unauthenticated ones at the token endpoint) are told; details are logged.
    static let unavailable = KeyUnavailable("the issuer's keys could not be fetched")

    private static func fetch(_ issuer: TrustedIssuer, fetcher: HTTPDocumentFetcher) async throws(KeyUnavailable)
        -> [KeyedVerificationKey]
    {
        func refuse(_ detail: String) -> KeyUnavailable {
            fetcher.logger.warning(
                "issuer keys unavailable",
                metadata: ["issuer": .string(String(issuer.issuer.prefix(200))), "detail": .string(detail)])
            return unavailable
        }
        var jwksURI = issuer.jwksURI
        do {
            if jwksURI == nil {
                let discovery = try await fetcher.get(issuer.issuer + "/.well-known/openid-configuration")
                guard let object = try? JSONSerialization.jsonObject(with: discovery) as? [String: Any],
                    let uri = object["jwks_uri"] as? String
                else { throw refuse("the discovery document has no jwks_uri") }
                guard object["issuer"] as? String == issuer.issuer else {
                    throw refuse("the discovery document names another issuer (OIDC Discovery §4.3)")
                }
                jwksURI = uri
            }
            let document = try await fetcher.get(jwksURI ?? "")
            do {
                return try parse(document, source: jwksURI ?? "")
            } catch {
                throw refuse(error.description)
            }
        } catch let error as KeyUnavailable {
            throw error
        } catch {
            // A FetchError: the fetcher logged the details.
            throw unavailable
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
