import Crypto
import Foundation
import TesseraCore
import TesseraCrypto
import TesseraTestSupport
import Testing

/// RFC 9449 DPoP at the token endpoint, over real HTTP.
@Suite(.stopsServers) struct DPoPTests {
    struct ProofKey {
        let key = P256.Signing.PrivateKey()

        var jwk: JWK { VerificationKey.p256(key.publicKey).jwk() }
        var thumbprint: String { JWKThumbprint.compute(jwk) }

        func proof(
            url: String, method: String = "POST", iat: Date, jti: String = UUID().uuidString, typ: String = "dpop+jwt",
            includeKey: Bool = true, ath: String? = nil
        ) throws -> String {
            let jwkJSON = String(decoding: try JSONEncoder().encode(jwk), as: UTF8.self)
            let header = includeKey ? #"{"typ":"\#(typ)","alg":"ES256","jwk":\#(jwkJSON)}"# : #"{"typ":"\#(typ)","alg":"ES256"}"#
            var claims: [String: Any] = ["htm": method, "htu": url, "iat": Int(iat.timeIntervalSince1970), "jti": jti]
            if let ath { claims["ath"] = ath }
            let body = String(decoding: try JSONSerialization.data(withJSONObject: claims), as: UTF8.self)
            return try forgeJWS(header: header, claims: body, key: .p256(key))
        }
    }

    @Test func boundTokenCarriesTheKeyThumbprintAndIntrospectionReportsIt() async throws {
        let server = try await TestServer.start { $0.listener.refusalFlushInterval = 0.1 }
        let workload = try await server.registerWorkload("dpop-client")
        let key = ProofKey()
        let proof = try key.proof(url: server.tokenEndpoint, iat: server.clock.now())
        let reply = try await server.send(
            "POST", "/oauth2/token",
            body: Data(
                TestServer.encode([
                    "grant_type": "client_credentials",
                    "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                    "client_assertion": try workload.assertion(audience: server.tokenEndpoint, now: server.clock.now()),
                ]).utf8), contentType: "application/x-www-form-urlencoded", headers: ["DPoP": proof])
        #expect(reply.status == 200, "\(String(decoding: reply.body, as: UTF8.self))")
        #expect(reply.json["token_type"] as? String == "DPoP")
        let token = try #require(reply.json["access_token"] as? String)
        #expect((decodeClaims(token)["cnf"] as? [String: Any])?["jkt"] as? String == key.thumbprint)
        let introspection = try await server.send(
            "POST", "/oauth2/introspect", body: Data(TestServer.encode(["token": token]).utf8),
            contentType: "application/x-www-form-urlencoded", headers: ["Authorization": "Bearer \(server.adminToken)"])
        #expect(introspection.json["active"] as? Bool == true)
        #expect(introspection.json["token_type"] as? String == "DPoP")
        #expect((introspection.json["cnf"] as? [String: Any])?["jkt"] as? String == key.thumbprint)

        // The same proof again is a replay: refused and audited.
        let replay = try await server.send(
            "POST", "/oauth2/token",
            body: Data(
                TestServer.encode([
                    "grant_type": "client_credentials",
                    "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                    "client_assertion": try workload.assertion(audience: server.tokenEndpoint, now: server.clock.now()),
                ]).utf8), contentType: "application/x-www-form-urlencoded", headers: ["DPoP": proof])
        #expect(replay.status == 400)
        #expect(replay.json["error"] as? String == "invalid_dpop_proof")
        #expect((replay.json["error_description"] as? String ?? "").contains("replay"))
        // The proof is checked before the client authenticates: counted per source and reason, not one record each.
        let records = try await AuditFloodAttackTests.waitForAggregates(server, type: "token.refused", expected: 1)
        let counted = AuditFloodAttackTests.aggregates(records).first { $0["refused_type"] as? String == "token.refused" }
        #expect(counted?["reason_code"] as? String == "invalid_dpop_proof")
    }

