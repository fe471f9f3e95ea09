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
        commandName: "list", abstract: "Show the signing keys: kid, algorithm, status (active, published, retired).")
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let data = try await connection.client().expect("GET", "/v1/keys")
        if output.json {
            print(Output.prettyJSON(data))
            return
        }
        let keys = (try JSONSerialization.jsonObject(with: data) as? [String: Any])?["keys"] as? [[String: Any]] ?? []
        print(Output.table(
            ["KID", "ALGORITHM", "STATUS", "CREATED"],
            keys.map { key in ["kid", "algorithm", "status", "created_at"].map { "\(key[$0] ?? "")" } }))
    }
}

struct KeysRotate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rotate",
        abstract: "Make a new signing key active now.",
        discussion: """
            The previous key stays in the JWKS to verify the tokens it signed; keys before it are retired (tokens \
            they signed are refused). Rotate no more often than the longest token lifetime. Servers sharing the \
            storage load the new key within a second.
            """)
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        Output.printObject(try await connection.client().expect("POST", "/v1/keys/rotate"), json: output.json)
    }
}
