import ArgumentParser
import Foundation

struct IdentityCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "identity",
        abstract: "Manage the inventory of non-human identities.",
        subcommands: [
            IdentityCreate.self, IdentityGet.self, IdentityList.self, IdentityUpdate.self, IdentitySuspend.self,
            IdentityRetire.self, IdentityActivate.self, IdentityClaim.self, IdentityPlan.self, IdentityMigrate.self,
            IdentityRelease.self,
        ])
}

/// Output flag shared by admin commands.
struct OutputOptions: ParsableArguments {
    @Flag(help: "Print JSON for scripts instead of a table.")
    var json = false
}

/// Attributes shared by create and update.
struct IdentityAttributes: ParsableArguments {
    @Option(help: "Kind: service, api-client, batch-job, pipeline, container, ai-agent, third-party.")
    var kind: String?

    @Option(help: "The accountable human (required on create).")
    var owner: String?

    @Option(help: "Business purpose (required on create).")
    var purpose: String?

    @Option(help: "Comma-separated OAuth scopes this identity may be granted.")
    var scopes: String?

    @Option(help: "Comma-separated extra audiences this identity may request tokens for.")
    var audiences: String?

    @Option(help: "Environment, e.g. prod, staging, dev.")
    var environment: String?

    @Option(name: .customLong("trust-boundary"), help: "Trust boundary (network zone, account, cluster).")
    var trustBoundary: String?

    @Option(name: .customLong("expires-at"), help: "RFC 3339 time or YYYY-MM-DD after which the identity gets nothing.")
    var expiresAt: String?

    @Option(name: .customLong("review-by"), help: "RFC 3339 time or YYYY-MM-DD by which the owner must review it.")
    var reviewBy: String?

    @Option(name: .customLong("token-ttl"), help: "Access-token lifetime in seconds (bounded by the server maximum).")
    var tokenTTL: Int?

    @Option(
        name: .customLong("auth"),
        help: ArgumentHelp(
            "Comma-separated authentication methods: private_key_jwt, tls_client_auth, jwt_svid, federated.",
            discussion: """
                Every method not listed is refused for this identity, even with a genuine credential. private_key_jwt \
                needs --public-key or --jwks; the others need no key (SVIDs from the agent, a federated issuer). \
                Default on create: private_key_jwt when a key is given.
                """))
    var auth: String?

    @Option(name: .customLong("public-key"), help: "PEM public key file for private_key_jwt (P-256, P-384, Ed25519, RSA).")
    var publicKey: String?

    @Option(help: "JWK Set file (public keys) for private_key_jwt, instead of --public-key.")
    var jwks: String?

    func body() throws -> [String: Any] {
        var body: [String: Any] = [:]
        if let kind { body["kind"] = kind }
        if let owner { body["owner"] = owner }
        if let purpose { body["purpose"] = purpose }
        if let scopes { body["scopes"] = Self.list(scopes) }
        if let audiences { body["audiences"] = Self.list(audiences) }
        if let environment { body["environment"] = environment }
        if let trustBoundary { body["trust_boundary"] = trustBoundary }
        if let expiresAt { body["expires_at"] = expiresAt }
        if let reviewBy { body["review_by"] = reviewBy }
        if let tokenTTL { body["token_ttl"] = tokenTTL }
        if let auth { body["auth_methods"] = Self.list(auth) }
        if let publicKey {
            guard let pem = try? String(contentsOfFile: publicKey, encoding: .utf8) else {
                throw CommandFailure(message: "cannot read --public-key file \(publicKey)")
            }
            body["public_key_pem"] = pem
        }
        if let jwks {
            guard let data = FileManager.default.contents(atPath: jwks),
                let object = try? JSONSerialization.jsonObject(with: data)
            else { throw CommandFailure(message: "--jwks file \(jwks) is not readable JSON") }
            body["jwks"] = object
        }
        return body
    }

    static func list(_ text: String) -> [String] {
        text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
}

struct IdentityCreate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create", abstract: "Register a new identity.",
        discussion: """
            Examples:
              tessera identity create --spiffe-id spiffe://example.org/billing --kind service --owner alice@example.com \
                --purpose 'bills customers' --scopes invoices:read --public-key billing.pub.pem
              tessera identity create --spiffe-id spiffe://example.org/web --kind service --owner alice@example.com \
                --purpose 'web front end' --scopes invoices:read --auth jwt_svid,tls_client_auth
            """)

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions
    @Option(name: .customLong("spiffe-id"), help: "The workload's SPIFFE ID (also its OAuth client_id).")
    var spiffeID: String
    @OptionGroup var attributes: IdentityAttributes

    func run() async throws {
        var body = try attributes.body()
        body["spiffe_id"] = spiffeID
        let data = try await connection.client().expect("POST", "/v1/identities", json: body)
        IdentityPrinter.print(data, json: output.json)
    }
}

struct IdentityUpdate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "update", abstract: "Change an identity's attributes.")

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "Identity id (nhi_...) or SPIFFE ID.")
    var identity: String
    @OptionGroup var attributes: IdentityAttributes

    func run() async throws {
        let client = try connection.client()
        let id = try await IdentityLookup.resolve(identity, client: client)
        let data = try await client.expect("PATCH", "/v1/identities/\(id)", json: try attributes.body())
        IdentityPrinter.print(data, json: output.json)
    }
}
