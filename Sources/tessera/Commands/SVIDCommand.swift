import ArgumentParser
import Foundation
import TesseraAgent

struct SVIDCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "svid", abstract: "Act as a workload: fetch SVIDs from the agent's Workload API.",
        subcommands: [SVIDFetch.self, SVIDBench.self, SVIDBenchFixture.self])
}

struct SVIDFetch: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fetch", abstract: "Fetch X.509-SVIDs (or a JWT-SVID with --audience) and print or write PEM.")
    @Option(help: "Workload API socket (env SPIFFE_ENDPOINT_SOCKET, unix:// prefix optional).") var socket: String?
    @Option(help: "Write svid.pem, svid.key and bundle.pem here instead of printing.") var write: String?
    @Flag(help: "Fetch a JWT-SVID (needs --audience), e.g. for a cloud's STS: --jwt --audience sts.amazonaws.com.")
    var jwt = false
    @Option(help: "Fetch a JWT-SVID for this audience instead (the identity's allowed audiences and the policies decide).")
    var audience: String?
    @Option(name: .customLong("spiffe-id"), help: "Only this SPIFFE ID's JWT-SVID (when several entries match this process).")
    var spiffeID: String?
    @Flag(help: "Print JSON for scripts: spiffe_id, the JWT-SVID token or the PEM chain and bundle (never the key).")
    var json = false

    func run() async throws {
        var path = socket ?? ProcessInfo.processInfo.environment["SPIFFE_ENDPOINT_SOCKET"] ?? "/tmp/tessera-agent/api.sock"
        if path.hasPrefix("unix://") { path.removeFirst(7) }
        let client = WorkloadAPIClient(socketPath: path)
        if jwt, audience == nil { throw ValidationError("--jwt needs --audience (the relying party, e.g. sts.amazonaws.com)") }
        do {
            if let audience {
                let svids = try await client.fetchJWTSVIDs(audience: [audience], spiffeID: spiffeID)
                if json {
                    Output.done(
                        ["svids": svids.map { ["spiffe_id": $0.0, "token": $0.1, "audience": [audience]] }], json: true, note: "")
                    return
                }
                for (id, token) in svids {
                    Output.note(id)
                    print(token)
                }
                return
            }
            guard let svid = try await client.fetchX509SVIDs().first else { throw CommandFailure(message: "no SVID") }
            let chain = try svid.certificates.map { try $0.serializeAsPEM().pemString }.joined(separator: "\n") + "\n"
            let key =
                "-----BEGIN PRIVATE KEY-----\n" + svid.privateKeyDER.base64EncodedString(options: [.lineLength64Characters])
                + "\n-----END PRIVATE KEY-----\n"
            let bundle = try svid.bundle.map { try $0.serializeAsPEM().pemString }.joined(separator: "\n") + "\n"
            var summary: [String: Any] = [
                "spiffe_id": svid.spiffeID, "svid_pem": chain, "bundle_pem": bundle,
                "expires_at": ISO8601DateFormatter().string(from: svid.certificates[0].notValidAfter),
            ]
            if json, write == nil {
                Output.done(summary, json: true, note: "")
                return
            }
            guard let write else {
                Output.note(svid.spiffeID)
                print(chain + bundle, terminator: "")
                return
            }
            try FileManager.default.createDirectory(atPath: write, withIntermediateDirectories: true)
            let base = URL(fileURLWithPath: write)
            try Data(chain.utf8).write(to: base.appendingPathComponent("svid.pem"))
            _ = FileManager.default.createFile(
                atPath: base.appendingPathComponent("svid.key").path, contents: Data(key.utf8),
                attributes: [.posixPermissions: 0o600])
            try Data(bundle.utf8).write(to: base.appendingPathComponent("bundle.pem"))
            summary["written"] = ["svid.pem", "svid.key", "bundle.pem"].map { base.appendingPathComponent($0).path }
            Output.done(summary, json: json, note: "\(svid.spiffeID): wrote svid.pem, svid.key, bundle.pem to \(write)")
        } catch let error as CommandFailure {
            throw error
        } catch {
            throw CommandFailure(message: "Workload API at \(path): \(error)")
        }
    }
}

struct SVIDBenchFixture: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-fixture", abstract: "Attest a throwaway node and write load-test request material.",
        shouldDisplay: false)
    @Option(help: "Server URL.") var server: String
    @Option(name: .customLong("join-token"), help: "Join token for the benchmark node.") var joinToken: String
    @Option(help: "Registration entry id of that node.") var entry: String
    @Option(help: "CSRs in the batch body.") var batch: Int = 64
    @Option(help: "Node proofs for single.json (each is single-use).") var singleProofs: Int = 20_000
    @Option(help: "Node proofs for batch.json (each is single-use).") var batchProofs: Int = 2_000
    @Option(help: "Output folder (single.json, single-authorization.txt, batch.json, batch-authorization.txt).") var out: String

    func run() async throws {
        guard let url = URL(string: server), (1...256).contains(batch), (1...1_000_000).contains(singleProofs),
            (1...1_000_000).contains(batchProofs)
        else { throw CommandFailure(message: "bad --server, --batch or proof count") }
        let material = try await BenchFixture.make(
            server: url, joinToken: joinToken, entryID: entry, batch: batch, singleProofs: singleProofs, batchProofs: batchProofs)
        let base = URL(fileURLWithPath: out)
        try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
        try Data((material.singleAuthorizations.joined(separator: "\n") + "\n").utf8)
            .write(to: base.appendingPathComponent("single-authorization.txt"))
        try Data((material.batchAuthorizations.joined(separator: "\n") + "\n").utf8)
            .write(to: base.appendingPathComponent("batch-authorization.txt"))
        try material.single.write(to: base.appendingPathComponent("single.json"))
        try material.batch.write(to: base.appendingPathComponent("batch.json"))
    }
}

struct SVIDBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Load the agent's Workload API as a workload (calls per second).", shouldDisplay: false)
    @Option(help: "Workload API socket.") var socket: String
    @Option(help: "Seconds.") var seconds: Double = 5
    @Option(help: "Concurrent callers on one connection.") var concurrency: Int = 8
    @Option(help: "FetchJWTSVID for this audience (signed by the server per call) instead of FetchX509SVID.") var audience:
        String?

    func run() async throws {
        var path = socket
        if path.hasPrefix("unix://") { path.removeFirst(7) }
        let result = try await WorkloadAPIBenchmark.run(
            socketPath: path, seconds: seconds, concurrency: concurrency, jwtAudience: audience)
        print(
            String(
                format: "%.0f calls/s (%d calls, %d failures, %.1f s)", result.rate, result.calls, result.failures, result.seconds
            ))
    }
}
