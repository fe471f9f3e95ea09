import ArgumentParser
import Foundation

struct EntryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "entry", abstract: "Registration entries: which processes on which node get which SPIFFE ID.",
        subcommands: [EntryCreate.self, EntryList.self, EntryDelete.self])
}

struct EntryCreate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create", abstract: "Create an entry (the SPIFFE ID must be an identity in the inventory).")
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions
    @Option(name: .customLong("spiffe-id"), help: "The SPIFFE ID handed to matching workloads.") var spiffeID: String
    @Option(name: [.customLong("node"), .customLong("parent")], help: "The node (agent) that serves it.") var node: String
    @Option(
        name: .customLong("selector"),
        help: """
            unix:uid:N, unix:gid:N, unix:path:/p or unix:sha256:HEX; repeat, all must match. uid/gid are safe alone; \
            path/sha256 only narrow a uid/gid (warned when given without one).
            """)
    var selectors: [String] = []
    @Option(help: "X.509-SVID lifetime (e.g. 3600, 1h).") var ttl: String?
    @Option(name: .customLong("jwt-ttl"), help: "JWT-SVID lifetime (e.g. 300, 5m).") var jwtTTL: String?

    func run() async throws {
        var body: [String: Any] = ["spiffe_id": spiffeID, "node_id": node, "selectors": selectors]
        if let ttl { body["x509_ttl"] = try DurationText.seconds(ttl) }
        if let jwtTTL { body["jwt_ttl"] = try DurationText.seconds(jwtTTL) }
        let data = try await connection.client().expect("POST", "/v1/entries", json: body)
        let object = (try? JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
        for warning in object["warnings"] as? [String] ?? [] { Output.note("warning: \(warning)") }
        if output.json { return print(Output.prettyJSON(data)) }
        print(object["id"] as? String ?? "")
    }
}

struct EntryList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List entries.")
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions
    @Option(help: "Only this node's entries.") var node: String?

    func run() async throws {
        let query = node.map { "?node_id=\($0.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? $0)" } ?? ""
        let data = try await connection.client().expect("GET", "/v1/entries" + query)
        if output.json { return print(Output.prettyJSON(data)) }
        let entries = ((try? JSONSerialization.jsonObject(with: data) as? [String: Any])?["entries"] as? [[String: Any]]) ?? []
        print(
            Output.table(
                ["ID", "SPIFFE ID", "NODE", "SELECTORS", "TTL"],
                entries.map {
                    [
                        $0["id"] as? String ?? "", $0["spiffe_id"] as? String ?? "", $0["node_id"] as? String ?? "",
                        ($0["selectors"] as? [String] ?? []).joined(separator: ","), "\($0["x509_ttl"] ?? "")",
                    ]
                }))
    }
}

struct EntryDelete: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "delete", abstract: "Delete an entry.")
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "Entry id.") var id: String
    @OptionGroup var output: OutputOptions

    func run() async throws {
        _ = try await connection.client().expect("DELETE", "/v1/entries/\(id)")
        Output.done(["id": id, "deleted": true], json: output.json, note: "deleted \(id)")
    }
}
