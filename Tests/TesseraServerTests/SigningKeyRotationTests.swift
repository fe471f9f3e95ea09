import Foundation
import TesseraCrypto
import TesseraTestSupport
import Testing

@testable import TesseraServer

/// `POST /v1/keys/rotate` on a real server: the new key signs, the previous one still verifies what it signed, a
/// second rotation retires the oldest, the listing carries no private material, and every rotation is audited.
@Suite(.stopsServers) struct SigningKeyRotationTests {
    private func kid(of token: String) throws -> String {
        try #require(try CompactJWS(parsing: token).header.kid)
    }

    private func jwksKids(_ server: TestServer) async throws -> [String] {
        let reply = try await server.send("GET", "/.well-known/jwks.json")
        return (reply.json["keys"] as? [[String: Any]])?.compactMap { $0["kid"] as? String } ?? []
    }

    private func active(_ server: TestServer, _ token: String) async throws -> Bool? {
        let reply = try await server.send(
            "POST", "/oauth2/introspect", body: Data(TestServer.encode(["token": token]).utf8),
            contentType: "application/x-www-form-urlencoded", headers: ["Authorization": "Bearer \(server.adminToken)"])
        return reply.json["active"] as? Bool
    }

    @Test func aRotationSignsWithTheNewKeyAndKeepsThePreviousOneForVerification() async throws {
        let server = try await TestServer.start()
        let workload = try await server.registerWorkload("rotating")
        let first = try #require(try await server.requestToken(workload).json["access_token"] as? String)
        let original = try kid(of: first)
        #expect(try await jwksKids(server) == [original])

        let rotated = try await server.admin("POST", "/v1/keys/rotate", json: ["immediate": true])
        #expect(rotated.status == 200, "\(String(decoding: rotated.body, as: UTF8.self))")
        let newKid = try #require(rotated.json["kid"] as? String)
        #expect(newKid != original)
        #expect(rotated.json["previous_kid"] as? String == original)
        #expect(try await jwksKids(server) == [newKid, original], "the signer first, the previous key kept for overlap")

        let second = try #require(try await server.requestToken(workload).json["access_token"] as? String)
        #expect(try kid(of: second) == newKid, "new tokens are signed with the new key")
        #expect(try await active(server, first) == true, "a token of the previous key stays valid until it expires")
        #expect(try await active(server, second) == true)

        // A second rotation retires the oldest key: what it signed is no longer accepted.
        let again = try await server.admin("POST", "/v1/keys/rotate", json: ["immediate": true])
        let newest = try #require(again.json["kid"] as? String)
        #expect(try await jwksKids(server) == [newest, newKid])
        #expect(try await active(server, first) == false, "signed by a retired key")
        #expect(try await active(server, second) == true)

        let listing = try await server.admin("GET", "/v1/keys?purpose=access-token")
        let keys = try #require(listing.json["keys"] as? [[String: Any]])
        var statuses: [String: String] = [:]
        for key in keys { statuses[key["kid"] as? String ?? ""] = key["status"] as? String }
        #expect(statuses == [newest: "active", newKid: "published", original: "retired"])
        #expect(!String(decoding: listing.body, as: UTF8.self).contains("sealed"), "no private material listed")

        let audit = try await server.admin("GET", "/v1/audit/records?limit=1000")
        #expect(String(decoding: audit.body, as: UTF8.self).components(separatedBy: "keys.rotated").count - 1 >= 2)
    }

    @Test func rotationNeedsAnAdministrator() async throws {
        let server = try await TestServer.start()
        let anonymous = try await server.send("POST", "/v1/keys/rotate")
        #expect(anonymous.status == 401)
        #expect(try await jwksKids(server).count == 1, "nothing rotated")
    }
}
