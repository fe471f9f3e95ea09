import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import TesseraAudit
import TesseraCore
import TesseraCrypto
import TesseraPosture
import TesseraSecrets
import TesseraStore

/// Assembles a running Tessera server: database, bootstrap, services, routes.
public struct TesseraServer {
    public let configuration: ServerConfiguration
    public let issuer: String
    public let port: Int
    /// Port of the HTTPS (mTLS) listener, when `--tls-cert`/`--tls-key` are set.
    public let tlsPort: Int?
    public let bootstrap: Bootstrap.Result
    /// Where the state lives: SQLite in the data folder (default) or PostgreSQL (`storage`).
    public let database: any TesseraStorage
    public let audit: AuditLog
    /// The Cedar policy set deciding every issuance.
    public let policies: PolicyEngine
    /// Prometheus metrics of this server (`GET /metrics`).
    public let metrics: ServerMetrics
    /// The OAuth token service (also driven directly by `tessera bench token-path`).
    public let tokens: TokenService
    let taskService: TaskService
    let exceptionService: ExceptionService
    let secrets: DynamicSecretsService?
    /// Workload identity: trust domain CA, JWT-SVID key, bundle, agent API.
    public let spiffe: SPIFFEServices
    let router: Router<TesseraRequestContext>
    let logger: Logger
    let tokenState: any TokenStateRepository
    let clock: any TimeSource
    /// Applies other servers' changes to this one's caches while it runs.
    let clusterSync: ClusterSync
    /// Counts refusals of callers who proved nothing; written as periodic aggregate records (docs/threat-model.md).
    let refusals: RefusalAggregator
    /// Rotation and promotion of the JWT signing keys.
    let signingKeys: SigningKeyService
    /// Federated trust domains' X.509 roots (mTLS client authentication of federated workloads).
    let federatedRoots: FederatedRoots
    /// Client chains the mTLS handshake verified, re-checked on every request.
    let verifiedChains: VerifiedChains
    /// Scheduled discovery (`--discover`).
    let discovery: DiscoveryScheduler
    /// Keeps the risk assessment's open findings current (nil with risk assessment off).
    let risk: RiskRefresher?
    /// Evaluates posture every minute so finding changes reach the audit log (and the SOC) without anyone asking.
    let posture: PostureService
    /// How often a server sharing its storage re-reads signing material and departed owners, should an event be lost.
    static let periodicReloadInterval: Duration = .seconds(30)

    /// Opens the data folder, runs bootstrap and builds the router. Call `run()` to serve.
    public static func make(
        configuration: ServerConfiguration, kek: KeyEncryptionKey, clock: any TimeSource = SystemTimeSource(),
        authorizer: (any IssuanceAuthorizer)? = nil, logger: Logger = Logger(label: "tessera"),
        eventBus: any ClusterEventBus = SingleNodeEventBus()
    ) async throws -> TesseraServer {
        let discoverySpecs = try DiscoveryScheduler.specs(configuration.discovery)
        _ = try configuration.sinks.specs()
        let environment = try await ServerEnvironment.make(
            configuration: configuration, kek: kek, clock: clock, logger: logger, eventBus: eventBus)
        let (tokens, federation) = try await tokenService(environment, authorizer: authorizer)
        var admins = AdminAuthenticator(repository: environment.database.adminTokens)
        admins.sessions = federation.sessions
        let (router, admin) = router(environment, tokens: tokens, admins: admins)
        federation.register(public: router, admin: admin, maximumBodySize: environment.maximumBodySize)
        let services = try adminServices(environment, tokens: tokens, admins: admins, router: router, admin: admin)
        let keys = try await trustDomainServices(environment, tokens: tokens, router: router, admin: admin)
        let database = environment.database
        return TesseraServer(
            configuration: configuration, issuer: environment.issuer, port: environment.port, tlsPort: environment.tlsPort,
            bootstrap: environment.bootstrap, database: database, audit: environment.audit, policies: environment.policies,
            metrics: environment.metrics, tokens: tokens, taskService: services.tasks, exceptionService: services.exceptions,
            secrets: services.secrets, spiffe: keys.spiffe, router: router, logger: logger, tokenState: database.tokenState,
            clock: clock, clusterSync: keys.clusterSync, refusals: environment.refusals, signingKeys: keys.signingKeys,
            federatedRoots: environment.federatedRoots, verifiedChains: environment.verifiedChains,
            discovery: DiscoveryScheduler(specs: discoverySpecs, service: services.discovery, logger: logger),
            risk: services.risk, posture: services.posture)
    }

