import Crypto
import Foundation
import TesseraCrypto
import TesseraTestSupport
import Testing
import _CryptoExtras

/// Every hostile or malformed token request gets a precise RFC 6749 error and never a token.
@Suite(.serialized, .stopsServers) struct ClientAuthenticationTests {
    private func expectError(
        _ reply: TestServer.Reply, _ error: String, status: Int = 400, mentioning words: String? = nil,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(reply.status == status, sourceLocation: sourceLocation)
        #expect(reply.json["error"] as? String == error, sourceLocation: sourceLocation)
        #expect(reply.json["access_token"] == nil, sourceLocation: sourceLocation)
        if let words {
            let description = reply.json["error_description"] as? String ?? ""
            #expect(description.contains(words), "\(description)", sourceLocation: sourceLocation)
        }
        #expect(reply.headers["content-type"]?.hasPrefix("application/json") == true, sourceLocation: sourceLocation)
    }

    @Test func malformedRequests() async throws {
        let server = try await TestServer.start()
        let workload = try await server.registerWorkload("malformed")

        expectError(
            try await server.send("POST", "/oauth2/token", body: Data("{}".utf8), contentType: "application/json"),
            "invalid_request", mentioning: "x-www-form-urlencoded")
        expectError(
            try await server.send(
                "POST", "/oauth2/token", body: Data("grant_type=%zz".utf8),
                contentType: "application/x-www-form-urlencoded"), "invalid_request", mentioning: "malformed")
        expectError(
            try await server.send(
                "POST", "/oauth2/token", body: Data("grant_type=a&grant_type=b".utf8),
                contentType: "application/x-www-form-urlencoded"), "invalid_request", mentioning: "repeated")
        expectError(try await server.form("/oauth2/token", [:]), "invalid_request", mentioning: "grant_type")
        expectError(try await server.requestToken(workload) { $0["grant_type"] = "password" }, "unsupported_grant_type")
        expectError(try await server.requestToken(workload) { $0["grant_type"] = "authorization_code" }, "unsupported_grant_type")
        let huge = Data(("grant_type=client_credentials&pad=" + String(repeating: "a", count: 70_000)).utf8)
        expectError(
            try await server.send("POST", "/oauth2/token", body: huge, contentType: "application/x-www-form-urlencoded"),
            "invalid_request", status: 413)
        expectError(try await server.requestToken(workload) { $0["scope"] = "bad\"scope" }, "invalid_scope")
        expectError(try await server.requestToken(workload) { $0["scope"] = "invoices:delete" }, "invalid_scope")
        expectError(
            try await server.requestToken(workload) {
                $0["audience"] = "a"
                $0["resource"] = "https://b"
            }, "invalid_request")
    }

    @Test func sharedSecretsAreRefused() async throws {
        let server = try await TestServer.start()
        let workload = try await server.registerWorkload("secretive")
        expectError(
            try await server.form(
                "/oauth2/token",
                [
                    "grant_type": "client_credentials", "client_id": workload.clientID, "client_secret": "hunter2",
                ]), "invalid_client", status: 401, mentioning: "private_key_jwt")
        let basic = try await server.form(
            "/oauth2/token", ["grant_type": "client_credentials"],
            headers: ["Authorization": "Basic " + Data("\(workload.clientID):hunter2".utf8).base64EncodedString()])
        expectError(basic, "invalid_client", status: 401)
        expectError(try await server.form("/oauth2/token", ["grant_type": "client_credentials"]), "invalid_client", status: 401)
        expectError(
            try await server.requestToken(workload) { $0["client_assertion_type"] = "urn:other" }, "invalid_client", status: 401)
    }

