import ArgumentParser
import Foundation
import Logging
import TesseraAgent

struct AgentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agent",
        abstract: "Run the node agent: attest to the server and serve the SPIFFE Workload API on a Unix socket.",
        discussion: """
            First start: `tessera agent --server URL --join-token T --socket PATH --data-dir DIR` (get T from
            `tessera node token --node ID`). Later starts reuse the node SVID saved in DIR and need no token.
            Workloads connect with SPIFFE_ENDPOINT_SOCKET=unix://PATH.
            """)

    @Option(help: "Server URL (env TESSERA_ADDR).") var server: String?
    @Option(name: .customLong("join-token"), help: "One-time join token (env TESSERA_JOIN_TOKEN).") var joinToken: String?
    @Option(help: "Unix socket path for the Workload API.") var socket: String = "/tmp/tessera-agent/api.sock"
    @Option(name: .customLong("data-dir"), help: "Folder for the node key and SVID.") var dataDir: String = ".tessera-agent"
    @Option(name: .customLong("sync-interval"), help: "Seconds between syncs with the server.") var syncInterval: Double = 5

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let text = server ?? environment["TESSERA_ADDR"] ?? "http://127.0.0.1:8443"
        guard let url = URL(string: text), url.scheme == "http" || url.scheme == "https" else {
            throw CommandFailure(message: "--server must be an http(s) URL")
        }
        guard (0.2...3600).contains(syncInterval) else { throw CommandFailure(message: "--sync-interval must be 0.2...3600") }
        var configuration = WorkloadAgent.Configuration(
            serverURL: url, joinToken: joinToken ?? environment["TESSERA_JOIN_TOKEN"], socketPath: socket, dataDirectory: dataDir)
        configuration.syncInterval = syncInterval
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
        print(Output.table(["NODE", "STATUS", "ATTESTED"], nodes.map {
            [$0["id"] as? String ?? "", $0["status"] as? String ?? "", $0["attested_at"] as? String ?? "-"]
        }))
    }
}

struct NodeRevoke: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "revoke", abstract: "Revoke a node: its agent gets nothing more.")
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "Node id.") var node: String

    func run() async throws {
        _ = try await connection.client().expect("POST", "/v1/nodes/\(node)/revoke")
        Output.note("revoked node \(node)")
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
