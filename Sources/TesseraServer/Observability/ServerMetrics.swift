import CoreMetrics
import Foundation
import Prometheus
import Synchronization
import TesseraAudit
import TesseraStore

/// The server's metrics (swift-metrics API, one Prometheus registry per server, so several servers in one
/// process — tests — never share counters): issuance counts and latency per grant and outcome, policy
/// decision latency, audit append latency and batch sizes, audit records by type (revocations, SVID
/// issuance, ...), HTTP requests per route, and active leases. Rendered at `GET /metrics`.
public final class ServerMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    private let factory: PrometheusMetricsFactory
    private let counters = Mutex<[String: CoreMetrics.Counter]>([:])
    private let timers = Mutex<[String: CoreMetrics.Timer]>([:])
    private let recorders = Mutex<[String: CoreMetrics.Recorder]>([:])
    private let gauges = Mutex<[String: CoreMetrics.Gauge]>([:])
    private let chainWaits = Mutex<AuditChainWaits?>(nil)

    public init() {
        registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .microseconds(10), .microseconds(50), .microseconds(100), .microseconds(250), .microseconds(500),
            .milliseconds(1), .milliseconds(2.5), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
            .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(10),
        ]
        factory.defaultValueHistogramBuckets = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024]
        self.factory = factory
    }

    private static func key(_ label: String, _ dimensions: [(String, String)]) -> String {
        label + "|" + dimensions.map { "\($0.0)=\($0.1)" }.joined(separator: ",")
    }

    func increment(_ label: String, _ dimensions: [(String, String)] = [], by amount: Int = 1) {
        let counter = counters.withLock { cache in
            let key = Self.key(label, dimensions)
            if let existing = cache[key] { return existing }
            let made = CoreMetrics.Counter(label: label, dimensions: dimensions, factory: factory)
            cache[key] = made
            return made
        }
        counter.increment(by: amount)
    }

    func time(_ label: String, _ dimensions: [(String, String)] = [], _ duration: Duration) {
        let timer = timers.withLock { cache in
            let key = Self.key(label, dimensions)
            if let existing = cache[key] { return existing }
            let made = CoreMetrics.Timer(label: label, dimensions: dimensions, factory: factory)
            cache[key] = made
            return made
        }
        let (seconds, attoseconds) = duration.components
        timer.recordNanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }

    func record(_ label: String, _ value: Int) {
        let recorder = recorders.withLock { cache in
            if let existing = cache[label] { return existing }
            let made = CoreMetrics.Recorder(label: label, dimensions: [], aggregate: true, factory: factory)
            cache[label] = made
            return made
        }
        recorder.record(value)
    }

    func set(_ label: String, _ value: Int, dimensions: [(String, String)] = []) {
        let gauge = gauges.withLock { cache in
            let key = Self.key(label, dimensions)
            if let existing = cache[key] { return existing }
            let made = CoreMetrics.Gauge(label: label, dimensions: dimensions, factory: factory)
            cache[key] = made
            return made
        }
        gauge.record(value)
    }

    /// An issuance at the token endpoint (or any credential endpoint), by grant and outcome.
    public func issuance(grant: String, outcome: String, duration: Duration) {
        increment("tessera_issuance_total", [("grant", grant), ("outcome", outcome)])
        time("tessera_issuance_duration_seconds", [("grant", grant), ("outcome", outcome)], duration)
    }

    /// One policy decision.
    public func policyDecision(action: String, allowed: Bool, duration: Duration) {
        time(
            "tessera_policy_decision_duration_seconds", [("action", action), ("decision", allowed ? "allow" : "deny")], duration)
    }

    /// One durable audit batch.
    public func auditBatch(types: [String], duration: Duration) {
        time("tessera_audit_append_duration_seconds", [], duration)
        record("tessera_audit_batch_size", types.count)
        var byType: [String: Int] = [:]
        for type in types { byType[type, default: 0] += 1 }
        for (type, count) in byType {
            increment("tessera_audit_records_total", [("type", type)], by: count)
            if type.hasSuffix(".revoked") || type == AuditEventType.taskEnded || type == AuditEventType.taskExpired {
                increment("tessera_revocations_total", [("type", type)], by: count)
            }
            if type.hasPrefix("svid.") && type.hasSuffix(".issued") {
                increment("tessera_svid_issued_total", [("type", type)], by: count)
            }
        }
    }

    /// One HTTP request, by matched route pattern, method and status class.
    public func httpRequest(route: String, method: String, status: Int, duration: Duration) {
        let statusClass = "\(status / 100)xx"
        increment("tessera_http_requests_total", [("route", route), ("method", method), ("status", statusClass)])
        time("tessera_http_request_duration_seconds", [("route", route), ("method", method)], duration)
    }

    public func activeLeases(_ count: Int) { set("tessera_active_leases", count) }

    /// The PostgreSQL audit appends' waits for their chain's head row, exposed with the metrics.
    public func observe(_ waits: AuditChainWaits) { chainWaits.withLock { $0 = waits } }

    /// The Prometheus text exposition.
    public func render() -> String {
        var text = registry.emitToString()
        if let waits = chainWaits.withLock({ $0 })?.total {
            text += """
                # HELP tessera_audit_chain_wait_seconds_total Time audit appends waited for their chain's head row \
                (other servers appending to the same chain).
                # TYPE tessera_audit_chain_wait_seconds_total counter
                tessera_audit_chain_wait_seconds_total \(waits.seconds)
                # HELP tessera_audit_chain_records_total Audit records this server appended to its chain on PostgreSQL.
                # TYPE tessera_audit_chain_records_total counter
                tessera_audit_chain_records_total \(waits.records)

                """
        }
        return text
    }
}
