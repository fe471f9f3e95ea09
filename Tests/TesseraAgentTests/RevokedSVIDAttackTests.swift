import Foundation
import TesseraCore
import TesseraCrypto
import TesseraTestSupport
import Testing
import X509

@testable import TesseraAgent
@testable import TesseraServer

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A revoked SVID authenticates nothing, even while it is valid (attacker finding): the X.509-SVID at the mTLS token
/// endpoint, and the JWT-SVID as a client assertion. `tessera lease revoke <serial|jti>` is the "it leaked" answer.
@Suite(.serialized, .stopsServers) struct RevokedSVIDAttackTests {
    private func curlToken(_ url: String, folder: String) async throws -> (Int, String) {
        let result = try await ChildProcess.run(
            "/usr/bin/curl",
            [
                "-sS", "--retry", "20", "--retry-connrefused", "--retry-delay", "1", "--cacert", folder + "/server.pem",
                "--cert", folder + "/svid.pem", "--key", folder + "/svid-key.pem", "-w", "\n%{http_code}",
                "--data", "grant_type=client_credentials", url,
            ])
        let text = String(decoding: result.output, as: UTF8.self)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        return (Int(lines.last ?? "") ?? 0, lines.dropLast().joined(separator: "\n"))
    }

    @Test func aRevokedX509SVIDGetsNoTokenAtTheMTLSEndpoint() async throws {
        let folder = NSTemporaryDirectory() + "tessera-revoked-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let made = try await ChildProcess.run(
            "/usr/bin/openssl",
            [
                "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1", "-subj",
                "/CN=127.0.0.1",
                "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", folder + "/server-key.pem", "-out", folder + "/server.pem",
            ])
        #expect(made.status == 0)
        let tlsPort = try FreePort.find(host: "127.0.0.1")
        let harness = try await Harness.start { configuration in
            configuration.tlsCertificatePath = folder + "/server.pem"
            configuration.tlsKeyPath = folder + "/server-key.pem"
            configuration.tlsPort = tlsPort
        }
        let svid = try #require(try await WorkloadAPIClient(socketPath: harness.socket).fetchX509SVIDs().first)
        try svid.certificates.map { try $0.serializeAsPEM().pemString }.joined(separator: "\n").write(
            toFile: folder + "/svid.pem", atomically: true, encoding: .utf8)
        let key =
            "-----BEGIN PRIVATE KEY-----\n" + svid.privateKeyDER.base64EncodedString(options: [.lineLength64Characters])
            + "\n-----END PRIVATE KEY-----\n"
        try key.write(toFile: folder + "/svid-key.pem", atomically: true, encoding: .utf8)
        let url = "https://127.0.0.1:\(tlsPort)/oauth2/token"

        let (before, body) = try await curlToken(url, folder: folder)
        #expect(before == 200, "\(body)")
        let serial = Hex.encode(svid.certificates[0].serialNumber.bytes)
        #expect(try await harness.admin("POST", "/v1/leases/\(serial)/revoke", ["reason": "key leaked"]).0 == 200)
        let (after, refusal) = try await curlToken(url, folder: folder)
        #expect(after == 401, "\(refusal)")
        #expect(refusal.contains("revoked"))
        #expect(!refusal.contains("access_token"))
    }

    @Test func aRevokedJWTSVIDIsNoClientAssertion() async throws {
        let harness = try await Harness.start()
        let endpoint = harness.base + "/oauth2/token"
        let client = WorkloadAPIClient(socketPath: harness.socket)
        let token = try #require(try await client.fetchJWTSVIDs(audience: [endpoint]).first?.1)
        let jti = try #require(try JWTClaims.decode(CompactJWS(parsing: token).payload).jti)
        #expect(try await harness.admin("POST", "/v1/leases/\(jti)/revoke", ["reason": "leaked in a log"]).0 == 200)
        var request = URLRequest(url: URL(string: endpoint)!)
        request.httpMethod = "POST"
        request.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
        request.httpBody = Data(
            ("grant_type=client_credentials&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer"
                + "&client_assertion=" + token).utf8)
        let (data, response) = try await HTTPTestClient.data(for: request)
        #expect((response as? HTTPURLResponse)?.statusCode == 401)
        #expect(String(decoding: data, as: UTF8.self).contains("revoked"))
        // A JWT-SVID that was not revoked still works (the check is per jti).
        let fresh = try #require(try await client.fetchJWTSVIDs(audience: [endpoint]).first?.1)
        request.httpBody = Data(
            ("grant_type=client_credentials&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer"
                + "&client_assertion=" + fresh).utf8)
        #expect(((try await HTTPTestClient.data(for: request)).1 as? HTTPURLResponse)?.statusCode == 200)
    }
}
