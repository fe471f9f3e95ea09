import ArgumentParser
import Foundation

/// `tessera issuer add|list|remove`: trusted external issuers for token exchange and human sign-in.
struct IssuerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "issuer", abstract: "Trust external token issuers (CI systems, clusters, the human IdP).",
        subcommands: [IssuerAdd.self, IssuerList.self, IssuerRemove.self])
}

struct IssuerAdd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Trust an issuer. Workload issuers need claim-mapping rules; without a matching rule nothing is issued.",
        discussion: """
            Rules: --rule 'NAME:claim=pattern,claim=pattern->SPIFFE_ID' (patterns may use * and ?), e.g.
              --rule 'deploy:repository=acme/billing,ref=refs/heads/main->spiffe://example.org/billing'
            Human IdPs: --kind human --role-mapping 'platform-admins=admin' (roles: viewer, operator, admin).
            """)

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions
    @Option(help: "The issuer identifier (the exact iss of its tokens).") var issuer: String
    @Option(help: "workload or human.") var kind: String = "workload"
    @Option(help: "Accepted aud value (repeatable).") var audience: [String] = []
    @Option(name: .customLong("jwks-uri"), help: "JWKS URL (default: OIDC discovery at the issuer).") var jwksURI: String?
    @Option(name: .customLong("jwks-file"), help: "Pin this JWK Set file (offline: no fetching).") var jwksFile: String?
    @Option(help: "Claim-mapping rule (repeatable), see below.") var rule: [String] = []
    @Option(name: .customLong("groups-claim"), help: "Claim with a person's groups (human issuers; default groups).")
    var groupsClaim: String?
    @Option(name: .customLong("role-mapping"), help: "GROUP=ROLE (repeatable; human issuers).") var roleMapping: [String] = []

    static func parseRule(_ text: String) throws -> [String: Any] {
        guard let arrow = text.range(of: "->") else { throw CommandFailure(message: "rule '\(text)' needs '->SPIFFE_ID'") }
        let identity = String(text[arrow.upperBound...]).trimmingCharacters(in: .whitespaces)
        var head = String(text[..<arrow.lowerBound])
        var name: String? = nil
        if let colon = head.firstIndex(of: ":"), !head[..<colon].contains("=") {
            name = String(head[..<colon])
            head = String(head[head.index(after: colon)...])
        }
        var match: [String: String] = [:]
        for condition in head.split(separator: ",") {
            let pair = condition.split(separator: "=", maxSplits: 1)
            guard pair.count == 2 else { throw CommandFailure(message: "rule condition '\(condition)' must be claim=pattern") }
            match[String(pair[0]).trimmingCharacters(in: .whitespaces)] = String(pair[1])
        }
        var rule: [String: Any] = ["match": match, "identity": identity]
        rule["name"] = name
        return rule
    }

    func run() async throws {
        var body: [String: Any] = ["issuer": issuer, "kind": kind, "audiences": audience, "rules": try rule.map(Self.parseRule)]
        body["jwks_uri"] = jwksURI
        if let jwksFile {
            guard let data = FileManager.default.contents(atPath: jwksFile),
                let object = try? JSONSerialization.jsonObject(with: data)
            else { throw CommandFailure(message: "cannot read a JSON JWK Set from \(jwksFile)") }
            body["jwks"] = object
        }
        body["groups_claim"] = groupsClaim
        if !roleMapping.isEmpty {
            var mappings: [String: String] = [:]
            for entry in roleMapping {
                let pair = entry.split(separator: "=", maxSplits: 1)
                guard pair.count == 2 else { throw CommandFailure(message: "--role-mapping '\(entry)' must be GROUP=ROLE") }
                mappings[String(pair[0])] = String(pair[1])
            }
            body["role_mappings"] = mappings
        }
        let data = try await connection.client().expect("POST", "/v1/issuers", json: body)
        if output.json {
            print(Output.prettyJSON(data))
        } else {
            let object = (try? JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
            print(object["id"] as? String ?? "")
        }
    }
}

struct IssuerList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List trusted issuers.")

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let data = try await connection.client().expect("GET", "/v1/issuers")
        if output.json {
            print(Output.prettyJSON(data))
            return
        }
        let object = (try? JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
        let rows = (object["issuers"] as? [[String: Any]] ?? []).map { issuer -> [String] in
            let keys = issuer["pinned_jwks"] != nil ? "pinned" : (issuer["jwks_uri"] as? String ?? "discovery")
            return [
                issuer["id"] as? String ?? "", issuer["issuer"] as? String ?? "", issuer["kind"] as? String ?? "", keys,
                (issuer["audiences"] as? [String] ?? []).joined(separator: ","), "\((issuer["rules"] as? [Any] ?? []).count)",
            ]
        }
        print(Output.table(["ID", "ISSUER", "KIND", "KEYS", "AUDIENCES", "RULES"], rows))
    }
}

struct IssuerRemove: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "remove", abstract: "Stop trusting an issuer.")

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The issuer id (iss_...).") var id: String
    @OptionGroup var output: OutputOptions

    func run() async throws {
        _ = try await connection.client().expect("DELETE", "/v1/issuers/\(AdminClient.pathEscape(id))")
        Output.done(["id": id, "removed": true], json: output.json, note: "removed \(id)")
    }
}
