import ArgumentParser
import Foundation

struct TaskCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "task", abstract: "Just-in-time tasks: every credential issued for a task ends with it.",
        subcommands: [
            TaskCreate.self, TaskList.self, TaskShow.self, TaskRenew.self, TaskEnd.self, TaskRevoke.self, TaskLeases.self,
        ])
}

struct TaskCreate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "start", abstract: "Start a task for some identities, with a scope ceiling and a deadline.",
        discussion:
            "Example: tessera task start --intent 'close the month' --identities spiffe://example.org/billing --scopes invoices:read --ttl 900",
        aliases: ["create"])

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions
    @Option(help: "What the work is for.") var intent: String
    @Option(help: "Machine-readable purpose, e.g. billing.close.") var purpose: String?
    @Option(help: "Comma-separated SPIFFE IDs allowed to act in the task.") var identities: String
    @Option(help: "Comma-separated scope ceiling for the task's credentials.") var scopes: String = ""
    @Option(help: "Lifetime in seconds (bounded by the server maximum).") var ttl: Int
    @Option(help: "The human who asked for the work.") var initiator: String?

    func run() async throws {
        var body: [String: Any] = [
            "intent": intent, "identities": IdentityAttributes.list(identities), "scopes": IdentityAttributes.list(scopes),
            "ttl": ttl,
        ]
        body["purpose"] = purpose
        body["initiator"] = initiator
        TaskPrinter.print(try await connection.client().expect("POST", "/v1/tasks", json: body), json: output.json)
    }
}

struct TaskList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List tasks, newest first.")
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions
    @Option(help: "open, ended, expired or revoked.") var state: String?
    @Option(help: "At most this many (1...1000).") var limit: Int = 100

    func run() async throws {
        var query = ["limit": String(limit)]
        query["state"] = state
        let data = try await connection.client().expect("GET", "/v1/tasks?" + AdminClient.formEncode(query))
        if output.json {
            print(Output.prettyJSON(data))
            return
        }
        let tasks = ((try? JSONSerialization.jsonObject(with: data) as? [String: Any])?["tasks"] as? [[String: Any]]) ?? []
        print(
            Output.table(
                ["ID", "STATE", "EXPIRES", "IDENTITIES", "INTENT"],
                tasks.map { task in
                    [
                        task["id"] as? String ?? "", task["state"] as? String ?? "", task["expires_at"] as? String ?? "",
                        (task["identities"] as? [String] ?? []).joined(separator: ","), task["intent"] as? String ?? "",
                    ]
                }))
    }
}

struct TaskShow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show one task.")
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "Task id (task_...).") var id: String

    func run() async throws {
        TaskPrinter.print(try await connection.client().expect("GET", "/v1/tasks/\(id)"), json: output.json)
    }
}

struct TaskRenew: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "renew", abstract: "Extend an open task's deadline (never beyond the server's maximum from its start).")
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "Task id.") var id: String
    @Option(help: "New lifetime in seconds from now.") var ttl: Int

    func run() async throws {
        TaskPrinter.print(
            try await connection.client().expect("POST", "/v1/tasks/\(AdminClient.pathEscape(id))/renew", json: ["ttl": ttl]),
            json: output.json)
    }
}

struct TaskEnd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "end", abstract: "End a task: every credential issued for it is revoked at once.")
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "Task id.") var id: String
    @Option(help: "Why (recorded in the audit log).") var reason: String?

    func run() async throws {
        let body: [String: Any]? = reason.map { ["reason": $0] }
        TaskPrinter.print(try await connection.client().expect("POST", "/v1/tasks/\(id)/end", json: body), json: output.json)
    }
}

struct TaskRevoke: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revoke", abstract: "Emergency stop: mark a task revoked and revoke all its credentials.")
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "Task id.") var id: String
    @Option(help: "Why (recorded in the audit log).") var reason: String?

    func run() async throws {
        let body: [String: Any]? = reason.map { ["reason": $0] }
        TaskPrinter.print(try await connection.client().expect("POST", "/v1/tasks/\(id)/revoke", json: body), json: output.json)
    }
}

struct TaskLeases: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "leases", abstract: "The credentials issued for a task.")
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "Task id.") var id: String

    func run() async throws {
        let data = try await connection.client().expect("GET", "/v1/tasks/\(id)/leases")
        if output.json {
            print(Output.prettyJSON(data))
            return
        }
        let leases = ((try? JSONSerialization.jsonObject(with: data) as? [String: Any])?["leases"] as? [[String: Any]]) ?? []
        print(
            Output.table(
                ["LEASE", "SUBJECT", "EXPIRES", "REVOKED"],
                leases.map { lease in
                    [
                        lease["id"] as? String ?? "", lease["subject"] as? String ?? "", lease["expires_at"] as? String ?? "",
                        lease["revoked_at"] as? String ?? "-",
                    ]
                }))
    }
}

enum TaskPrinter {
    static func print(_ data: Data, json: Bool) {
        if json {
            Swift.print(Output.prettyJSON(data))
            return
        }
        let task = (try? JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
        for key in [
            "id", "state", "intent", "purpose", "initiator", "identities", "scopes", "created_at", "expires_at", "ended_at",
            "end_reason", "revoked_leases",
        ] {
            guard let value = task[key], !(value is NSNull) else { continue }
            let text = (value as? [String])?.joined(separator: ",") ?? "\(value)"
            Swift.print(key.padding(toLength: 16, withPad: " ", startingAt: 0) + text)
        }
    }
}
