import ArgumentParser
import Crypto
import Foundation
import TesseraCore
import TesseraCrypto
import TesseraServer

/// The token service without HTTP: how much of a token's cost is Tessera's own code path
/// (assertion checks, policy, signing, durable audit) rather than the network stack.
struct BenchTokenPath: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token-path", abstract: "Issue tokens in-process (no HTTP) and report µs per token.")

    @Option(help: "Tokens to issue.") var count: Int = 20_000
    @Option(help: "Concurrent callers (like HTTP connections).") var concurrency: Int = 8

    func run() async throws {
        let directory = NSTemporaryDirectory() + "tessera-bench-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var configuration = ServerConfiguration()
        configuration.port = 0
        configuration.dataDirectory = directory
        let server = try await TesseraServer.make(configuration: configuration, kek: KeyEncryptionKey.generate().0)
        let key = P256.Signing.PrivateKey(compactRepresentable: false)
        let now = Date()
        let identity = Identity(
            id: Identity.newID(), spiffeID: try SPIFFEID(parsing: "spiffe://example.org/bench"), kind: .service,
            owner: "bench", purpose: "benchmark", scopes: ["read"],
            jwks: JWKSet(keys: [VerificationKey.p256(key.publicKey).jwk()]).json(), createdAt: now, updatedAt: now)
        try await server.database.identities.create(identity)
        let endpoint = server.issuer + "/oauth2/token"
        let forms: [FormBody] = try (0..<count).map { _ in
            let assertion = try ClientAssertion.sign(
                clientID: identity.clientID, audience: endpoint, key: .p256(key), now: now, lifetime: 240)
            let body =
                "grant_type=client_credentials&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&client_assertion="
                + assertion
            return try FormBody(parsing: Array(body.utf8))
        }
        let tokens = server.tokens
        let start = ContinuousClock.now
        let lanes = max(1, concurrency)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for lane in 0..<lanes {
                group.addTask {
                    var index = lane
                    while index < forms.count {
                        _ = try await tokens.token(forms[index], remoteAddress: "127.0.0.1", basicAuthorization: false)
                        index += lanes
                    }
                }
            }
            try await group.waitForAll()
        }
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let rate = Double(count) / seconds
        print(
            "in-process token path: \(Int(rate)) tokens/s with \(lanes) concurrent callers "
                + "(\(String(format: "%.1f", 1e6 / rate)) µs of wall time per token, durable audit on)")
    }
}
