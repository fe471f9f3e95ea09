import ArgumentParser
import Foundation
import TesseraCrypto

struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token", abstract: "Request, inspect and revoke access tokens.",
        subcommands: [
            TokenRequest.self, TokenAssertion.self, TokenIntrospect.self, TokenRevoke.self, TokenExchange.self, TokenInspect.self,
        ])
}

/// A client identity and its private key, for commands that sign assertions.
struct ClientKeyOptions: ParsableArguments {
    @Option(name: .customLong("client-id"), help: "The client's SPIFFE ID.")
    var clientID: String

    @Option(help: "PEM private key file of the client (P-256, P-384, Ed25519, RSA).")
    var key: String

    func signingKey() throws -> PrivateSigningKey {
        guard let pem = try? String(contentsOfFile: key, encoding: .utf8) else {
            throw CommandFailure(message: "cannot read the key file \(key)")
        }
        do {
            return try PrivateSigningKey(pem: pem)
        } catch {
            throw CommandFailure(message: "\(key): \(error.reason)")
        }
    }
}

struct TokenRequest: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "request",
        abstract: "Get an access token with client credentials + private_key_jwt (signs the assertion locally).")

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var client: ClientKeyOptions
    @Option(help: "Space- or comma-separated scopes (default: all granted).") var scope: String?
    @Option(help: "Token audience (resource server).") var audience: String?
    @Option(help: "Task id: the token is a lease of that task and ends with it.") var task: String?
    @Option(
        name: .customLong("assertion-audience"),
        help:
            "The client assertion's aud (default: SERVER/oauth2/token; for a node behind a load balancer, the issuer's token endpoint)."
    )
    var assertionAudience: String?

    func run() async throws {
        let http = try connection.client(requireToken: false)
        let endpoint = assertionAudience ?? (http.base.absoluteString + "/oauth2/token")
        let assertion = try ClientAssertion.sign(
            clientID: client.clientID, audience: endpoint, key: try client.signingKey(), now: Date())
        var form = [
            "grant_type": "client_credentials", "client_id": client.clientID,
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer", "client_assertion": assertion,
        ]
        form["scope"] = scope?.replacingOccurrences(of: ",", with: " ")
        form["audience"] = audience
        form["task_id"] = task
        let data = try await AdminClient(base: http.base, token: nil).expect("POST", "/oauth2/token", form: form)
        if output.json {
            print(Output.prettyJSON(data))
        } else {
            let object = (try? JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
            print(object["access_token"] as? String ?? "")
        }
    }
}

struct TokenAssertion: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "assertion",
        abstract: "Print signed client assertions, one per line (for curl, load tests and debugging).")

    @OptionGroup var client: ClientKeyOptions
    @Option(help: "The token endpoint URL (the assertion's aud).") var audience: String
    @Option(help: "How many assertions (each with a fresh jti).") var count: Int = 1
    @Option(help: "Assertion lifetime in seconds (server accepts at most 300).") var lifetime: Int = 60
    @Flag(help: "Print JSON for scripts: {\"client_assertions\": [...], \"expires_at\": ...} (at most 10,000 assertions).")
    var json = false

    func run() async throws {
        guard (1...5_000_000).contains(count) else { throw CommandFailure(message: "--count must be 1...5000000") }
        let key = try client.signingKey()
        let kid = key.publicKey.jwk().kid
        let now = Date()
        if json {
            guard count <= 10_000 else { throw CommandFailure(message: "--json prints at most 10,000 assertions; use lines") }
            let assertions = try (0..<count).map { _ in
                try ClientAssertion.sign(
                    clientID: client.clientID, audience: audience, key: key, kid: kid, now: now, lifetime: TimeInterval(lifetime))
            }
            Output.done(
                [
                    "client_assertions": assertions, "client_id": client.clientID, "audience": audience,
                    "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                    "expires_at": ISO8601DateFormatter().string(from: now.addingTimeInterval(TimeInterval(lifetime))),
                ], json: true, note: "")
            return
        }
        var buffer = ""
        for index in 0..<count {
            buffer +=
                try ClientAssertion.sign(
                    clientID: client.clientID, audience: audience, key: key, kid: kid, now: now,
                    lifetime: TimeInterval(lifetime)) + "\n"
            if index % 1000 == 999 {
                FileHandle.standardOutput.write(Data(buffer.utf8))
                buffer = ""
            }
        }
        FileHandle.standardOutput.write(Data(buffer.utf8))
    }
}

struct TokenIntrospect: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "introspect", abstract: "Ask the server whether a token is active (RFC 7662), as an administrator.")

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var input: TokenInput

    func run() async throws {
        let token = try input.resolve()
        let data = try await connection.client().expect("POST", "/oauth2/introspect", form: ["token": token])
        if output.json {
            print(Output.prettyJSON(data))
            return
        }
        let object = (try? JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
        print("active    " + ((object["active"] as? Bool ?? false) ? "true" : "false"))
        for key in ["sub", "client_id", "scope", "aud", "exp", "jti", "task_id"] {
            guard let value = object[key] else { continue }
            print(
                key.padding(toLength: 10, withPad: " ", startingAt: 0)
                    + "\((value as? [String])?.joined(separator: ",") ?? "\(value)")")
        }
    }
}

struct TokenRevoke: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revoke", abstract: "Revoke a token (RFC 7009), as an administrator.")

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var input: TokenInput
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let token = try input.resolve()
        _ = try await connection.client().expect("POST", "/oauth2/revoke", form: ["token": token])
        Output.done(["revoked": true], json: output.json, note: "revoked")
    }
}