    @Test func badProofsAreRefused() async throws {
        let server = try await TestServer.start()
        let workload = try await server.registerWorkload("dpop-bad")
        let key = ProofKey()
        let now = server.clock.now()
        let proofs: [(String, String)] = [
            ("wrong method", try key.proof(url: server.tokenEndpoint, method: "GET", iat: now)),
            ("wrong url", try key.proof(url: server.base + "/oauth2/introspect", iat: now)),
            ("wrong typ", try key.proof(url: server.tokenEndpoint, iat: now, typ: "JWT")),
            ("no key", try key.proof(url: server.tokenEndpoint, iat: now, includeKey: false)),
            ("stale", try key.proof(url: server.tokenEndpoint, iat: now.addingTimeInterval(-600))),
            ("future", try key.proof(url: server.tokenEndpoint, iat: now.addingTimeInterval(600))),
            ("garbage", "x.y.z"),
        ]
        for (name, proof) in proofs {
            let reply = try await server.requestToken(workload, tweak: { _ in })
            #expect(reply.status == 200)
            let refused = try await server.send(
                "POST", "/oauth2/token",
                body: Data(
                    TestServer.encode([
                        "grant_type": "client_credentials",
                        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                        "client_assertion": try workload.assertion(audience: server.tokenEndpoint, now: now),
                    ]).utf8), contentType: "application/x-www-form-urlencoded", headers: ["DPoP": proof])
            #expect(refused.json["error"] as? String == "invalid_dpop_proof", "\(name)")
        }
    }

    @Test func aBoundTokenIsExchangedOnlyWithItsKey() async throws {
        let server = try await TestServer.start()
        let workload = try await server.registerWorkload("dpop-exchanger", extra: ["audiences": ["https://api"]])
        let key = ProofKey()
        let now = server.clock.now()
        let issued = try await server.send(
            "POST", "/oauth2/token",
            body: Data(
                TestServer.encode([
                    "grant_type": "client_credentials",
                    "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                    "client_assertion": try workload.assertion(audience: server.tokenEndpoint, now: now),
                ]).utf8), contentType: "application/x-www-form-urlencoded",
            headers: ["DPoP": try key.proof(url: server.tokenEndpoint, iat: now)])
        let token = try #require(issued.json["access_token"] as? String)
        let form = [
            "grant_type": TokenExchangeTests.grant, "subject_token": token, "subject_token_type": TokenExchangeTests.accessToken,
            "audience": "https://api",
        ]
        let without = try await server.form("/oauth2/token", form)
        #expect(without.json["error"] as? String == "invalid_dpop_proof")
        let otherKey = try await server.form(
            "/oauth2/token", form, headers: ["DPoP": try ProofKey().proof(url: server.tokenEndpoint, iat: now)])
        #expect(otherKey.json["error"] as? String == "invalid_dpop_proof")
        let with = try await server.form(
            "/oauth2/token", form, headers: ["DPoP": try key.proof(url: server.tokenEndpoint, iat: now)])
        #expect(with.status == 200, "\(String(decoding: with.body, as: UTF8.self))")
        let exchanged = decodeClaims(try #require(with.json["access_token"] as? String))
        #expect(exchanged["aud"] as? String == "https://api")
        #expect((exchanged["cnf"] as? [String: Any])?["jkt"] as? String == key.thumbprint)
        #expect(exchanged["act"] == nil)
    }

    @Test func aBoundActorTokenNeedsItsKeyToo() async throws {
        let server = try await TestServer.start()
        let subject = try await server.registerWorkload("dpop-subject", extra: ["audiences": ["spiffe://example.org/dpop-actor"]])
        let actor = try await server.registerWorkload("dpop-actor", extra: ["audiences": ["https://api"]])
        let key = ProofKey()
        let now = server.clock.now()
        let subjectToken = try #require(
            try await server.requestToken(subject) { $0["audience"] = "spiffe://example.org/dpop-actor" }.json["access_token"]
                as? String)
        let bound = try await server.send(
            "POST", "/oauth2/token",
            body: Data(
                TestServer.encode([
                    "grant_type": "client_credentials",
                    "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                    "client_assertion": try actor.assertion(audience: server.tokenEndpoint, now: now),
                ]).utf8), contentType: "application/x-www-form-urlencoded",
            headers: ["DPoP": try key.proof(url: server.tokenEndpoint, iat: now)])
        let actorToken = try #require(bound.json["access_token"] as? String)
        let form = [
            "grant_type": TokenExchangeTests.grant, "subject_token": subjectToken,
            "subject_token_type": TokenExchangeTests.accessToken, "actor_token": actorToken,
            "actor_token_type": TokenExchangeTests.accessToken, "audience": "https://api",
        ]
        #expect(try await server.form("/oauth2/token", form).json["error"] as? String == "invalid_dpop_proof")
        let with = try await server.form(
            "/oauth2/token", form, headers: ["DPoP": try key.proof(url: server.tokenEndpoint, iat: now)])
        #expect(with.status == 200, "\(String(decoding: with.body, as: UTF8.self))")
        #expect(
            (decodeClaims(try #require(with.json["access_token"] as? String))["act"] as? [String: Any])?["sub"] as? String
                == actor.clientID)
    }
}
