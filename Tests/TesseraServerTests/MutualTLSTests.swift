import Crypto
import Foundation
import TesseraCore
import TesseraCrypto
import TesseraServer
import TesseraTestSupport
import Testing

/// RFC 8705 at the token endpoint: a real server with its HTTPS listener, and curl presenting X.509-SVIDs
/// issued by the trust domain CA (URLSession on Linux cannot present client certificates).
@Suite(.serialized, .stopsServers) struct MutualTLSTests {
    /// A folder with the server's TLS certificate (self-signed, for 127.0.0.1) and key, made with openssl.
    static func serverCertificate() async throws -> String {
        let folder = NSTemporaryDirectory() + "tessera-mtls-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let status = try await run(
            "/usr/bin/openssl",
            [
                "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1",
                "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                "-keyout", folder + "/server-key.pem", "-out", folder + "/server.pem",
            ]
        ).status
        #expect(status == 0)
        return folder
    }

    /// Runs a program and returns its exit status and standard output, off the cooperative threads (the program
    /// may be curl talking to the server in this process: see `ChildProcess`).
    @discardableResult
    static func run(_ program: String, _ arguments: [String]) async throws -> (status: Int32, output: Data) {
        let result = try await ChildProcess.run(program, arguments)
        if result.status != 0, !result.error.isEmpty {
            FileHandle.standardError.write(
                Data("[\(URL(fileURLWithPath: program).lastPathComponent)] ".utf8) + result.error.suffix(2000))
        }
        return (result.status, result.output)
    }

    /// An X.509-SVID for `spiffeID` from the server's CA, written as `NAME.pem` and `NAME-key.pem`;
    /// returns the leaf's DER.
    static func issueSVID(_ server: TestServer, _ spiffeID: String, folder: String, name: String) throws -> [UInt8] {
        let key = P256.Signing.PrivateKey()
        let publicKey = try CertificateRequest.publicKey(fromDER: try CertificateRequest.make(for: key))
        let chain = try server.spiffe.state.authority.ca.issueX509SVID(
            spiffeID: try SPIFFEID(parsing: spiffeID), publicKey: publicKey, now: server.clock.now(), ttl: 3600)
        try chain.map { try $0.pemString() }.joined(separator: "\n").write(
            toFile: folder + "/\(name).pem", atomically: true, encoding: .utf8)
        try key.pemRepresentation.write(toFile: folder + "/\(name)-key.pem", atomically: true, encoding: .utf8)
        return try chain[0].derBytes()
    }

    /// `POST /oauth2/token` over HTTPS with curl; `certificate` names the files written by `issueSVID`.
    static func token(
        _ server: TestServer, folder: String, certificate: String?, fields: [String: String]
    ) async throws -> (curl: Int32, status: Int, json: [String: Any]) {
        var arguments = [
            "-sS", "--retry", "20", "--retry-connrefused", "--retry-delay", "1", "--cacert", folder + "/server.pem",
            "-w", "\n%{http_code}", "--data", TestServer.encode(fields), server.tlsBase! + "/oauth2/token",
        ]
        if let certificate {
            arguments += ["--cert", folder + "/\(certificate).pem", "--key", folder + "/\(certificate)-key.pem"]
        }
        let (status, output) = try await run("/usr/bin/curl", arguments)
        let text = String(decoding: output, as: UTF8.self)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let code = Int(lines.last ?? "") ?? 0
        let body = Data(lines.dropLast().joined(separator: "\n").utf8)
        let json = (try? JSONSerialization.jsonObject(with: body) as? [String: Any]) ?? [:]
        return (status, code, json)
    }

    static func start(folder: String) async throws -> TestServer {
        try await TestServer.start { configuration in
            configuration.tlsCertificatePath = folder + "/server.pem"
            configuration.tlsKeyPath = folder + "/server-key.pem"
            configuration.tlsPort = 0
        }
    }

    @Test func certificateBoundTokenOverMutualTLS() async throws {
        let folder = try await Self.serverCertificate()
        let server = try await Self.start(folder: folder)
        let workload = try await server.registerWorkload(
            "mtls-app", extra: ["auth_methods": ["private_key_jwt", "tls_client_auth"]])
        let leaf = try Self.issueSVID(server, workload.clientID, folder: folder, name: "svid")
        let thumbprint = ClientCertificateAuthenticator.thumbprint(of: leaf)

        for fields in [
            ["grant_type": "client_credentials", "client_id": workload.clientID],
            ["grant_type": "client_credentials"],
        ] {
            let reply = try await Self.token(server, folder: folder, certificate: "svid", fields: fields)
            #expect(reply.curl == 0)
            #expect(reply.status == 200, "\(reply.json)")
            let token = try #require(reply.json["access_token"] as? String)
            let payload = try #require(Base64URL.decode(token.split(separator: ".")[1]))
            let claims = try #require(try JSONSerialization.jsonObject(with: payload) as? [String: Any])
            #expect((claims["cnf"] as? [String: Any])?["x5t#S256"] as? String == thumbprint)
            #expect(claims["sub"] as? String == workload.clientID)

            let introspection = try await server.send(
                "POST", "/oauth2/introspect", body: Data(TestServer.encode(["token": token]).utf8),
                contentType: "application/x-www-form-urlencoded", headers: ["Authorization": "Bearer \(server.adminToken)"])
            #expect(introspection.json["active"] as? Bool == true)
            #expect((introspection.json["cnf"] as? [String: Any])?["x5t#S256"] as? String == thumbprint)
        }

        // private_key_jwt over mTLS: bound to the connection's certificate; another client's assertion is refused.
        let assertionFields = [
            "grant_type": "client_credentials", "client_assertion_type": ClientAssertionVerifier.assertionType,
            "client_assertion": try workload.assertion(audience: server.tokenEndpoint, now: server.clock.now()),
        ]
        let bound = try await Self.token(server, folder: folder, certificate: "svid", fields: assertionFields)
        let boundToken = try #require(bound.json["access_token"] as? String, "\(bound)")
        let boundPayload = try #require(Base64URL.decode(boundToken.split(separator: ".")[1]))
        let boundClaims = try #require(try JSONSerialization.jsonObject(with: boundPayload) as? [String: Any])
        #expect((boundClaims["cnf"] as? [String: Any])?["x5t#S256"] as? String == thumbprint)
        let stranger = try await server.registerWorkload("mtls-stranger")
        var strangerFields = assertionFields
        strangerFields["client_assertion"] = try stranger.assertion(audience: server.tokenEndpoint, now: server.clock.now())
        let refused = try await Self.token(server, folder: folder, certificate: "svid", fields: strangerFields)
        #expect(refused.status == 401)
        #expect(refused.json["error"] as? String == "invalid_client")

        // A token obtained with private_key_jwt without a certificate is not bound.
        let plain = try await server.requestToken(workload)
        let plainToken = try #require(plain.json["access_token"] as? String)
        let plainPayload = try #require(Base64URL.decode(plainToken.split(separator: ".")[1]))
        #expect(String(decoding: plainPayload, as: UTF8.self).contains("cnf") == false)

        // Metadata advertises RFC 8705 on both listeners.
        let metadata = try await server.send("GET", "/.well-known/oauth-authorization-server").json
        #expect((metadata["token_endpoint_auth_methods_supported"] as? [String])?.contains("tls_client_auth") == true)
        #expect(metadata["tls_client_certificate_bound_access_tokens"] as? Bool == true)
        let aliases = metadata["mtls_endpoint_aliases"] as? [String: Any]
        #expect(aliases?["token_endpoint"] as? String == server.tlsBase! + "/oauth2/token")
        #expect(aliases?["introspection_endpoint"] as? String == server.tlsBase! + "/oauth2/introspect")
    }

    @Test func refusals() async throws {
        let folder = try await Self.serverCertificate()
        let server = try await Self.start(folder: folder)
        let mtls: [String: Any] = ["auth_methods": ["private_key_jwt", "tls_client_auth"]]
        let workload = try await server.registerWorkload("mtls-refused", extra: mtls)
        let other = try await server.registerWorkload("mtls-other", extra: mtls)
        _ = try Self.issueSVID(server, workload.clientID, folder: folder, name: "svid")

        // The certificate's SPIFFE ID is not the client_id.
        var reply = try await Self.token(
            server, folder: folder, certificate: "svid",
            fields: ["grant_type": "client_credentials", "client_id": other.clientID])
        #expect(reply.status == 401)
        #expect(reply.json["error"] as? String == "invalid_client")
        #expect(reply.json["access_token"] == nil)

        // No certificate and no assertion over HTTPS.
        reply = try await Self.token(
            server, folder: folder, certificate: nil,
            fields: ["grant_type": "client_credentials", "client_id": workload.clientID])
        #expect(reply.status == 401)
        #expect(reply.json["error"] as? String == "invalid_client")

        // A certificate from another CA (self-signed, same SPIFFE ID) fails the handshake.
        let foreign = try await Self.run(
            "/usr/bin/openssl",
            [
                "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1",
                "-subj", "/O=Elsewhere", "-addext", "subjectAltName=URI:\(workload.clientID)",
                "-addext", "keyUsage=critical,digitalSignature", "-addext", "basicConstraints=critical,CA:FALSE",
                "-keyout", folder + "/foreign-key.pem", "-out", folder + "/foreign.pem",
            ])
        #expect(foreign.status == 0)
        reply = try await Self.token(
            server, folder: folder, certificate: "foreign", fields: ["grant_type": "client_credentials"])
        #expect(reply.curl != 0 || reply.status == 401)
        #expect(reply.json["access_token"] == nil)

        // A suspended identity's certificate.
        let suspended = try await server.registerWorkload("mtls-suspended", extra: mtls)
        _ = try Self.issueSVID(server, suspended.clientID, folder: folder, name: "suspended")
        #expect(
            try await server.admin("POST", "/v1/identities/\(suspended.id)/suspend", json: ["reason": "incident"]).status == 200)
        reply = try await Self.token(
            server, folder: folder, certificate: "suspended", fields: ["grant_type": "client_credentials"])
        #expect(reply.status == 401)
        #expect(reply.json["error"] as? String == "invalid_client")
        #expect((reply.json["error_description"] as? String ?? "").contains("suspended"))

        // A genuine SVID of an identity that did not declare tls_client_auth (docs/threat-model.md, "Authentication methods"): refused, and
        // recorded on its own (the handshake proved the key), naming the method.
        let keyOnly = try await server.registerWorkload("mtls-key-only")
        _ = try Self.issueSVID(server, keyOnly.clientID, folder: folder, name: "key-only")
        reply = try await Self.token(
            server, folder: folder, certificate: "key-only", fields: ["grant_type": "client_credentials"])
        #expect(reply.status == 401)
        #expect(reply.json["error"] as? String == "invalid_client")
        #expect((reply.json["error_description"] as? String ?? "").contains("does not authenticate with tls_client_auth"))
        #expect(reply.json["access_token"] == nil)
        let record = try #require(try await server.auditRecords().last { $0["type"] as? String == "token.refused" })
        #expect(record["subject"] as? String == keyOnly.clientID)
        #expect((record["reason"] as? String ?? "").contains("tls_client_auth"))

        // An SVID of an identity that is not in the inventory.
        _ = try Self.issueSVID(server, "spiffe://example.org/unknown", folder: folder, name: "unknown")
        reply = try await Self.token(server, folder: folder, certificate: "unknown", fields: ["grant_type": "client_credentials"])
        #expect(reply.status == 401)
        #expect(reply.json["error"] as? String == "invalid_client")
    }
}