    /// Opens the configured storage: PostgreSQL when `storage` is set (migrated on connect), else SQLite.
    /// The given bus, or for PostgreSQL storage (when none was given) a `PostgresEventBus` on the same server,
    /// listening before the server serves.
    static func clusterEventBus(
        _ given: any ClusterEventBus, storage: any TesseraStorage, logger: Logger
    ) async throws -> any ClusterEventBus {
        guard given is SingleNodeEventBus, let endpoint = storage.sharedEndpoint else { return given }
        let host = ProcessInfo.processInfo.hostName
        let origin = "\(host.prefix(64))-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(8))"
        do {
            let bus = try PostgresEventBus(origin: origin, endpoint: endpoint, logger: logger)
            try await bus.start()
            return bus
        } catch let error as StoreError {
            throw ServerError(.storage, error.reason)
        }
    }

    static func openStorage(_ configuration: ServerConfiguration, logger: Logger) async throws -> any TesseraStorage {
        do {
            if let url = configuration.storage {
                var postgresLogger = logger
                postgresLogger[metadataKey: "component"] = "postgres"
                var endpoint = try PostgresEndpoint(url: url)
                if endpoint.password == nil, let password = configuration.storagePassword {
                    endpoint = endpoint.with(password: password)
                }
                return try await PostgresStorage.connect(
                    endpoint, logger: postgresLogger,
                    auditChain: configuration.auditChain ?? PostgresStorage.defaultAuditChain)
            }
            return try SQLiteStorage(directory: configuration.dataDirectory)
        } catch let error as StoreError {
            throw ServerError(.storage, error.reason)
        }
    }

    /// Every route the server registered, as `METHOD /path` (captures as `{name}`), for the OpenAPI test.
    public var routeList: [String] {
        router.routes.map { route in
            let path = "\(route.path)".split(separator: "/").map { part in
                part.hasPrefix(":") ? "{\(part.dropFirst())}" : String(part)
            }.joined(separator: "/")
            return "\(route.method.rawValue) /\(path)"
        }
    }

    /// Serves until cancelled or signalled: SIGTERM or SIGINT shut the server down gracefully (listeners first, in-flight
    /// requests finish, then the background services, the last refusal counts and a closing audit checkpoint).
    public func run(onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        try await serviceGroup(onRunning: onRunning).run()
    }

    /// The server as one service group (`run()` runs it); `triggerGracefulShutdown()` stops it as SIGTERM does.
    ///
    /// The group is never cancelled from inside: a listener that ends or fails shuts the group down gracefully (the
    /// error is rethrown after), a background loop that ends is left alone. Cancelling a NIO server's task while an
    /// accepted connection is still queued traps in NIO (`NIOAsyncWriter` deinit), graceful shutdown does not.
    public func serviceGroup(onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) throws -> ServiceGroup {
        let (background, listeners) = try services(onRunning: onRunning)
        let configurations =
            background.map {
                ServiceGroupConfiguration.ServiceConfiguration(
                    service: $0, successTerminationBehavior: .ignore, failureTerminationBehavior: .gracefullyShutdownGroup)
            }
            + listeners.map {
                ServiceGroupConfiguration.ServiceConfiguration(
                    service: $0, successTerminationBehavior: .gracefullyShutdownGroup,
                    failureTerminationBehavior: .gracefullyShutdownGroup)
            }
        return ServiceGroup(
            configuration: .init(
                services: configurations, gracefulShutdownSignals: [.sigterm, .sigint], cancellationSignals: [], logger: logger))
    }

