import Logging
import ServiceLifecycle
import TesseraAudit
import TesseraCore
import TesseraDiscovery

/// Discovery on a schedule (`--discover SPEC`): one periodic loop per source, the first run at start. A run that
/// fails outright (unreachable, refused credentials) is audited as a failed `discovery.run` and changes nothing;
/// a partial run is applied without marking anything gone.
struct DiscoveryScheduler: Sendable {
    let specs: [DiscoverySourceSpec]
    let service: DiscoveryService
    let logger: Logger

    /// Parses the configured specs; a bad one stops the server at start with the reason.
    static func specs(_ configuration: DiscoveryConfiguration) throws -> [DiscoverySourceSpec] {
        do {
            return try configuration.sources.map { try DiscoverySourceSpec(parsing: $0) }
        } catch let error as DiscoveryError {
            throw ServerError(.configuration, error.description)
        }
    }

    /// One lifecycle service per source.
    func services() -> [any Service] {
        specs.map { spec in
            PeriodicService(name: "discovery \(spec)", interval: spec.interval, runsAtStart: true, logger: logger) {
                try await run(spec)
            }
        }
    }

    /// One run of `spec`: discover, apply, audit.
    func run(_ spec: DiscoverySourceSpec) async throws {
        do {
            let snapshot = try await spec.connector().discover(clock: service.clock)
            let (run, _) = try await service.apply(snapshot, actor: "schedule")
            logger.info(
                "discovery \(spec): \(run.counts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))"
            )
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            // Every failure is audited, whatever failed: the connector, the snapshot's checks, or storage.
            let (code, text): (String, String) =
                switch error {
                case let error as DiscoveryError: (error.code.rawValue, error.description)
                case let error as ProblemDetails: ("refused", error.detail)
                default: ("failed", String(describing: error))
                }
            logger.warning("discovery \(spec) failed: \(text.prefix(300))")
            try await service.audit.append(
                AuditEvent(
                    type: AuditEventType.discoveryRun, outcome: .failure, actor: "schedule", subject: spec.description,
                    reason: String(text.prefix(300)),
                    details: ["source": .string(spec.source.rawValue), "complete": .bool(false), "code": .string(code)]))
        }
    }
}
