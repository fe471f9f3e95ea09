import ArgumentParser
import Foundation

/// `tessera federation publish`: outbound federation, so relying parties outside Tessera can verify what it issues.
struct FederationCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "federation",
        abstract: "Outbound federation: publish the JWT-SVID issuer's discovery document and keys (docs/federation-out.md).",
        subcommands: [FederationPublish.self])
}

struct FederationPublish: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish",
        abstract: "Write the JWT-SVID issuer's discovery document and key set as static files for a bucket or CDN.",
        discussion: """
            For a server that must stay private: relying parties (AWS IAM, GCP, Azure, Vault/OpenBao, Kubernetes) \
            fetch <jwt-issuer>/.well-known/openid-configuration and <jwt-issuer>/keys from wherever DIR is served. \
            Writes DIR/.well-known/openid-configuration and DIR/keys (public keys only). Run it again after every \
            signing-key rotation, before the pre-publication time ends (tessera keys list shows when the next key \
            signs); a copy that lacks the signing key makes every relying party refuse new JWT-SVIDs.
            """)
    @Option(help: "Folder to write into (created if missing).") var out: String
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let client = try connection.client(requireToken: false)
        let discovery = try await client.expect("GET", "/jwt-svid/.well-known/openid-configuration")
        let keys = try await client.expect("GET", "/jwt-svid/keys")
        guard let document = try? JSONSerialization.jsonObject(with: discovery) as? [String: Any],
            let issuer = document["issuer"] as? String,
            let set = try? JSONSerialization.jsonObject(with: keys) as? [String: Any],
            let entries = set["keys"] as? [[String: Any]],
            !entries.isEmpty, entries.allSatisfy({ $0["d"] == nil && $0["p"] == nil })
        else {
            throw CommandFailure(message: "the server's discovery document or key set is not what a relying party expects")
        }
        let manager = FileManager.default
        let wellKnown = (out as NSString).appendingPathComponent(".well-known")
        try manager.createDirectory(atPath: wellKnown, withIntermediateDirectories: true)
        let discoveryPath = (wellKnown as NSString).appendingPathComponent("openid-configuration")
        let keysPath = (out as NSString).appendingPathComponent("keys")
        // Written whole, then renamed: a web server never serves half a document.
        try discovery.write(to: URL(fileURLWithPath: discoveryPath), options: .atomic)
        try keys.write(to: URL(fileURLWithPath: keysPath), options: .atomic)
        Output.done(
            [
                "issuer": issuer, "discovery": discoveryPath, "keys": keysPath,
                "kids": entries.compactMap { $0["kid"] as? String },
            ],
            json: output.json,
            note: "published \(entries.count) key(s) for \(issuer): serve \(out) at that URL")
    }
}