    /// Everything the server runs, in start order: background services, then listeners. A graceful shutdown stops
    /// them in reverse order: listeners first, storage last.
    func services(onRunning: @escaping @Sendable (Int) async -> Void) throws -> (
        background: [any Service], listeners: [any Service]
    ) {
        // One per-source connection count across all listeners; deadlines on each.
        let limiter = ConnectionLimiter(limit: configuration.listener.maximumConnectionsPerSource)
        // Signed audit checkpoints on a schedule and a closing one, after everything else stopped.
        let checkpoints = AuditCheckpointService(audit: audit, configuration: configuration.auditCheckpoints, logger: logger)
        checkpoints.announce()
        var services: [any Service] = []
        if let closing = database.closingService { services.append(closing) }
        // Stopped after the checkpoints: its last write covers the closing checkpoint.
        if let keeper = audit.headKeeper as? AuditHeadWitness.Keeper {
            services.append(AuditHeadWitnessService(keeper: keeper, logger: logger))
        }
        services.append(checkpoints)
        if database.sharedEndpoint != nil {
            // Named chains' durable records get their place in the log's order off the appends' path.
            services.append(
                PeriodicService(name: "audit sequencer", interval: .milliseconds(250), logger: logger) {
                    [store = database.audit] in try await store.sequence(wait: false)
                })
        }
        services.append(refusals)
        services.append(clusterSync)
        services.append(
            PeriodicService(name: "expired token state sweep", interval: .seconds(60), logger: logger) {
                [tokenState, clock] in try await tokenState.purgeExpired(now: clock.now())
            })
        services.append(
            DeadlineExpirer(
                tasks: taskService, exceptions: exceptionService, secrets: secrets, leases: database.tasks, metrics: metrics,
                clock: clock
            ).service(logger: logger))
        if policies.directory != nil { services.append(policies.watcher(audit: audit, logger: logger)) }
        services.append(spiffe.background)
        services.append(signingKeys.promotion(logger: logger))
        services += discovery.services()
        services += try sinkServices()
        if let risk { services.append(risk.service()) }
        services.append(
            PeriodicService(name: "posture evaluation", interval: .seconds(60), logger: logger) { [posture] in
                _ = try await posture.findings()
            })
        var listeners = try self.listeners(limiter: limiter)
        listeners.append(
            Application(
                router: router, server: ListenerPipeline.http1(configuration.listener, limiter: limiter),
                configuration: .init(address: .hostname(configuration.host, port: port), serverName: "tessera"),
                onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? 0) },
                logger: logger))
        return (services, listeners)
    }

    /// The listeners beside the main one: mTLS token endpoint, SPIFFE bundle endpoint, metrics.
    private func listeners(limiter: ConnectionLimiter) throws -> [any Service] {
        var listeners: [any Service] = []
        if let tlsPort, let certificate = configuration.tlsCertificatePath, let key = configuration.tlsKeyPath {
            var listener = MutualTLSListener(certificatePath: certificate, keyPath: key, state: spiffe.state, clock: clock)
            listener.federated = federatedRoots
            listener.chains = verifiedChains
            TLSListenerPorts.register(tlsPort)
            listeners.append(
                Application(
                    router: router,
                    server: try listener.serverBuilder(base: ListenerPipeline.http1(configuration.listener, limiter: limiter)),
                    configuration: .init(address: .hostname(configuration.host, port: tlsPort), serverName: "tessera"),
                    logger: logger))
        }
        if let bundleEndpoint = configuration.listener.bundleEndpointListen {
            listeners.append(
                try BundleEndpointListener(parsing: bundleEndpoint).application(
                    state: spiffe.state, clock: clock, settings: configuration.listener, limiter: limiter, logger: logger))
        }
        if let metricsListen = configuration.listener.metricsListen {
            listeners.append(
                try MetricsListener(parsing: metricsListen).application(
                    metrics: metrics, settings: configuration.listener, limiter: limiter, logger: logger))
        }
        return listeners
    }
}
