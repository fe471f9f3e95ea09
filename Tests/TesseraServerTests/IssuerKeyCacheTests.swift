import Foundation
import TesseraCore
import TesseraCrypto
import TesseraTestSupport
import Testing

@testable import TesseraServer

/// Key fetching against a real HTTP endpoint that can be slow, down, or rotate keys.
@Suite(.stopsServers) struct IssuerKeyCacheTests {
    func issuer(_ stub: StubIssuerServer, discovery: Bool = false) -> TrustedIssuer {
        TrustedIssuer(
            id: "iss_test", issuer: stub.base, kind: .workload, jwksURI: discovery ? nil : stub.base + "/jwks",
            pinnedJWKS: nil, audiences: ["tessera"], rules: [], createdAt: Date())
    }

    func cache(_ clock: ManualTimeSource, timeout: Double = 2) -> IssuerKeyCache {
        var settings = FederationConfiguration()
        settings.fetchTimeout = timeout
        // The stand-in issuer listens on loopback, which the default network policy refuses.
        let fetcher = HTTPDocumentFetcher(timeout: timeout, policy: FederationNetworkPolicy(allowPrivateNetworks: true))
        return IssuerKeyCache(fetcher: fetcher, clock: clock, configuration: settings)
    }

    @Test func discoversCachesAndRefreshesAfterTheInterval() async throws {
        let stub = try StubIssuerServer()
        defer { stub.stop() }
        let key = ExternalIssuerKey(issuer: stub.base, kid: "k1")
        stub.serve("/.well-known/openid-configuration", #"{"issuer":"\#(stub.base)","jwks_uri":"\#(stub.base)/jwks"}"#)
        stub.serve("/jwks", key.jwksText)
        let clock = ManualTimeSource()
        let keys = cache(clock)
        let first = try await keys.keys(for: issuer(stub, discovery: true), kid: "k1")
        _ = try await keys.keys(for: issuer(stub, discovery: true), kid: "k1")
        #expect(first.map(\.kid) == ["k1"])
        #expect(stub.hits("/jwks") == 1)
        #expect(stub.hits("/.well-known/openid-configuration") == 1)
        clock.advance(by: 301)
        _ = try await keys.keys(for: issuer(stub, discovery: true), kid: "k1")
        #expect(stub.hits("/jwks") == 2)
    }

    @Test func discoveryNamingAnotherIssuerIsRefused() async throws {
        let stub = try StubIssuerServer()
        defer { stub.stop() }
        stub.serve("/.well-known/openid-configuration", #"{"issuer":"https://evil.example","jwks_uri":"\#(stub.base)/jwks"}"#)
        let keys = cache(ManualTimeSource())
        await #expect(throws: KeyUnavailable.self) { try await keys.keys(for: issuer(stub, discovery: true), kid: nil) }
        #expect(stub.hits("/jwks") == 0)
    }

    @Test func unknownKidTriggersOneRateLimitedRefresh() async throws {
        let stub = try StubIssuerServer()
        defer { stub.stop() }
        let old = ExternalIssuerKey(issuer: stub.base, kid: "old")
        stub.serve("/jwks", old.jwksText)
        let clock = ManualTimeSource()
        let keys = cache(clock)
        let trusted = issuer(stub)
        _ = try await keys.keys(for: trusted, kid: "old")
        #expect(stub.hits("/jwks") == 1)
        // Rotation too soon after the last fetch: no new fetch, the old set comes back (the signature check fails).
        let rotated = ExternalIssuerKey(issuer: stub.base, kid: "new")
        stub.serve("/jwks", rotated.jwksText)
        let early = try await keys.keys(for: trusted, kid: "new")
        #expect(early.map(\.kid) == ["old"])
        #expect(stub.hits("/jwks") == 1)
        // After the minimum interval an unknown kid refreshes once.
        clock.advance(by: 31)
        let fresh = try await keys.keys(for: trusted, kid: "new")
        #expect(fresh.map(\.kid) == ["new"])
        #expect(stub.hits("/jwks") == 2)
        // A flood of unknown kids right after costs no more fetches.
        for index in 0..<20 { _ = try await keys.keys(for: trusted, kid: "bogus-\(index)") }
        #expect(stub.hits("/jwks") == 2)
    }

    @Test func cachedKeysOutliveAnOutageUntilTheyExpire() async throws {
        let stub = try StubIssuerServer()
        defer { stub.stop() }
        stub.serve("/jwks", ExternalIssuerKey(issuer: stub.base, kid: "k1").jwksText)
        let clock = ManualTimeSource()
        let keys = cache(clock)
        let trusted = issuer(stub)
        _ = try await keys.keys(for: trusted, kid: "k1")
        stub.setFailing(true)
        clock.advance(by: 3_600)
        #expect(try await keys.keys(for: trusted, kid: "k1").map(\.kid) == ["k1"])
        #expect(stub.hits("/jwks") == 2)
        clock.advance(by: 86_400)
        await #expect(throws: KeyUnavailable.self) { try await keys.keys(for: trusted, kid: "k1") }
    }

    @Test func slowEndpointTimesOutWithoutPileUp() async throws {
        let stub = try StubIssuerServer()
        defer { stub.stop() }
        stub.serve("/jwks", ExternalIssuerKey(issuer: stub.base, kid: "k1").jwksText)
        stub.setDelay(60)  // far beyond the 1 s timeout, also when a saturated test run delays timers
        let keys = cache(ManualTimeSource(), timeout: 1)
        let trusted = issuer(stub)
        let failures = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<10 {
                group.addTask { (try? await keys.keys(for: trusted, kid: "k1")) == nil }
            }
            return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(failures == 10)
        #expect(stub.hits("/jwks") == 1)
        // Within the minimum interval the next caller fails fast without another request.
        await #expect(throws: KeyUnavailable.self) { try await keys.keys(for: trusted, kid: "k1") }
        #expect(stub.hits("/jwks") == 1)
    }

    @Test func unreachableEndpointIsAClearErrorAndRateLimited() async throws {
        let stub = try StubIssuerServer()
        let trusted = issuer(stub)
        stub.stop()  // nothing listens on the port any more
        let keys = cache(ManualTimeSource())
        do {
            _ = try await keys.keys(for: trusted, kid: "k1")
            Issue.record("keys of an unreachable issuer")
        } catch {
            #expect(error.description.contains("could not be fetched"))
        }
        await #expect(throws: KeyUnavailable.self) { try await keys.keys(for: trusted, kid: "k1") }
        #expect(await keys.fetches[trusted.id] == 1)
    }

    @Test func malformedOrUnusableKeySetsAreRefused() throws {
        #expect(throws: KeyUnavailable.self) { try IssuerKeyCache.parse(Data("not json".utf8), source: "x") }
        #expect(throws: KeyUnavailable.self) {
            try IssuerKeyCache.parse(Data(#"{"keys":[{"kty":"oct","k":"AAAA"}]}"#.utf8), source: "x")
        }
        #expect(throws: KeyUnavailable.self) { try IssuerKeyCache.parse(Data(#"{"keys":[]}"#.utf8), source: "x") }
    }

    @Test func onlyHTTPSOrLoopbackIsFetched() {
        #expect(HTTPDocumentFetcher.isAllowed("https://token.actions.githubusercontent.com"))
        #expect(HTTPDocumentFetcher.isAllowed("http://127.0.0.1:8080/jwks"))
        #expect(!HTTPDocumentFetcher.isAllowed("http://example.com/jwks"))
        #expect(!HTTPDocumentFetcher.isAllowed("file:///etc/passwd"))
    }
}
