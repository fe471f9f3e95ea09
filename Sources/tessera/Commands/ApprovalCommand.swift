import ArgumentParser
import Foundation

struct ApprovalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "approval",
        abstract: "Human approvals of high-risk AI-agent tool calls: list what waits, approve or deny one call.",
        subcommands: [ApprovalList.self, ApprovalDecide.self, ApprovalDeny.self])
}

struct ApprovalList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "Pending approvals, oldest first.")
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions
    @Flag(help: "Include decided, used and expired ones.") var all = false

    func run() async throws {
        let data = try await connection.client().expect("GET", "/v1/approvals?state=\(all ? "all" : "pending")")
        if output.json {
            print(Output.prettyJSON(data))
            return
        }
        let list = ((try? JSONSerialization.jsonObject(with: data) as? [String: Any])?["approvals"] as? [[String: Any]]) ?? []
        print(
            Output.table(
                ["ID", "STATE", "TASK", "AGENT", "SERVER", "TOOL", "CHAIN", "EXPIRES"],
                list.map { item in
                    [
                        item["id"] as? String ?? "", item["state"] as? String ?? "", item["task_id"] as? String ?? "",
                        item["agent"] as? String ?? "", item["server"] as? String ?? "-", item["tool"] as? String ?? "",
                        (item["chain"] as? [String] ?? []).joined(separator: " > "), item["expires_at"] as? String ?? "",
                    ]
                }))
    }
}

struct ApprovalDecide: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "approve",
        abstract: "Approve one tool call (single use: that upstream server, that tool, those arguments, that task).")
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "Approval id (apr_...).") var id: String
    @Option(help: "Why (recorded in the audit log).") var reason: String?

    func run() async throws {
        let body: [String: Any]? = reason.map { ["reason": $0] }
        Output.printObject(
            try await connection.client().expect("POST", "/v1/approvals/\(AdminClient.pathEscape(id))/approve", json: body),
            json: output.json)
    }
}

struct ApprovalDeny: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "deny", abstract: "Deny one tool call.")
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "Approval id (apr_...).") var id: String
    @Option(help: "Why (recorded in the audit log).") var reason: String?

    func run() async throws {
        let body: [String: Any]? = reason.map { ["reason": $0] }
        Output.printObject(
            try await connection.client().expect("POST", "/v1/approvals/\(AdminClient.pathEscape(id))/deny", json: body),
            json: output.json)
    }
}

struct ToolsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tools", abstract: "AI-agent tool catalogues: the tools an agent may call, their risk and approval needs.",
        subcommands: [ToolsSet.self, ToolsList.self])
}

struct ToolsSet: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "set", abstract: "Replace an ai-agent identity's tool catalogue from a JSON file.",
        discussion: """
            The file: {"tools": [{"name": "search_tickets", "description": "...", "risk": "low"},
                                 {"name": "refund_payment", "risk": "high", "requires_approval": true}]}
            risk defaults to high and requires_approval to (risk == high). A task grants a tool with the scope
            tool:<name>.
            """)
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions
    @Option(help: "Agent identity (inventory id or SPIFFE ID).") var identity: String
    @Option(help: "Catalogue JSON file.") var file: String

    func run() async throws {
        guard let data = FileManager.default.contents(atPath: file),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { throw CommandFailure(message: "\(file) is not a JSON object with \"tools\"") }
        let reply = try await connection.client().expect(
            "PUT", "/v1/identities/\(AdminClient.pathEscape(identity))/tools", json: object)
        if output.json { print(Output.prettyJSON(reply)) } else { print("catalogue set for \(identity)") }
    }
}

struct ToolsList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "Show an agent's tool catalogue.")
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions
    @Option(help: "Agent identity (inventory id or SPIFFE ID).") var identity: String

    func run() async throws {
        let data = try await connection.client().expect("GET", "/v1/identities/\(AdminClient.pathEscape(identity))/tools")
        if output.json {
            print(Output.prettyJSON(data))
            return
        }
        let list = ((try? JSONSerialization.jsonObject(with: data) as? [String: Any])?["tools"] as? [[String: Any]]) ?? []
        print(
            Output.table(
                ["TOOL", "RISK", "APPROVAL", "DESCRIPTION"],
                list.map { tool in
                    [
                        tool["name"] as? String ?? "", tool["risk"] as? String ?? "",
                        (tool["requires_approval"] as? Bool ?? false) ? "required" : "-", tool["description"] as? String ?? "",
                    ]
                }))
    }
}