    @Test func hostileAlgorithms() async throws {
        let server = try await TestServer.start()
        let workload = try await server.registerWorkload("algs")
        let now = Int(server.clock.now().timeIntervalSince1970)
        let claims = """
            {"iss":"\(workload.clientID)","sub":"\(workload.clientID)","aud":"\(server.tokenEndpoint)","exp":\(now + 60),"jti":"\(UUID())"}
            """
        let payload = Base64URL.encode(Data(claims.utf8))
        let none = Base64URL.encode(Data("{\"alg\":\"none\"}".utf8)) + "." + payload + "."
        expectError(try await server.requestToken(workload, assertion: none), "invalid_client", status: 401, mentioning: "alg")

        // HS256 keyed with the public key's bytes: the classic confusion attack.
        let publicPEM = Data(workload.key.publicKey.jwk().x!.utf8)
        let hsInput = Base64URL.encode(Data("{\"alg\":\"HS256\",\"typ\":\"JWT\"}".utf8)) + "." + payload
        let mac = HMAC<SHA256>.authenticationCode(for: Data(hsInput.utf8), using: SymmetricKey(data: publicPEM))
        let hs256 = hsInput + "." + Base64URL.encode(Data(mac))
        expectError(try await server.requestToken(workload, assertion: hs256), "invalid_client", status: 401, mentioning: "alg")

        // An RS256 assertion for a client registered with an EC key.
        let rsa = PrivateSigningKey.rsa(try _RSA.Signing.PrivateKey(keySize: .bits2048))
        let rs256 = try forgeJWS(header: "{\"alg\":\"RS256\"}", claims: claims, key: rsa)
        expectError(try await server.requestToken(workload, assertion: rs256), "invalid_client", status: 401)

        // Right algorithm, wrong key.
        let stranger = PrivateSigningKey.p256(P256.Signing.PrivateKey())
        let forged = try forgeJWS(header: "{\"alg\":\"ES256\"}", claims: claims, key: stranger)
        expectError(
            try await server.requestToken(workload, assertion: forged), "invalid_client", status: 401, mentioning: "signature")

        // An access token is not a client assertion (explicit typing, RFC 8725).
        let typed = try forgeJWS(header: "{\"alg\":\"ES256\",\"typ\":\"at+jwt\"}", claims: claims, key: workload.key)
        expectError(try await server.requestToken(workload, assertion: typed), "invalid_client", status: 401, mentioning: "typ")
    }

