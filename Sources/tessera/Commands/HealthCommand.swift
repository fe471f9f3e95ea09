import ArgumentParser
import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `tessera health`: exit status from the server's `/readyz` (for container HEALTHCHECKs and scripts).
struct HealthCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "health",
        abstract: "Check that a server is ready: exit 0 when GET /readyz answers 200, 1 otherwise.",
        discussion: """
            Ready means the server answers HTTP, its storage answers a read and a policy set is loaded. Needs no
            credential. Used by the container image's HEALTHCHECK: `tessera health --url http://127.0.0.1:8443`.
            """)

    @Option(name: .long, help: "Server address (env TESSERA_ADDR; default http://127.0.0.1:8443).")
    var url: String?

    @Option(name: .long, help: "Seconds to wait for the answer.")
    var timeout: Double = 3

    @Flag(name: .long, help: "Print the readiness document as JSON.")
    var json = false

    func run() async throws {
        var base = url ?? ProcessInfo.processInfo.environment["TESSERA_ADDR"] ?? "http://127.0.0.1:8443"
        while base.hasSuffix("/") { base.removeLast() }
        guard let target = URL(string: base + "/readyz"), ["http", "https"].contains(target.scheme ?? "") else {
            throw CommandFailure(message: "--url must be an http(s) URL, got \(base)")
        }
        guard timeout > 0, timeout <= 300 else { throw CommandFailure(message: "--timeout must be 0...300 seconds") }
        var request = URLRequest(url: target, timeoutInterval: timeout)
        request.httpMethod = "GET"
        let status: Int
        let body: Data
        do {
            let (data, response) = try await URLSession.shared.data(for: request)
            status = (response as? HTTPURLResponse)?.statusCode ?? 0
            body = data
        } catch {
            if json { print(#"{"status":"unreachable"}"#) }
            throw CommandFailure(message: "\(base) did not answer within \(timeout) s: \(error.localizedDescription)")
        }
        let document = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any]
        if json {
            print(String(decoding: body, as: UTF8.self))
        } else {
            let checks = (document?["checks"] as? [String: String] ?? [:]).sorted { $0.key < $1.key }
                .map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            print("\(document?["status"] as? String ?? "HTTP \(status)")\(checks.isEmpty ? "" : " (\(checks))")")
        }
        guard status == 200 else { throw ExitCode(1) }
    }
}
