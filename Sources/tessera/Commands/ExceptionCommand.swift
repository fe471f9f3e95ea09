import ArgumentParser
import Foundation

struct ExceptionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exception",
        abstract: "Time-bound exceptions (break-glass): grant what the policies refuse, owned, justified and expiring.",
        subcommands: [ExceptionCreate.self, ExceptionList.self, ExceptionShow.self, ExceptionRevoke.self])
}

struct ExceptionCreate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create", abstract: "Create an exception (an expiry is mandatory and capped by the server).",
        discussion: """
            Example: tessera exception create --identity spiffe://example.org/legacy-batch --owner payments-team \\
                       --justification "INC-4711 month-end fix" --scopes invoices:write --ttl 3600
            The exception is consulted only when the policies refuse a request; every use is audited and flagged
            (exception.used), and it stops by itself at expiry.
            """)
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions
    @Option(help: "Identity (SPIFFE ID or inventory id).") var identity: String
    @Option(help: "Who answers for it.") var owner: String
    @Option(help: "Why it is needed (recorded).") var justification: String
    @Option(help: "Comma-separated scopes it may grant.") var scopes: String = ""
    @Option(help: "Comma-separated audiences it covers (default: any).") var audiences: String = ""
    @Option(help: "Comma-separated actions: issue_token, issue_svid, issue_secret.") var actions: String = "issue_token"
    @Option(help: "Lifetime in seconds.") var ttl: Int?
    @Option(name: .customLong("expires-at"), help: "Expiry as RFC 3339 (instead of --ttl).") var expiresAt: String?

    func validate() throws {
        guard (ttl == nil) != (expiresAt == nil) else {
            throw ValidationError("every exception expires: give --ttl or --expires-at (one of them)")
        }
    }

    func run() async throws {
        var body: [String: Any] = [
            "identity": identity, "owner": owner, "justification": justification,
            "scopes": IdentityAttributes.list(scopes), "audiences": IdentityAttributes.list(audiences),
            "actions": IdentityAttributes.list(actions),
        ]
        body["ttl"] = ttl
        body["expires_at"] = expiresAt
        Output.printObject(try await connection.client().expect("POST", "/v1/exceptions", json: body), json: output.json)
    }
}

struct ExceptionList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List exceptions (active by default).")
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions
    @Option(help: "Only this identity's (SPIFFE ID).") var identity: String?
    @Flag(help: "Include expired and revoked ones.") var all = false

    func run() async throws {
        var query = ["state": all ? "all" : "active"]
        query["identity"] = identity
        let data = try await connection.client().expect("GET", "/v1/exceptions?" + AdminClient.formEncode(query))
        if output.json {
            print(Output.prettyJSON(data))
            return
        }
        let list = ((try? JSONSerialization.jsonObject(with: data) as? [String: Any])?["exceptions"] as? [[String: Any]]) ?? []
        print(
            Output.table(
                ["ID", "STATE", "IDENTITY", "OWNER", "EXPIRES", "USES", "SCOPES"],
                list.map { item in
                    [
                        item["id"] as? String ?? "", item["state"] as? String ?? "", item["identity"] as? String ?? "",
                        item["owner"] as? String ?? "", item["expires_at"] as? String ?? "", "\(item["uses"] as? Int ?? 0)",
                        (item["scopes"] as? [String] ?? []).joined(separator: ","),
                    ]
                }))
    }
}

struct ExceptionShow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show one exception.")
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "Exception id (exc_...).") var id: String

    func run() async throws {
        Output.printObject(
            try await connection.client().expect("GET", "/v1/exceptions/\(AdminClient.pathEscape(id))"), json: output.json)
    }
}

struct ExceptionRevoke: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "revoke", abstract: "End an exception now.")
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "Exception id.") var id: String
    @Option(help: "Why (recorded in the audit log).") var reason: String?

    func run() async throws {
        let body: [String: Any]? = reason.map { ["reason": $0] }
        Output.printObject(
            try await connection.client().expect("POST", "/v1/exceptions/\(AdminClient.pathEscape(id))/revoke", json: body),
            json: output.json)
    }
}
