import Foundation
import TesseraTestSupport
import Testing

@testable import TesseraServer

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Prometheus scrapes a separate listener without an admin credential; the main listener keeps
/// `/metrics` behind the admin token, and the shipped Grafana dashboard only queries metrics the server exports.
@Suite(.stopsServers) struct MetricsListenerTests {
    private static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static func get(_ url: String) async throws -> (Int, String) {
        let (data, response) = try await HTTPTestClient.data(from: URL(string: url)!)
        return ((response as! HTTPURLResponse).statusCode, String(decoding: data, as: UTF8.self))
    }

    @Test func theMetricsListenerServesMetricsOnlyAndNeedsNoCredential() async throws {
        let port = try FreePort.find(host: "127.0.0.1")
        let server = try await TestServer.start { $0.listener.metricsListen = "127.0.0.1:\(port)" }
        let workload = try await server.registerWorkload("scraped")
        #expect(try await server.requestToken(workload).status == 200)

        let metricsBase = "http://127.0.0.1:\(port)"
        var (status, text) = try await Self.get(metricsBase + "/metrics")
        for _ in 0..<50 where status != 200 {
            try await Task.sleep(for: .milliseconds(100))
            (status, text) = try await Self.get(metricsBase + "/metrics")
        }
        #expect(status == 200)
        #expect(text.contains(#"tessera_issuance_total{grant="client_credentials",outcome="issued"} 1"#), "\(text.prefix(1500))")
        // Timers are histograms: the dashboard's p99 panels need the buckets.
        #expect(text.contains("tessera_issuance_duration_seconds_bucket{"))
        // Nothing else is served there: not the admin API, not the token endpoint.
        #expect(try await Self.get(metricsBase + "/v1/identities").0 == 404)
        #expect(try await Self.get(metricsBase + "/healthz").0 == 404)
        // The main listener still wants the admin token.
        #expect(try await server.send("GET", "/metrics").status == 401)
    }

    @Test func aMalformedMetricsAddressIsAConfigurationError() async throws {
        for bad in ["9090", "127.0.0.1", "127.0.0.1:x", "127.0.0.1:70000", ":9090", "a b:9090"] {
            #expect(throws: ServerError.self, "\(bad)") { try MetricsListener(parsing: bad) }
        }
        let v6 = try MetricsListener(parsing: "[::1]:9090")
        #expect(v6.host == "::1" && v6.port == 9090)
    }

    @Test func theGrafanaDashboardQueriesOnlyExportedMetrics() throws {
        let file = Self.repository.appendingPathComponent("packaging/grafana/tessera-dashboard.json")
        let dashboard = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: Any])
        let panels = try #require(dashboard["panels"] as? [[String: Any]])
        let expressions = panels.flatMap { ($0["targets"] as? [[String: Any]] ?? []).compactMap { $0["expr"] as? String } }
        #expect(expressions.count >= 12)
        // Every metric name the code registers (string literals in the server module).
        var exported: Set<String> = []
        let sources = Self.repository.appendingPathComponent("Sources/TesseraServer")
        let files = FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil)?.compactMap { $0 as? URL } ?? []
        let literal = try Regex(#""(tessera_[a-z_]+)""#)
        for url in files where url.pathExtension == "swift" {
            let text = try String(contentsOf: url, encoding: .utf8)
            for match in text.matches(of: literal) { exported.insert(String(text[match.range]).trimmingCharacters(in: ["\""])) }
        }
        let name = try Regex(#"tessera_[a-z_]+"#)
        for expression in expressions {
            for match in expression.matches(of: name) {
                var metric = String(expression[match.range])
                for suffix in ["_bucket", "_count", "_sum"] where metric.hasSuffix(suffix) && !exported.contains(metric) {
                    metric.removeLast(suffix.count)
                }
                #expect(exported.contains(metric), "the dashboard queries \(metric), which the server does not export")
            }
        }
    }
}
