import ArgumentParser
import Foundation

struct SecretCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "secret",
        abstract: "Secrets for legacy systems: dynamic PostgreSQL roles, and the inventory of static secrets held elsewhere.",
        subcommands: [SecretPostgres.self, SecretAdd.self, SecretList.self, SecretRotated.self])
}

struct SecretPostgres: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "postgres",
        abstract: "Trade a task-scoped access token for a one-time PostgreSQL role (dropped when the task ends).",
        discussion:
            "Example: tessera secret postgres --role app_read --access-token \"$(tessera token request ... --task $TASK)\"")

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions
    @Option(help: "Role template name.") var role: String
    @Option(name: .customLong("access-token"), help: "The workload's access token (issued with --task).") var accessToken: String

    func run() async throws {
        try await Self.request(connection: connection, output: output, role: role, accessToken: accessToken)
    }

    static func request(connection: ConnectionOptions, output: OutputOptions, role: String, accessToken: String) async throws {
        let http = try connection.client(requireToken: false)
        let data = try await AdminClient(base: http.base, token: accessToken).expect(
            "POST", "/v1/secrets/postgres", json: ["role": role])
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

struct SecretAdd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Track a static secret held elsewhere (owner, location, rotation period); the value is never sent.",
        discussion:
            "Example: tessera secret add --kind api-key --location vault://kv/payments/stripe --owner payments-team --rotation-days 90"
    )
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions
    @Option(help: "What it is, e.g. api-key, password, aws-access-key.") var kind: String
    @Option(help: "Where it lives (a path, URL or vault reference).") var location: String
    @Option(help: "Who answers for it.") var owner: String?
    @Option(name: .customLong("rotation-days"), help: "Rotation period in days (1...3650).") var rotationDays: Int = 90
    @Option(name: .customLong("last-rotated"), help: "When it was last rotated (RFC 3339).") var lastRotated: String?

    func run() async throws {
        var body: [String: Any] = ["kind": kind, "location": location, "rotation_period_days": rotationDays, "source": "manual"]
        body["owner"] = owner
        body["last_rotated_at"] = lastRotated
        Output.printObject(try await connection.client().expect("POST", "/v1/static-secrets", json: body), json: output.json)
    }
}

struct SecretList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "The static-secret inventory, with rotation status.")
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let data = try await connection.client().expect("GET", "/v1/static-secrets")
        if output.json {
            print(Output.prettyJSON(data))
            return
        }
        let list = (try JSONSerialization.jsonObject(with: data) as? [String: Any])?["static_secrets"] as? [[String: Any]] ?? []
        print(
            Output.table(
                ["ID", "KIND", "OWNER", "LAST ROTATED", "PERIOD", "LOCATION"],
                list.map { secret in
                    [
                        secret["id"] as? String ?? "-", secret["kind"] as? String ?? "-", secret["owner"] as? String ?? "-",
                        secret["last_rotated_at"] as? String ?? "never", "\(secret["rotation_period_days"] as? Int ?? 0)d",
                        secret["location"] as? String ?? "-",
                    ]
                }))
    }
}

struct SecretRotated: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rotated", abstract: "Record that a static secret was rotated now.")
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "Static secret id (sts_...).") var id: String

    func run() async throws {
        let data = try await connection.client().expect("POST", "/v1/static-secrets/\(AdminClient.pathEscape(id))/rotated")
        if output.json {
            print(Output.prettyJSON(data))
        } else {
            print("rotation recorded for \(id)")
        }
    }
}

struct DBCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "db", abstract: "Dynamic database credentials for a task.", subcommands: [DBCreds.self])
}

struct DBCreds: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "creds",
        abstract: "Request a one-time PostgreSQL role for a task (returned once; dropped when the task ends or expires).",
        discussion: "Example: tessera db creds --role read --access-token \"$TOKEN\"   # TOKEN requested with --task")
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions
    @Option(help: "Role template name.") var role: String
    @Option(name: .customLong("access-token"), help: "The workload's task-scoped access token.") var accessToken: String

    func run() async throws {
        try await SecretPostgres.request(connection: connection, output: output, role: role, accessToken: accessToken)
    }
}
