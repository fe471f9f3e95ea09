import ArgumentParser
import Foundation

struct IdentityGet: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "get", abstract: "Show one identity.")

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "Identity id (nhi_...), SPIFFE ID, or a discovered identity's id (dsc_...).")
    var identity: String

    func run() async throws {
        let client = try connection.client()
        if identity.hasPrefix("dsc_") {
            let data = try await client.expect("GET", "/v1/discovered/\(AdminClient.pathEscape(identity))")
            return DiscoveredPrinter.print(data, json: output.json)
        }
        let id = try await IdentityLookup.resolve(identity, client: client)
        IdentityPrinter.print(try await client.expect("GET", "/v1/identities/\(id)"), json: output.json)
    }
}

struct IdentityList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List identities, with filters.")

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions
    @Option(
        help: """
            Where the identities come from: tessera (registered here; the default) or a discovery source \
            (postgres, openbao, aws, host) for identities found outside Tessera.
            """)
    var source: String = "tessera"
    @Option var kind: String?
    @Option var owner: String?
    @Option(help: "active|suspended|retired; for discovered identities discovered|claimed|gone.") var status: String?
    @Option var environment: String?
    @Option(name: .customLong("trust-boundary"), help: "Only identities in this trust boundary.") var trustBoundary: String?
    @Option(name: .customLong("spiffe-id-prefix")) var prefix: String?
    @Option(help: "Page size (1...1000).") var limit: Int = 100
    @Option(help: "Cursor from a previous page's next_cursor.") var after: String?

    func run() async throws {
        if source != "tessera" { return try await listDiscovered() }
        var query: [String: String] = ["limit": String(limit)]
        query["kind"] = kind
        query["owner"] = owner
        query["status"] = status
        query["environment"] = environment
        query["trust_boundary"] = trustBoundary
        query["spiffe_id_prefix"] = prefix
        query["after"] = after
        let data = try await connection.client().expect("GET", "/v1/identities?" + AdminClient.formEncode(query))
        if output.json {
            print(Output.prettyJSON(data))
            return
        }
        let object = (try? JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
        let identities = object["identities"] as? [[String: Any]] ?? []
        print(
            Output.table(
                ["ID", "SPIFFE ID", "KIND", "OWNER", "ENV", "STATUS", "SCOPES"],
                identities.map { item in
                    [
                        item["id"] as? String ?? "", item["spiffe_id"] as? String ?? "", item["kind"] as? String ?? "",
                        item["owner"] as? String ?? "", item["environment"] as? String ?? "-", item["status"] as? String ?? "",
                        (item["scopes"] as? [String] ?? []).joined(separator: ","),
                    ]
                }))
        if let next = object["next_cursor"] as? String { Output.note("more: --after \(next)") }
    }
}

extension IdentityList {
    /// `--source postgres|openbao|aws|host`: identities found by discovery.
    func listDiscovered() async throws {
        let known = ["postgres", "openbao", "aws", "host"]
        guard known.contains(source) else {
            throw CommandFailure(message: "--source must be tessera or one of: \(known.joined(separator: ", "))")
        }
        for (name, value) in [
            ("--kind", kind), ("--environment", environment), ("--trust-boundary", trustBoundary), ("--spiffe-id-prefix", prefix),
        ]
        where value != nil {
            throw CommandFailure(message: "\(name) applies to Tessera identities, not to --source \(source)")
        }
        var query: [String: String] = ["limit": String(limit), "source": source]
        query["owner"] = owner
        query["status"] = status
        query["after"] = after
        let data = try await connection.client().expect("GET", "/v1/discovered?" + AdminClient.formEncode(query))
        if output.json { return print(Output.prettyJSON(data)) }
        let object = (try? JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
        let identities = object["identities"] as? [[String: Any]] ?? []
        print(
            Output.table(
                ["ID", "KIND", "NAME", "STATUS", "OWNER", "PRIVILEGED", "EXTERNAL ID"],
                identities.map { item in
                    [
                        item["id"] as? String ?? "", item["kind"] as? String ?? "", item["name"] as? String ?? "",
                        item["status"] as? String ?? "", item["owner"] as? String ?? "-",
                        (item["privileged"] as? [String] ?? []).isEmpty ? "-" : "yes", item["external_id"] as? String ?? "",
                    ]
                }))
        if let next = object["next_cursor"] as? String { Output.note("more: --after \(next)") }
    }
}

/// suspend / retire / activate share this shape.
protocol LifecycleCommand: AsyncParsableCommand {
    static var action: String { get }
    var connection: ConnectionOptions { get }
    var output: OutputOptions { get }
    var identity: String { get }
    var reason: String? { get }
}

extension LifecycleCommand {
    func run() async throws {
        let client = try connection.client()
        let id = try await IdentityLookup.resolve(identity, client: client)
        let body: [String: Any]? = reason.map { ["reason": $0] }
        IdentityPrinter.print(
            try await client.expect("POST", "/v1/identities/\(id)/\(Self.action)", json: body), json: output.json)
    }
}

struct IdentitySuspend: LifecycleCommand {
    static let configuration = CommandConfiguration(
        commandName: "suspend", abstract: "Suspend an identity: it gets nothing until reactivated.")
    static let action = "suspend"
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "Identity id or SPIFFE ID.") var identity: String
    @Option(help: "Why (recorded in the audit log).") var reason: String?
}

struct IdentityRetire: LifecycleCommand {
    static let configuration = CommandConfiguration(commandName: "retire", abstract: "Retire an identity for good.")
    static let action = "retire"
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "Identity id or SPIFFE ID.") var identity: String
    @Option(help: "Why (recorded in the audit log).") var reason: String?
}

struct IdentityActivate: LifecycleCommand {
    static let configuration = CommandConfiguration(commandName: "activate", abstract: "Reactivate a suspended identity.")
    static let action = "activate"
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "Identity id or SPIFFE ID.") var identity: String
    @Option(help: "Why (recorded in the audit log).") var reason: String?
}

/// Accepts an inventory id or a SPIFFE ID.
enum IdentityLookup {
    static func resolve(_ reference: String, client: AdminClient) async throws -> String {
        guard reference.hasPrefix("spiffe://") else { return reference }
        let data = try await client.expect("GET", "/v1/identities?" + AdminClient.formEncode(["spiffe_id": reference]))
        let object = (try? JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
        guard let first = (object["identities"] as? [[String: Any]])?.first, let id = first["id"] as? String else {
            throw CommandFailure(message: "no identity with SPIFFE ID \(reference)")
        }
        return id
    }
}

enum IdentityPrinter {
    static func print(_ data: Data, json: Bool) {
        if json {
            Swift.print(Output.prettyJSON(data))
            return
        }
        let item = (try? JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
        let keys = [
            "id", "spiffe_id", "kind", "owner", "purpose", "environment", "trust_boundary", "status", "eligible",
            "ineligible_reason", "scopes", "audiences", "token_ttl", "expires_at", "review_by", "created_at", "updated_at",
        ]
        for key in keys {
            guard let value = item[key], !(value is NSNull) else { continue }
            let text: String
            if key == "eligible" {
                text = (value as? Bool ?? false) ? "yes" : "no"
            } else {
                text = (value as? [String])?.joined(separator: ",") ?? "\(value)"
            }
            Swift.print(key.padding(toLength: 18, withPad: " ", startingAt: 0) + text)
        }
    }
}
