import ArgumentParser
import Foundation

struct OwnerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "owner", abstract: "Owners of identities: departures and the re-assignment queue.",
        subcommands: [OwnerDepart.self, OwnerQueue.self])
}

struct OwnerDepart: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "depart",
        abstract: "Mark an owner as departed: their identities become orphaned findings and join the re-assignment queue.")
    @Argument(help: "The owner, as written on identities (e.g. alice@example.com).") var name: String
    @OptionGroup var output: OutputOptions
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~@")
        let encoded = name.addingPercentEncoding(withAllowedCharacters: allowed) ?? name
        let data = try await connection.client().expect("POST", "/v1/owners/\(encoded)/depart")
        if output.json {
            print(Output.prettyJSON(data))
            return
        }
        let queued = (try JSONSerialization.jsonObject(with: data) as? [String: Any])?["queued"] as? [String] ?? []
        print("\(name) departed; \(queued.count) identit\(queued.count == 1 ? "y" : "ies") queued for re-assignment")
        for id in queued { print("  \(id)") }
    }
}

struct OwnerQueue: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "queue", abstract: "Identities waiting for a new owner (set one with `tessera identity update ID --owner`).")
    @OptionGroup var output: OutputOptions
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let data = try await connection.client().expect("GET", "/v1/owners/reassignments")
        if output.json {
            print(Output.prettyJSON(data))
            return
        }
        let list = (try JSONSerialization.jsonObject(with: data) as? [String: Any])?["reassignments"] as? [[String: Any]] ?? []
        print(
            Output.table(
                ["IDENTITY", "PREVIOUS OWNER", "QUEUED AT"],
                list.map { item in
                    [
                        item["identity_id"] as? String ?? "", item["previous_owner"] as? String ?? "",
                        item["queued_at"] as? String ?? "",
                    ]
                }))
    }
}
