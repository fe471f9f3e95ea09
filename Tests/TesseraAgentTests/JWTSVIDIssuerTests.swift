import Foundation
import GRPCCore
import TesseraCrypto
import TesseraServer
import TesseraTestSupport
import Testing

@testable import TesseraAgent

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Outbound federation end to end: a JWT-SVID from the Workload API carries the configured JWT-SVID issuer, a relying
/// party verifies it with nothing but the issuer's discovery document and key set, and only audiences the inventory
/// allows are issued.
@Suite(.stopsServers) struct JWTSVIDIssuerTests {
    static let issuer = "https://oidc.tessera.test"

    private func get(_ url: String) async throws -> (Int, Data, String?) {
        let (data, response) = try await HTTPTestClient.data(for: URLRequest(url: URL(string: url)!))
        let http = response as? HTTPURLResponse
        return (http?.statusCode ?? 0, data, http?.value(forHTTPHeaderField: "Cache-Control"))
    }

    @Test func aJWTSVIDVerifiesByDiscoveryAlone() async throws {
        let harness = try await Harness.start { $0.spiffe.jwtIssuer = Self.issuer }
        let token = try #require(try await WorkloadAPIClient(socketPath: harness.socket).fetchJWTSVIDs(audience: ["db"]).first?.1)
        let jws = try CompactJWS(parsing: token)
        let claims = try JWTClaims.decode(jws.payload)
        #expect(claims.iss == Self.issuer)
        #expect(claims.sub == "spiffe://example.org/web")

        // What a relying party does: discovery document at <issuer>/.well-known/openid-configuration (served here
        // under /jwt-svid/), then jwks_uri.
        let (status, body, cache) = try await get(harness.base + "/jwt-svid/.well-known/openid-configuration")
        #expect(status == 200)
        #expect(cache?.contains("max-age") == true)
        let discovery = try #require(try JSONSerialization.jsonObject(with: body) as? [String: Any])
        #expect(discovery["issuer"] as? String == Self.issuer)
        #expect(discovery["jwks_uri"] as? String == Self.issuer + "/keys")
        #expect(discovery["id_token_signing_alg_values_supported"] as? [String] == ["ES256"])
        let (keysStatus, keysBody, _) = try await get(harness.base + "/jwt-svid/keys")
        #expect(keysStatus == 200)
        #expect(!String(decoding: keysBody, as: UTF8.self).contains("\"d\""), "no private member in a published key set")
        let set = try JWKSet.parse(String(decoding: keysBody, as: UTF8.self))
        #expect(set.keys.allSatisfy { $0.use == "sig" && $0.alg == "ES256" })
        try jws.verify(with: KeyedVerificationKey.from(set))

        // The access-token issuer's own keys do not verify it (a JWT-SVID is never an access token).
        let (_, accessKeys, _) = try await get(harness.base + "/.well-known/jwks.json")
        #expect(throws: TesseraCryptoError.self) {
            try jws.verify(with: KeyedVerificationKey.from(JWKSet.parse(String(decoding: accessKeys, as: UTF8.self))))
        }
    }

    @Test func aJWTSVIDWithTheIssuerIsStillAClientAssertion() async throws {
        let harness = try await Harness.start { $0.spiffe.jwtIssuer = Self.issuer }
        let endpoint = harness.base + "/oauth2/token"
        let token = try #require(
            try await WorkloadAPIClient(socketPath: harness.socket).fetchJWTSVIDs(audience: [endpoint]).first?.1)
        #expect(try JWTClaims.decode(CompactJWS(parsing: token).payload).iss == Self.issuer)
        var request = URLRequest(url: URL(string: endpoint)!)
        request.httpMethod = "POST"
        request.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
        request.httpBody = Data(
            ("grant_type=client_credentials&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer"
                + "&client_assertion=" + token).utf8)
        let (data, response) = try await HTTPTestClient.data(for: request)
        #expect((response as? HTTPURLResponse)?.statusCode == 200, "\(String(decoding: data, as: UTF8.self))")
    }

    @Test func outsideAudiencesNeedTheInventory() async throws {
        let harness = try await Harness.start { $0.spiffe.jwtIssuer = Self.issuer }
        let client = WorkloadAPIClient(socketPath: harness.socket)
        // Not among the identity's audiences: refused, and the refusal is audited with the reason.
        do {
            _ = try await client.fetchJWTSVIDs(audience: ["sts.amazonaws.com"])
            Issue.record("a JWT-SVID for an audience the inventory does not allow was issued")
        } catch let error as RPCError {
            // A decision, not an outage: the workload must not retry it.
            #expect(error.code == .permissionDenied, "\(error)")
        }
        await #expect(throws: RPCError.self) { try await client.fetchJWTSVIDs(audience: ["db", "sts.amazonaws.com"]) }
        var auditRequest = URLRequest(url: URL(string: harness.base + "/v1/audit/records?limit=1000")!)
        auditRequest.setValue("Bearer \(harness.adminToken)", forHTTPHeaderField: "Authorization")
        let lines = String(decoding: try await HTTPTestClient.data(for: auditRequest).0, as: UTF8.self).split(separator: "\n")
        #expect(lines.contains { $0.contains("svid.jwt.refused") && $0.contains("sts.amazonaws.com is not allowed") })
        // Allowed once the inventory says so.
        let (_, page) = try await harness.admin("GET", "/v1/identities?spiffe_id=spiffe://example.org/web")
        let id = try #require((page["identities"] as? [[String: Any]])?.first?["id"] as? String)
        let (patched, _) = try await harness.admin(
            "PATCH", "/v1/identities/\(id)", ["audiences": ["db", "sts.amazonaws.com"]])
        #expect(patched == 200)
        let token = try #require(try await client.fetchJWTSVIDs(audience: ["sts.amazonaws.com"]).first?.1)
        #expect(try JWTClaims.decode(CompactJWS(parsing: token).payload).aud?.values == ["sts.amazonaws.com"])
    }

    @Test func theIssuerDocumentsAreAbsentWhenNoIssuerIsConfigured() async throws {
        let harness = try await Harness.start()
        let (status, body, _) = try await get(harness.base + "/jwt-svid/.well-known/openid-configuration")
        #expect(status == 404)
        #expect(String(decoding: body, as: UTF8.self).contains("--jwt-issuer"))
        let token = try #require(try await WorkloadAPIClient(socketPath: harness.socket).fetchJWTSVIDs(audience: ["db"]).first?.1)
        #expect(try JWTClaims.decode(CompactJWS(parsing: token).payload).iss == nil, "no iss without a JWT-SVID issuer")
    }
}
