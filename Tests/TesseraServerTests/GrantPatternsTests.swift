import Foundation
import TesseraCore
import TesseraTestSupport
import Testing

/// One pattern per class: a pipeline federates through its CI system and nothing else.
@Suite(.stopsServers) struct GrantPatternsTests {
    @Test func pipelinesOnlyFederate() async throws {
        let server = try await TestServer.start()
        let pipeline = try await server.registerWorkload(
            "deploy-pipeline", scopes: ["deploy"], extra: ["kind": "pipeline", "auth_methods": ["private_key_jwt", "federated"]])
        let ci = ExternalIssuerKey(issuer: "https://ci.example.com")
        let trusted = try await server.admin(
            "POST", "/v1/issuers",
            json: [
                "issuer": ci.issuer, "jwks": ci.jwks, "audiences": ["tessera"],
                "rules": [["name": "main", "match": ["repository": "acme/deploy"], "identity": pipeline.clientID]],
            ])
        #expect(trusted.status == 201)

        // Its own key does not get it a token: client_credentials is not its pattern.
        let direct = try await server.requestToken(pipeline)
        #expect(direct.status == 400)
        #expect(direct.json["error"] as? String == "unauthorized_client")
        let refusal = try #require(try await server.auditRecords().last { $0["type"] as? String == "token.refused" })
        #expect((refusal["details"] as? [String: Any])?["kind"] as? String == "pipeline")

        // Its CI system's token, mapped by rule, does.
        let now = server.clock.now()
        let external = try ci.mint(["sub": "job-1", "aud": "tessera", "repository": "acme/deploy"], now: now)
        let federated = try await TokenExchangeTests.exchange(server, subject: external)
        #expect(federated.status == 200, "\(String(decoding: federated.body, as: UTF8.self))")
        #expect(decodeClaims(try #require(federated.json["access_token"] as? String))["sub"] as? String == pipeline.clientID)

        // It never acts for someone else.
        let service = try await server.registerWorkload("svc")
        let own = try #require(try await server.requestToken(service).json["access_token"] as? String)
        let acting = try await TokenExchangeTests.exchange(
            server, subject: own, type: TokenExchangeTests.accessToken,
            [
                "actor_token": try pipeline.assertion(audience: server.tokenEndpoint, now: now),
                "actor_token_type": TokenExchangeTests.jwt,
            ])
        #expect(acting.json["error"] as? String == "unauthorized_client")
    }
}
