import Foundation
import TesseraCrypto
import TesseraTestSupport
import Testing

@testable import TesseraServer

/// Scheduled rotation (the next key is published before it signs), RS256 keys, and an algorithm change at start-up:
/// a relying party that cached the key set when the rotation started knows every key that later signs.
@Suite(.stopsServers) struct SigningKeyPrepublicationTests {
    private func kids(_ server: TestServer, _ path: String = "/.well-known/jwks.json") async throws -> [String] {
        let reply = try await server.send("GET", path)
        return (reply.json["keys"] as? [[String: Any]])?.compactMap { $0["kid"] as? String } ?? []
    }

    private func signingKid(_ server: TestServer, _ workload: Workload) async throws -> (String, String) {
        let token = try #require(try await server.requestToken(workload).json["access_token"] as? String)
        let jws = try CompactJWS(parsing: token)
        return (try #require(jws.header.kid), jws.algorithm.rawValue)
    }

    @Test func aScheduledRotationPublishesFirstAndSignsLater() async throws {
        let server = try await TestServer.start {
            $0.signingKeys.prepublish = 600
            $0.signingKeys.promotionCheckInterval = 1
        }
        let workload = try await server.registerWorkload("prepublished")
        let (original, _) = try await signingKid(server, workload)

        let rotated = try await server.admin("POST", "/v1/keys/rotate")
        #expect(rotated.status == 200, "\(String(decoding: rotated.body, as: UTF8.self))")
        let next = try #require(rotated.json["kid"] as? String)
        #expect(rotated.json["immediate"] as? Bool == false)
        // Published at once (what a relying party caches now), but the old key still signs.
        #expect(try await kids(server) == [original, next])
        #expect(try await signingKid(server, workload).0 == original)
        let listing = try await server.admin("GET", "/v1/keys?purpose=access-token")
        let statuses = (listing.json["keys"] as? [[String: Any]] ?? []).map { "\($0["kid"] ?? ""):\($0["status"] ?? "")" }
        #expect(Set(statuses) == ["\(original):active", "\(next):next"])

        // A second scheduled rotation while one is pending: refused with the time the pending key signs.
        let again = try await server.admin("POST", "/v1/keys/rotate")
        #expect(again.status == 409)
        #expect(String(decoding: again.body, as: UTF8.self).contains(next))

        // Before the pre-publication time: nothing changes.
        server.clock.advance(by: 590)
        try await Task.sleep(for: .milliseconds(1500))
        #expect(try await signingKid(server, workload).0 == original)

        // After it: the next key signs, the old one stays published to verify what it signed.
        server.clock.advance(by: 20)
        #expect(try await eventually { try await signingKid(server, workload).0 == next }, "the next key was promoted")
        #expect(try await kids(server) == [next, original])
        let audit = String(decoding: try await server.admin("GET", "/v1/audit/records?limit=1000").body, as: UTF8.self)
        #expect(audit.contains("keys.promoted"))
    }

    @Test func rs256KeysSignAndArePublishedAsRSA() async throws {
        let server = try await TestServer.start { $0.signingKeys.accessTokenAlgorithm = .rs256 }
        let workload = try await server.registerWorkload("rsa")
        let token = try #require(try await server.requestToken(workload).json["access_token"] as? String)
        let jws = try CompactJWS(parsing: token)
        #expect(jws.algorithm == .rs256)
        let jwks = try await server.send("GET", "/.well-known/jwks.json")
        let set = try JWKSet.parse(String(decoding: jwks.body, as: UTF8.self))
        #expect(set.keys.first?.kty == "RSA" && set.keys.first?.alg == "RS256")
        try jws.verify(with: KeyedVerificationKey.from(set))
        // Tessera's own routes accept it (introspection).
        let introspected = try await server.send(
            "POST", "/oauth2/introspect", body: Data(TestServer.encode(["token": token]).utf8),
            contentType: "application/x-www-form-urlencoded", headers: ["Authorization": "Bearer \(server.adminToken)"])
        #expect(introspected.json["active"] as? Bool == true)
        let discovery = try await server.send("GET", "/.well-known/openid-configuration")
        #expect(discovery.json["id_token_signing_alg_values_supported"] as? [String] == ["RS256"])
        #expect(discovery.json["issuer"] as? String == server.base)
        #expect(discovery.json["jwks_uri"] as? String == server.base + "/.well-known/jwks.json")
        #expect(discovery.json["subject_types_supported"] as? [String] == ["public"])
        #expect(discovery.json["response_types_supported"] as? [String] == ["id_token"])
        #expect(discovery.json["token_endpoint"] as? String == server.base + "/oauth2/token")
    }

    @Test func anAlgorithmChangeIsAPrepublishedRotationAtStart() async throws {
        let first = try await TestServer.start()
        let workload = try await first.registerWorkload("moving")
        let (original, algorithm) = try await signingKid(first, workload)
        #expect(algorithm == "ES256")
        await first.stop()

        let second = try await TestServer.start(dataDirectory: first.dataDirectory, kek: first.kek, clock: first.clock) {
            $0.signingKeys.accessTokenAlgorithm = .rs256
            $0.signingKeys.prepublish = 300
            $0.signingKeys.promotionCheckInterval = 1
        }
        // The RS256 key is published, the ES256 key still signs.
        let published = try await second.send("GET", "/.well-known/jwks.json").json["keys"] as? [[String: Any]] ?? []
        #expect(published.map { $0["alg"] as? String } == ["ES256", "RS256"])
        #expect(try await signingKid(second, workload).0 == original)
        second.clock.advance(by: 301)
        #expect(try await eventually { try await signingKid(second, workload).1 == "RS256" })
    }

    @Test func anOperatorsAlgorithmChoiceSurvivesARestartWithTheSameConfiguration() async throws {
        let first = try await TestServer.start()
        let workload = try await first.registerWorkload("rsa-by-hand")
        let rotated = try await first.admin("POST", "/v1/keys/rotate", json: ["algorithm": "RS256", "immediate": true])
        #expect(rotated.status == 200)
        #expect(try await signingKid(first, workload).1 == "RS256")
        await first.stop()
        // Same (default, ES256) configuration: the operator's RS256 key keeps signing, no rotation back is scheduled.
        let second = try await TestServer.start(dataDirectory: first.dataDirectory, kek: first.kek, clock: first.clock)
        #expect(try await signingKid(second, workload).1 == "RS256")
        let kidsAfter = try await kids(second)
        #expect(kidsAfter.count == 2, "the RS256 key and the ES256 key it replaced; no new next key: \(kidsAfter)")
    }

    @Test func rotationInputIsChecked() async throws {
        let server = try await TestServer.start()
        for body in [
            ["purpose": "database"], ["algorithm": "HS256"], ["algorithm": "none"], ["immediate": "yes"], ["extra": 1],
        ] as [[String: Any]] {
            let reply = try await server.admin("POST", "/v1/keys/rotate", json: body)
            #expect(reply.status == 400, "\(body)")
            #expect(reply.json["detail"] is String)
        }
        #expect(try await kids(server).count == 1, "nothing rotated")
    }

    @Test func aJWTSVIDKeyRotationReachesTheBundleAndTheIssuerKeys() async throws {
        let server = try await TestServer.start { $0.spiffe.jwtIssuer = "https://oidc.tessera.test" }
        let before = try await kids(server, "/jwt-svid/keys")
        let bundleBefore = try await server.send("GET", "/bundle").json
        #expect(before.count == 1)
        let rotated = try await server.admin("POST", "/v1/keys/rotate", json: ["purpose": "jwt-svid", "algorithm": "RS256"])
        #expect(rotated.status == 200, "\(String(decoding: rotated.body, as: UTF8.self))")
        let next = try #require(rotated.json["kid"] as? String)
        #expect(try await kids(server, "/jwt-svid/keys") == before + [next])
        let bundle = try await server.send("GET", "/bundle").json
        let bundleKids = (bundle["keys"] as? [[String: Any]] ?? []).filter { $0["use"] as? String == "jwt-svid" }.compactMap {
            $0["kid"] as? String
        }
        #expect(Set(bundleKids) == Set(before + [next]))
        #expect((bundle["spiffe_sequence"] as? Int ?? 0) > (bundleBefore["spiffe_sequence"] as? Int ?? 0))
        // The access-token keys are untouched.
        #expect(try await kids(server).count == 1)
        let discovery = try await server.send("GET", "/jwt-svid/.well-known/openid-configuration").json
        #expect(discovery["id_token_signing_alg_values_supported"] as? [String] == ["ES256", "RS256"])
    }
}
