import Foundation
import TesseraCore
import TesseraCrypto
import TesseraTestSupport
import Testing

@testable import TesseraServer

/// Two Tessera trust domains federated over `https_spiffe`: the partner serves its bundle on the bundle-endpoint
/// listener with its own `spiffe://partner.test/tessera/bundle-endpoint` SVID; this server fetches it knowing only
/// that SPIFFE ID and the partner's bundle (given once), and the reserved ID cannot be registered by a workload.
@Suite(.stopsServers) struct BundleEndpointListenerTests {
    @Test func twoTesseraDomainsFederateOverHTTPSSPIFFE() async throws {
        let bundlePort = try FreePort.find(host: "127.0.0.1")
        let partner = try await TestServer.start {
            $0.trustDomain = "partner.test"
            $0.listener.bundleEndpointListen = "127.0.0.1:\(bundlePort)"
        }
        let server = try await TestServer.start { $0.federation.networkPolicy.allowPrivateNetworks = true }
        let bundle = try #require(
            try JSONSerialization.jsonObject(with: try await partner.send("GET", "/bundle").body) as? [String: Any])

        var fetched = false
        var last: [String: Any] = [:]
        // The listener starts beside the main one: allow it a moment.
        for _ in 0..<40 where !fetched {
            let reply = try await server.admin(
                "POST", "/v1/federation",
                json: [
                    "trust_domain": "partner.test", "bundle_endpoint_url": "https://127.0.0.1:\(bundlePort)/bundle",
                    "bundle_endpoint_profile": "https_spiffe",
                    "endpoint_spiffe_id": "spiffe://partner.test/tessera/bundle-endpoint",
                    "trust_bundle": bundle,
                ])
            last = reply.json
            fetched = reply.json["fetched"] as? Bool == true
            if !fetched { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(fetched, "\(last)")

        // A workload may not take the bundle endpoint's SPIFFE ID (it could serve partners a forged bundle).
        for id in ["spiffe://example.org/tessera/bundle-endpoint", "spiffe://example.org/tessera/bundle-endpoint/x"] {
            let reply = try await server.admin(
                "POST", "/v1/identities",
                json: [
                    "spiffe_id": id, "kind": "service", "owner": "a@example.com", "purpose": "impersonation",
                    "auth_methods": ["jwt_svid"],
                ])
            #expect(reply.status == 400, "\(id)")
        }
    }

    @Test func listenAddressesAreChecked() {
        for bad in ["", "8445", "host:", "host:70000", "a b:1", "127.0.0.1:0"] {
            #expect(throws: ServerError.self) { try BundleEndpointListener(parsing: bad) }
        }
        #expect((try? BundleEndpointListener(parsing: "[::1]:8445"))?.host == "::1")
    }
}
