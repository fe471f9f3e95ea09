import ArgumentParser
import Foundation

struct SecretCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "secret", abstract: "Dynamic secrets for legacy systems.", subcommands: [SecretPostgres.self])
}

struct SecretPostgres: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "postgres",
        abstract: "Trade a task-scoped access token for a one-time PostgreSQL role (dropped when the task ends).",
        discussion: "Example: tessera secret postgres --role app_read --access-token \"$(tessera token request ... --task $TASK)\"")

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions
    @Option(help: "Role template name.") var role: String
    @Option(name: .customLong("access-token"), help: "The workload's access token (issued with --task).") var accessToken: String

    func run() async throws {
        let http = try connection.client(requireToken: false)
        let data = try await AdminClient(base: http.base, token: accessToken).expect("POST", "/v1/secrets/postgres", json: ["role": role])
        if output.json {
            print(Output.prettyJSON(data))
            return
        }
        let object = (try? JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
        for key in ["username", "password", "host", "port", "database", "expires_at", "task_id"] {
            guard let value = object[key] else { continue }
            print(key.padding(toLength: 11, withPad: " ", startingAt: 0) + "\(value)")
        }
    }
}
