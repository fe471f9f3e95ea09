import ArgumentParser
import Foundation

/// `tessera keys list|rotate`: the token signing keys.
struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys", abstract: "List or rotate the token signing keys.",
        subcommands: [KeysList.self, KeysRotate.self])
}

struct KeysList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "Show the signing keys: kid, purpose, algorithm, status (active, next, published, retired).")
    @Option(help: "Only keys of this purpose: access-token or jwt-svid.") var purpose: String?
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let query = purpose.map { "?purpose=" + ($0.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? $0) } ?? ""
        let data = try await connection.client().expect("GET", "/v1/keys" + query)
        if output.json {
            print(Output.prettyJSON(data))
            return
        }
        let keys = (try JSONSerialization.jsonObject(with: data) as? [String: Any])?["keys"] as? [[String: Any]] ?? []
        print(
            Output.table(
                ["KID", "PURPOSE", "ALGORITHM", "STATUS", "CREATED", "SIGNS FROM"],
                keys.map { key in ["kid", "purpose", "algorithm", "status", "created_at", "active_at"].map { "\(key[$0] ?? "")" }
                }))
    }
}

struct KeysRotate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rotate",
        abstract: "Rotate a signing key: publish the next key now, sign with it after the pre-publication time.",
        discussion: """
            Relying parties that cache key sets (clouds, Vault/OpenBao, Kubernetes) learn the next key before any \
            token carries it, so they never meet an unknown kid (server option --key-prepublish, default 1 hour). \
            --now makes the new key sign at once: for a suspected compromise, when relying parties refetching keys \
            on an unknown kid is acceptable. The previous key stays published to verify what it signed; keys before \
            it are retired (what they signed is refused). Servers sharing the storage follow within a second.
            """)
    @Option(help: "access-token (default) or jwt-svid.") var purpose: String = "access-token"
    @Option(help: "ES256 or RS256 (default: the server's configured algorithm for this purpose).") var algorithm: String?
    @Flag(name: .customLong("now"), help: "Sign with the new key immediately (no pre-publication).") var immediate = false
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        var body: [String: Any] = ["purpose": purpose, "immediate": immediate]
        if let algorithm { body["algorithm"] = algorithm.uppercased() }
        Output.printObject(try await connection.client().expect("POST", "/v1/keys/rotate", json: body), json: output.json)
    }
}
