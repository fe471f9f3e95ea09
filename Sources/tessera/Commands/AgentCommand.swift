import ArgumentParser
import Foundation
import Logging
import TesseraAgent

struct AgentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agent",
        abstract: "Run the node agent: attest to the server and serve the SPIFFE Workload API on a Unix socket.",
        discussion: """
            First start: `TESSERA_JOIN_TOKEN=T tessera agent --server URL --socket PATH --data-dir DIR` (get T from
            `tessera node token --node ID`; or --join-token-file FILE, or --join-token-file - to read it from stdin).
            Later starts reuse the node SVID saved in DIR and need no token. The server URL must be https; plain
            http only with --insecure (the join token and node proofs would cross the network in clear text).
            Workloads connect with SPIFFE_ENDPOINT_SOCKET=unix://PATH.
            """)

    @Option(help: "Server URL, https (env TESSERA_ADDR).") var server: String?
    @Option(
        name: .customLong("join-token"),
        help: "One-time join token. Visible to every local user in `ps`: prefer TESSERA_JOIN_TOKEN or --join-token-file.")
    var joinToken: String?
    @Option(
        name: .customLong("join-token-file"),
        help: "Read the one-time join token from this file ('-' = standard input).")
    var joinTokenFile: String?
    @Flag(help: "Allow a plain-HTTP server URL (labs and tests only: the join token and node proofs travel unencrypted).")
    var insecure = false
    @Option(help: "Unix socket path for the Workload API.") var socket: String = "/tmp/tessera-agent/api.sock"
    @Option(name: .customLong("data-dir"), help: "Folder for the node key and SVID.") var dataDir: String = ".tessera-agent"
    @Option(name: .customLong("sync-interval"), help: "Seconds between syncs with the server.") var syncInterval: Double = 5

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let text = server ?? environment["TESSERA_ADDR"] ?? "https://127.0.0.1:8444"
        guard let url = URL(string: text), url.scheme == "http" || url.scheme == "https" else {
            throw CommandFailure(message: "--server must be an https URL (http only with --insecure)")
        }
        do {
            try WorkloadAgent.validate(serverURL: url, allowInsecureHTTP: insecure)
        } catch {
            throw CommandFailure(message: error.reason)
        }
        guard (0.2...3600).contains(syncInterval) else { throw CommandFailure(message: "--sync-interval must be 0.2...3600") }
        var configuration = WorkloadAgent.Configuration(
            serverURL: url, joinToken: try resolvedJoinToken(environment), socketPath: socket, dataDirectory: dataDir)
        configuration.syncInterval = syncInterval
        configuration.allowInsecureHTTP = insecure
        let socket = self.socket
        do {
            try await WorkloadAgent(configuration: configuration).run { spiffeID in
                Output.note("tessera agent \(spiffeID) serving the Workload API on unix://\(socket)")
            }
        } catch let error as AgentError {
            throw CommandFailure(message: error.reason)
        }
    }
}

extension AgentCommand {
    /// The join token from exactly one of --join-token, --join-token-file (or stdin) and TESSERA_JOIN_TOKEN.
    func resolvedJoinToken(_ environment: [String: String]) throws -> String? {
        if joinToken != nil && joinTokenFile != nil {
            throw CommandFailure(message: "give the join token once: --join-token or --join-token-file")
        }
        if let joinToken { return joinToken }
        if let joinTokenFile {
            let data: Data
            if joinTokenFile == "-" {
                data = FileHandle.standardInput.readDataToEndOfFile()
            } else {
                guard let read = FileManager.default.contents(atPath: joinTokenFile) else {
                    throw CommandFailure(message: "cannot read the join token file \(joinTokenFile)")
                }
                data = read
            }
            let token = String(decoding: data.prefix(4096), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            guard !token.isEmpty else { throw CommandFailure(message: "the join token file is empty") }
            return token
        }
        return environment["TESSERA_JOIN_TOKEN"]
    }
}

struct NodeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "node", abstract: "Nodes running `tessera agent`: join tokens, list, revoke.",
        subcommands: [NodeToken.self, NodeList.self, NodeRevoke.self])
}

struct NodeToken: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "token", abstract: "Print a one-time join token for a node.")
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions
    @Option(help: "Node id (letters, digits, '.', '-', '_').") var node: String
    @Option(help: "Token lifetime (e.g. 600, 10m, 1h).") var ttl: String = "1h"

    func run() async throws {
        let data = try await connection.client().expect(
            "POST", "/v1/nodes/tokens", json: ["node_id": node, "ttl": try DurationText.seconds(ttl)])
        if output.json { return print(Output.prettyJSON(data)) }
        let object = (try? JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
        print(object["join_token"] as? String ?? "")
    }
}

struct NodeList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List nodes.")
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let data = try await connection.client().expect("GET", "/v1/nodes")
        if output.json { return print(Output.prettyJSON(data)) }
        let nodes = ((try? JSONSerialization.jsonObject(with: data) as? [String: Any])?["nodes"] as? [[String: Any]]) ?? []
        print(
            Output.table(
                ["NODE", "STATUS", "ATTESTED"],
                nodes.map {
                    [$0["id"] as? String ?? "", $0["status"] as? String ?? "", $0["attested_at"] as? String ?? "-"]
                }))
    }
}

struct NodeRevoke: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revoke", abstract: "Revoke a node: its agent gets nothing more.")
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "Node id.") var node: String
    @OptionGroup var output: OutputOptions

    func run() async throws {
        _ = try await connection.client().expect("POST", "/v1/nodes/\(node)/revoke")
        Output.done(["node": node, "revoked": true], json: output.json, note: "revoked node \(node)")
    }
}

/// Durations on the command line: plain seconds or a number with s, m, h or d.
enum DurationText {
    static func seconds(_ text: String) throws -> Int {
        let units: [Character: Int] = ["s": 1, "m": 60, "h": 3600, "d": 86_400]
        if let value = Int(text) { return value }
        guard let unit = text.last, let factor = units[unit], let value = Int(text.dropLast()), value > 0 else {
            throw CommandFailure(message: "bad duration '\(text)': use seconds or a number with s, m, h or d")
        }
        return value * factor
    }
}
