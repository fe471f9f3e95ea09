import ArgumentParser
import Foundation

struct LeaseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lease",
        abstract: "Every credential Tessera issued (tokens, SVIDs, database roles): list, revoke, renew.",
        subcommands: [LeaseList.self, LeaseShow.self, LeaseRevoke.self, LeaseRenew.self])
}

struct LeaseList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List leases, newest first.")
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions
    @Option(help: "Only this identity's (SPIFFE ID).") var subject: String?
    @Option(help: "Only this task's.") var task: String?
    @Option(help: "access_token, x509_svid, jwt_svid or postgres_role.") var kind: String?
    @Flag(help: "Only leases neither revoked nor expired.") var live = false
    @Option(help: "At most this many (1...1000).") var limit: Int = 100

    func run() async throws {
        var query = ["limit": String(limit), "state": live ? "live" : "all"]
        query["subject"] = subject
        query["task"] = task
        query["kind"] = kind
        let data = try await connection.client().expect("GET", "/v1/leases?" + AdminClient.formEncode(query))
        if output.json {
            print(Output.prettyJSON(data))
            return
        }
        let leases = ((try? JSONSerialization.jsonObject(with: data) as? [String: Any])?["leases"] as? [[String: Any]]) ?? []
        print(
            Output.table(
                ["LEASE", "KIND", "SUBJECT", "TASK", "EXPIRES", "REVOKED"],
                leases.map { lease in
                    [
                        lease["id"] as? String ?? "", lease["kind"] as? String ?? "", lease["subject"] as? String ?? "",
                        lease["task_id"] as? String ?? "-", lease["expires_at"] as? String ?? "",
                        lease["revoked_at"] as? String ?? "-",
                    ]
                }))
    }
}

struct LeaseShow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show one lease.")
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "Lease id (a token's jti, an SVID's serial, a role name).") var id: String

    func run() async throws {
        Output.printObject(
            try await connection.client().expect("GET", "/v1/leases/\(AdminClient.pathEscape(id))"), json: output.json)
    }
}

struct LeaseRevoke: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revoke",
        abstract: "Revoke one lease, or every live credential of an identity (--subject) without suspending it.",
        discussion: """
            Examples:
              tessera lease revoke 3f2a...                       # one token, SVID or database role
              tessera lease revoke --subject spiffe://example.org/billing --reason "key exposed"
              tessera lease revoke --subject spiffe://example.org/billing --kind access_token
            Tokens show inactive at introspection at once, agents stop serving revoked SVIDs within a second,
            database roles are dropped (sessions terminated) within a second.
            """)
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "Lease id.") var id: String?
    @Option(help: "Revoke every live lease of this identity (SPIFFE ID) instead.") var subject: String?
    @Option(parsing: .upToNextOption, help: "With --subject: only these kinds.") var kind: [String] = []
    @Option(help: "Why (recorded in the audit log).") var reason: String?

    func validate() throws {
        guard (id == nil) != (subject == nil) else { throw ValidationError("give a lease id or --subject, not both") }
        if !kind.isEmpty && subject == nil { throw ValidationError("--kind needs --subject") }
    }

    func run() async throws {
        let client = try connection.client()
        if let subject {
            var body: [String: Any] = ["subject": subject, "kinds": kind]
            body["reason"] = reason
            let data = try await client.expect("POST", "/v1/leases/revoke", json: body)
            if output.json {
                print(Output.prettyJSON(data))
                return
            }
            let count = (try? JSONSerialization.jsonObject(with: data) as? [String: Any])?["revoked_leases"] as? Int ?? 0
            print("revoked \(count) live lease(s) of \(subject)")
            return
        }
        let body: [String: Any]? = reason.map { ["reason": $0] }
        Output.printObject(
            try await client.expect("POST", "/v1/leases/\(AdminClient.pathEscape(id ?? ""))/revoke", json: body),
            json: output.json)
    }
}

struct LeaseRenew: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "renew",
        abstract: "Extend a dynamic secret's lease (never past its task's deadline; renew the task first).")
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "Lease id.") var id: String
    @Option(help: "New lifetime in seconds from now.") var ttl: Int

    func run() async throws {
        Output.printObject(
            try await connection.client().expect("POST", "/v1/leases/\(AdminClient.pathEscape(id))/renew", json: ["ttl": ttl]),
            json: output.json)
    }
}
