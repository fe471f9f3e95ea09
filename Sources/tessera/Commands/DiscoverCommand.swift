import ArgumentParser
import Foundation
import TesseraCore
import TesseraDiscovery

struct DiscoverCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "discover",
        abstract: "Find the non-human identities that already exist in a system and bring them into the inventory.",
        discussion: """
            Each source is read with the credentials you give (metadata only: no secret value is ever fetched), and the \
            result is sent to the server, which records every identity as `discovered` until someone claims it \
            (`tessera identity claim`). Re-running is idempotent; an identity missing from a complete run is marked \
            `gone`, and a run that could not read everything marks nothing gone. --print-only prints what was found \
            without a server. See docs/discovery.md.
            """,
        subcommands: [DiscoverPostgres.self, DiscoverOpenBao.self, DiscoverAWS.self, DiscoverHost.self])
}

/// Options shared by every `discover` source: where the result goes. The admin token is `--admin-token-file` (or
/// TESSERA_TOKEN) here, because `--token-file` names a source's own token (`discover openbao`).
struct DiscoverOutputOptions: ParsableArguments {
    @Option(name: .long, help: "Tessera server address (env TESSERA_ADDR; default http://127.0.0.1:8443).")
    var server: String?

    @Option(
        name: .customLong("admin-token-file"),
        help: "Read the Tessera admin token from a file (e.g. DATA_DIR/admin-token); else TESSERA_TOKEN.")
    var adminTokenFile: String?

    @Flag(name: .customLong("print-only"), help: "Print the snapshot (what was found) and do not send it to a server.")
    var printOnly = false

    @Flag(help: "Print JSON for scripts instead of a summary.")
    var json = false

    /// Runs `connector` and either prints its snapshot or submits it to the server and prints the run's result.
    func run(_ connector: any DiscoveryConnector) async throws {
        let snapshot: DiscoverySnapshot
        do {
            snapshot = try await connector.discover(clock: SystemTimeSource())
        } catch let error as DiscoveryError {
            throw CommandFailure(message: "discovery failed: \(error.description)")
        }
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(snapshot)
        if printOnly {
            if json {
                FileHandle.standardOutput.write(data + Data("\n".utf8))
            } else {
                printSummary(snapshot)
            }
            if !snapshot.complete { throw ExitCode(3) }
            return
        }
        let body = try JSONSerialization.jsonObject(with: data)
        let reply = try await AdminClient.make(server: server, token: nil, tokenFile: adminTokenFile).expect(
            "POST", "/v1/discovery/runs", json: body)
        if json {
            FileHandle.standardOutput.write(reply + Data("\n".utf8))
        } else {
            let object = (try? JSONSerialization.jsonObject(with: reply)) as? [String: Any] ?? [:]
            let counts = object["counts"] as? [String: Any] ?? [:]
            let parts = ["seen", "new", "changed", "unchanged", "gone", "returned"].map { "\($0) \(counts[$0] ?? 0)" }
            print("\(snapshot.source) \(snapshot.scope): \(parts.joined(separator: ", "))")
            for problem in snapshot.problems { print("  problem: \(problem)") }
            if !snapshot.complete { print("  incomplete run: nothing was marked gone") }
        }
        if !snapshot.complete { throw ExitCode(3) }
    }

    private func printSummary(_ snapshot: DiscoverySnapshot) {
        print(
            "\(snapshot.source) \(snapshot.scope): \(snapshot.observations.count) identities\(snapshot.complete ? "" : " (incomplete)")"
        )
        for observation in snapshot.observations {
            var line = "  \(observation.kind)  \(observation.externalID)"
            if !observation.privileged.isEmpty { line += "  privileged: \(observation.privileged.joined(separator: "; "))" }
            print(line)
        }
        for problem in snapshot.problems { print("  problem: \(problem)") }
        for finding in snapshot.sourceFindings { print("  source: \(finding)") }
    }
}

/// Reads a secret for a connector from a file (trailing newline dropped) or an environment variable.
enum DiscoverySecret {
    static func read(file: String?, environment name: String, what: String) throws -> String? {
        if let file {
            guard let data = FileManager.default.contents(atPath: file) else {
                throw CommandFailure(message: "cannot read the \(what) file \(file)")
            }
            let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .newlines)
            guard !text.isEmpty else { throw CommandFailure(message: "the \(what) file \(file) is empty") }
            return text
        }
        return ProcessInfo.processInfo.environment[name].flatMap { $0.isEmpty ? nil : $0 }
    }
}