    /// Attacker passes (docs/threat-model.md): headers that name their own key (`jwk`, `jku`, a traversal `kid`) are never trusted
    /// (only the registered key verifies), an unknown `crit` extension is refused (RFC 7515 §4.1.11), and the high-S
    /// twin of a used ES256 signature is the same assertion: a replay.
    @Test func headersThatBringTheirOwnKeyAndMalleableSignaturesGetNothing() async throws {
        let server = try await TestServer.start()
        let workload = try await server.registerWorkload("jose")
        let now = Int(server.clock.now().timeIntervalSince1970)
        func claims() -> String {
            #"{"iss":"\#(workload.clientID)","sub":"\#(workload.clientID)","aud":"\#(server.tokenEndpoint)","exp":\#(now + 60),"jti":"\#(UUID())"}"#
        }
        let attacker = P256.Signing.PrivateKey()
        let attackerJWK = String(
            decoding: try JSONEncoder().encode(VerificationKey.p256(attacker.publicKey).jwk()), as: UTF8.self)
        for header in [
            #"{"alg":"ES256","jwk":\#(attackerJWK)}"#, #"{"alg":"ES256","jku":"https://evil.example/jwks.json"}"#,
            #"{"alg":"ES256","kid":"../../../../dev/null"}"#, #"{"alg":"ES256","x5u":"https://evil.example/cert.pem"}"#,
        ] {
            let forged = try forgeJWS(header: header, claims: claims(), key: .p256(attacker))
            expectError(try await server.requestToken(workload, assertion: forged), "invalid_client", status: 401)
        }
        let critical = try forgeJWS(
            header: #"{"alg":"ES256","crit":["x-unknown"],"x-unknown":true}"#, claims: claims(), key: workload.key)
        expectError(try await server.requestToken(workload, assertion: critical), "invalid_client", status: 401)

        // (r, s) and (r, n - s) both verify under ECDSA: the twin of a used assertion must be refused as a replay.
        let used = try forgeJWS(header: #"{"alg":"ES256"}"#, claims: claims(), key: workload.key)
        #expect(try await server.requestToken(workload, assertion: used).status == 200)
        let parts = used.split(separator: ".").map(String.init)
        var signature = [UInt8](try #require(Base64URL.decode(parts[2])))
        let order: [UInt8] = [
            0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
            0xBC, 0xE6, 0xFA, 0xAD, 0xA7, 0x17, 0x9E, 0x84, 0xF3, 0xB9, 0xCA, 0xC2, 0xFC, 0x63, 0x25, 0x51,
        ]
        var borrow = 0
        for index in stride(from: 31, through: 0, by: -1) {
            let difference = Int(order[index]) - Int(signature[32 + index]) - borrow
            signature[32 + index] = UInt8((difference + 256) % 256)
            borrow = difference < 0 ? 1 : 0
        }
        let twin = parts[0] + "." + parts[1] + "." + Base64URL.encode(Data(signature))
        #expect(twin != used)
        expectError(try await server.requestToken(workload, assertion: twin), "invalid_client", status: 401)
    }

    @Test func claimChecks() async throws {
        let server = try await TestServer.start()
        let workload = try await server.registerWorkload("claims")
        let now = server.clock.now()

        let wrongAudience = try workload.assertion(audience: "https://other.example.org/token", now: now)
        expectError(
            try await server.requestToken(workload, assertion: wrongAudience), "invalid_client", status: 401, mentioning: "aud")
        let expired = try workload.assertion(audience: server.tokenEndpoint, now: now.addingTimeInterval(-200), lifetime: 60)
        expectError(
            try await server.requestToken(workload, assertion: expired), "invalid_client", status: 401, mentioning: "expired")
        let farFuture = try workload.assertion(audience: server.tokenEndpoint, now: now, lifetime: 3600)
        expectError(
            try await server.requestToken(workload, assertion: farFuture), "invalid_client", status: 401, mentioning: "future")
        let issuedLater = try workload.assertion(audience: server.tokenEndpoint, now: now.addingTimeInterval(120), lifetime: 60)
        expectError(
            try await server.requestToken(workload, assertion: issuedLater), "invalid_client", status: 401, mentioning: "future")

        let mismatched = try forgeJWS(
            header: "{\"alg\":\"ES256\"}",
            claims:
                "{\"iss\":\"\(workload.clientID)\",\"sub\":\"spiffe://example.org/else\",\"aud\":\"\(server.tokenEndpoint)\",\"exp\":\(Int(now.timeIntervalSince1970) + 60),\"jti\":\"x\"}",
            key: workload.key)
        expectError(
            try await server.requestToken(workload, assertion: mismatched), "invalid_client", status: 401,
            mentioning: "iss and sub")
        let noJTI = try forgeJWS(
            header: "{\"alg\":\"ES256\"}",
            claims:
                "{\"iss\":\"\(workload.clientID)\",\"sub\":\"\(workload.clientID)\",\"aud\":\"\(server.tokenEndpoint)\",\"exp\":\(Int(now.timeIntervalSince1970) + 60)}",
            key: workload.key)
        expectError(try await server.requestToken(workload, assertion: noJTI), "invalid_client", status: 401, mentioning: "jti")
        let wrongTypes = try forgeJWS(
            header: "{\"alg\":\"ES256\"}", claims: "{\"iss\":1,\"exp\":\"soon\"}", key: workload.key)
        expectError(
            try await server.requestToken(workload, assertion: wrongTypes), "invalid_client", status: 401, mentioning: "malformed"
        )
        expectError(
            try await server.requestToken(workload) { $0["client_id"] = "spiffe://example.org/someone-else" },
            "invalid_client", status: 401, mentioning: "client_id")
    }

    @Test func replayedAssertionIsRefusedEvenAfterRestart() async throws {
        let directory = NSTemporaryDirectory() + "tessera-replay-" + UUID().uuidString
        let first = try await TestServer.start(dataDirectory: directory)
        let workload = try await first.registerWorkload("replay")
        let assertion = try workload.assertion(audience: first.tokenEndpoint, now: first.clock.now(), lifetime: 120)
        #expect(try await first.requestToken(workload, assertion: assertion).status == 200)
        expectError(
            try await first.requestToken(workload, assertion: assertion), "invalid_client", status: 401, mentioning: "replay")
        await first.stop()

        // Same data folder and KEK, new process state: the jti must still be remembered.
        let second = try await TestServer.start(dataDirectory: directory, kek: first.kek, clock: first.clock) {
            $0.issuer = first.base
        }
        let again = try await second.form(
            "/oauth2/token",
            [
                "grant_type": "client_credentials",
                "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer", "client_assertion": assertion,
            ])
        expectError(again, "invalid_client", status: 401, mentioning: "replay")
    }

    @Test func unknownSuspendedRetiredAndExpiredClientsGetNothing() async throws {
        let server = try await TestServer.start()
        let ghost = Workload(id: "nhi_x", clientID: "spiffe://example.org/ghost", key: .p256(P256.Signing.PrivateKey()))
        expectError(try await server.requestToken(ghost), "invalid_client", status: 401, mentioning: "unknown client")

        let suspended = try await server.registerWorkload("suspended")
        #expect(
            try await server.admin("POST", "/v1/identities/\(suspended.id)/suspend", json: ["reason": "incident 42"]).status
                == 200)
        expectError(try await server.requestToken(suspended), "invalid_client", status: 401, mentioning: "suspended")
        #expect(try await server.admin("POST", "/v1/identities/\(suspended.id)/activate").status == 200)
        #expect(try await server.requestToken(suspended).status == 200)

        let retired = try await server.registerWorkload("retired")
        #expect(try await server.admin("POST", "/v1/identities/\(retired.id)/retire").status == 200)
        expectError(try await server.requestToken(retired), "invalid_client", status: 401, mentioning: "retired")

        let expiring = try await server.registerWorkload(
            "expiring", extra: ["expires_at": ISO8601DateFormatter().string(from: server.clock.now().addingTimeInterval(30))])
        #expect(try await server.requestToken(expiring).status == 200)
        server.clock.advance(by: 31)
        expectError(try await server.requestToken(expiring), "invalid_client", status: 401, mentioning: "expired")
    }
}
