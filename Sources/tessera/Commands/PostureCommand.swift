import ArgumentParser
import Foundation

struct PostureCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "posture", abstract: "Posture findings (OWASP NHI Top 10), their lifecycle, and evidence reports.",
        subcommands: [
            PostureFindings.self, PostureReport.self, PostureAcknowledge.self, PostureResolve.self, PostureSecrets.self,
            ScanCommand.self, PostureBench.self,
        ])
}

struct PostureFindings: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "findings", abstract: "List current findings.")
    @Option(help: "Category, e.g. over-privilege, stale, orphaned, context-drift.") var category: String?
    @Option(help: "Minimum severity: low, medium, high, critical.") var severity: String?
    @Option(help: "OWASP NHI item, e.g. NHI5.") var owasp: String?
    @Option(help: "open, acknowledged or resolved.") var status: String?
    @Option(help: "Inventory id or SPIFFE ID.") var identity: String?
    @OptionGroup var output: OutputOptions
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        var query: [String: String] = [:]
        for (key, value) in [
            ("category", category), ("severity", severity), ("owasp", owasp), ("status", status), ("identity", identity),
        ] {
            if let value { query[key] = value }
        }
        let path = "/v1/findings" + (query.isEmpty ? "" : "?" + AdminClient.formEncode(query))
        let data = try await connection.client().expect("GET", path)
        if output.json {
            print(Output.prettyJSON(data))
            return
        }
        let list = (try JSONSerialization.jsonObject(with: data) as? [String: Any])?["findings"] as? [[String: Any]] ?? []
        let rows = list.map { tracked -> [String] in
            let finding = tracked["finding"] as? [String: Any] ?? [:]
            return [
                finding["id"] as? String ?? "", finding["severity"] as? String ?? "", finding["owasp"] as? String ?? "",
                tracked["status"] as? String ?? "", finding["category"] as? String ?? "", finding["title"] as? String ?? "",
            ]
        }
        print(Output.table(["ID", "SEVERITY", "OWASP", "STATUS", "CATEGORY", "FINDING"], rows))
    }
}

struct PostureReport: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report", abstract: "Evidence report for one identity (--identity) or the whole estate.")
    @Option(help: "Inventory id or SPIFFE ID; omit for the estate report.") var identity: String?
    @Option(help: "markdown, json or html (self-contained, printable).") var format: String = "markdown"
    @Flag(help: "Same as --format json.") var json = false
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let chosen = json ? "json" : format
        guard ["markdown", "json", "html"].contains(chosen) else {
            throw CommandFailure(message: "--format must be markdown, json or html")
        }
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        let path =
            identity.map { "/v1/posture/evidence/" + ($0.addingPercentEncoding(withAllowedCharacters: allowed) ?? $0) }
            ?? "/v1/posture/report"
        let data = try await connection.client().expect("GET", path + (chosen == "json" ? "" : "?format=\(chosen)"))
        print(chosen == "json" ? Output.prettyJSON(data) : String(decoding: data, as: UTF8.self))
    }
}

struct PostureAcknowledge: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "acknowledge", abstract: "Acknowledge a finding (accepted risk) with a reason, optionally until a date.")
    @Argument var id: String
    @Option(help: "Why the finding is accepted.") var reason: String
    @Option(help: "RFC 3339 time or YYYY-MM-DD after which it reopens.") var until: String?
    @OptionGroup var output: OutputOptions
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        var body: [String: Any] = ["reason": reason]
        if let until { body["until"] = until }
        let data = try await connection.client().expect("POST", "/v1/findings/\(id)/acknowledge", json: body)
        print(output.json ? Output.prettyJSON(data) : "acknowledged \(id)")
    }
}

struct PostureResolve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resolve", abstract: "Mark a finding resolved (it reopens if the condition is still present).")
    @Argument var id: String
    @Option(help: "What was done.") var reason: String?
    @OptionGroup var output: OutputOptions
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let data = try await connection.client().expect(
            "POST", "/v1/findings/\(id)/resolve", json: reason.map { ["reason": $0] } ?? [String: Any]())
        print(output.json ? Output.prettyJSON(data) : "resolved \(id)")
    }
}

struct PostureSecrets: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "secrets", abstract: "List tracked static secrets, or record a rotation with --rotated ID.")
    @Option(help: "Record that this static secret was rotated now.") var rotated: String?
    @OptionGroup var output: OutputOptions
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let client = try connection.client()
        if let rotated {
            let data = try await client.expect("POST", "/v1/static-secrets/\(rotated)/rotated")
            print(output.json ? Output.prettyJSON(data) : "rotation recorded for \(rotated)")
            return
        }
        let data = try await client.expect("GET", "/v1/static-secrets")
        if output.json {
            print(Output.prettyJSON(data))
            return
        }
        let list = (try JSONSerialization.jsonObject(with: data) as? [String: Any])?["static_secrets"] as? [[String: Any]] ?? []
        print(
            Output.table(
                ["ID", "KIND", "REDACTED", "OWNER", "LOCATION"],
                list.map { secret in
                    ["id", "kind", "redacted", "owner", "location"].map { secret[$0] as? String ?? "-" }
                }))
    }
}
