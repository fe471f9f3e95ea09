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
    /// How often a server sharing its storage re-reads signing material and departed owners, should an event be lost.
    static let periodicReloadInterval: Duration = .seconds(30)

    /// Opens the data folder, runs bootstrap and builds the router. Call `run()` to serve.
    public static func make(
        configuration: ServerConfiguration, kek: KeyEncryptionKey, clock: any TimeSource = SystemTimeSource(),
        authorizer: (any IssuanceAuthorizer)? = nil, logger: Logger = Logger(label: "tessera"),
        eventBus: any ClusterEventBus = SingleNodeEventBus()
    ) async throws -> TesseraServer {
        try configuration.validate()
        do {
            try SPIFFEID.validateTrustDomain(configuration.trustDomain)
        } catch {
            throw ServerError(.configuration, "trust domain: \(error.reason)")
        }
        // Every file in the data folder private to this user, including SQLite's -wal/-shm (docs/threat-model.md).
        try DataFolderPermissions.secure(configuration.dataDirectory, create: configuration.storage == nil)
        let port = configuration.port == 0 ? try FreePort.find(host: configuration.host) : configuration.port
        let issuer = configuration.resolvedIssuer(port: port)
        try configuration.spiffe.validate(issuer: issuer)
        let tlsPort = try MutualTLSListener.port(configuration)
        let database = try await openStorage(configuration, logger: logger)
        // Servers starting at once on empty PostgreSQL take turns: the first creates, the others find.
        let result = try await database.withBootstrapLock {
            try await Bootstrap.run(
                database: database, kek: kek, trustDomain: configuration.trustDomain, clock: clock,
                algorithm: configuration.signingKeys.accessTokenAlgorithm)
        }
        // Audit records are keyed (HMAC) and checkpoints signed with keys derived from the KEK, never stored.
        let auditKeys = AuditKeyring(rootKey: kek.derivedKey(purpose: AuditKeyring.kekPurpose))
        // Never extend a chain this server cannot vouch for (docs/threat-model.md): its recorded head must be
        // its last record and carry a valid MAC, or a database writer could strip every key and re-chain, or delete the
        // newest records and move the head back, and the next append would seal the result.
        try await AuditHeadCheck(store: database.audit, keyring: auditKeys).check(
            acceptUnkeyedPrefix: configuration.auditCheckpoints.acceptUnkeyedPrefix)
        let audit = try await AuditLog(
            store: database.audit, clock: clock, sealing: AuditSealing(keyring: auditKeys, writer: AuditWriterID.make()))
        let metrics = ServerMetrics()
        audit.observeWrites { types, duration in metrics.auditBatch(types: types, duration: duration) }
        let refusals = RefusalAggregator(
            audit: audit, clock: clock, metrics: metrics, logger: logger,
            interval: .milliseconds(Int64(configuration.listener.refusalFlushInterval * 1000)),
            maximumKeys: configuration.listener.refusalMaximumKeys)
        // Alone on its database the identity cache is exact. Servers sharing PostgreSQL tell each other of their
        // writes over LISTEN/NOTIFY (`ClusterEventBus`), and trust a cached entry for at most a second should an
        // event be lost.
        let eventBus = try await clusterEventBus(eventBus, storage: database, logger: logger)
        let alone = eventBus is SingleNodeEventBus
        let inventory = CachingIdentityRepository(
            database.identities, maximumAge: alone ? nil : .seconds(1),
            onChange: { spiffeID in await eventBus.publish(.identityChanged, subject: spiffeID) })
        let replay = ReplayCache()
        replay.preload(try await database.tokenState.unexpiredReplayKeys(now: clock.now()))
        let defaultAudience = configuration.defaultAudience ?? issuer
        let policies: PolicyEngine
        do {
            policies = try PolicyEngine(directory: configuration.policyDirectory)
        } catch {
            throw ServerError(.configuration, "policies rejected: \(error)")
        }
        let departedOwners = try await DepartedOwners.load(
            database.posture, onInsert: { owner in Task { await eventBus.publish(.ownerDeparted, subject: owner) } })
        let jwtSVIDKeys = JWTSVIDKeySource(issuer: configuration.spiffe.jwtIssuer)
        let federatedRoots = FederatedRoots(repository: database.spiffe)
        let verifiedChains = VerifiedChains()
        let trustState = TrustDomainStateReference()
        let verifier = ClientAssertionVerifier(
            identities: inventory, replay: replay, clock: clock,
            maximumLifetime: configuration.maximumAssertionLifetime, skew: configuration.clockSkew, jwtSVIDKeys: jwtSVIDKeys,
            // Servers sharing PostgreSQL claim each assertion's jti in the database: accepted once cluster-wide.
            sharedReplay: database is PostgresStorage ? database.tokenState : nil, leases: database.tasks)
        var tokens = TokenService(
            configuration: configuration, issuer: issuer, defaultAudience: defaultAudience, keys: result.keys,
            verifier: verifier,
            authorizer: MeasuredAuthorizer(
                inner: authorizer
                    ?? CedarIssuanceAuthorizer(engine: policies, defaultAudiences: [defaultAudience], departedOwners: departedOwners),
                metrics: metrics),
            audit: audit, tokenState: database.tokenState, tasks: database.tasks, clock: clock, logger: logger)
        if tlsPort != nil {
            var certificates = ClientCertificateAuthenticator(
                identities: inventory, trustDomain: configuration.trustDomain, clock: clock, federated: federatedRoots)
            certificates.chains = verifiedChains
            certificates.leases = database.tasks
            certificates.currentRoots = { [trustDomain = configuration.trustDomain] domain in
                domain == trustDomain ? trustState.roots : await federatedRoots.roots(for: domain)
            }
            tokens.certificates = certificates
        }
        tokens.metrics = metrics
        tokens.exceptions = ExceptionGate(repository: database.exceptions, audit: audit, logger: logger)
        let federation = try FederationServices.make(
            configuration: configuration, issuer: issuer, keys: result.keys, database: database, identities: inventory,
            jwtSVIDKeys: jwtSVIDKeys,
            audit: audit, clock: clock)
        tokens.exchangeServices = federation.exchange
        var admins = AdminAuthenticator(repository: database.adminTokens)
        admins.sessions = federation.sessions
        let changes = ChangeFeed(onBump: { Task { await eventBus.publish(.servingChanged, subject: "") } })
        var identities = IdentityService(
            repository: inventory, tasks: database.tasks, audit: audit, clock: clock, trustDomain: configuration.trustDomain,
            maximumTokenTTL: configuration.maximumTokenTTL, changes: changes)
        identities.federated = federatedRoots

        let router = Router(context: TesseraRequestContext.self)
        router.add(middleware: MetricsMiddleware(metrics: metrics))
        router.add(middleware: SecurityHeadersMiddleware())
        router.add(middleware: ErrorMiddleware())
        router.add(middleware: RefusalScopeMiddleware(aggregator: refusals))
        WellKnownRoutes(
            issuer: issuer, keys: result.keys, mutualTLSBase: tlsPort.map { MutualTLSListener.base(configuration, port: $0) },
            jwtSVIDIssuer: configuration.spiffe.jwtIssuer, jwtSVIDKeys: jwtSVIDKeys
        ).register(in: router)
        OAuthRoutes(tokens: tokens, admins: admins, maximumBodySize: configuration.maximumBodySize).register(in: router)
        OperationsRoutes(metrics: metrics, database: database, policies: policies, admins: admins).register(in: router)
        let admin = router.group("v1")
            .add(middleware: AdminAuthenticationMiddleware(authenticator: admins, audit: audit))
            .add(middleware: RefusalAuditMiddleware(audit: audit))
            .group(context: AdminRequestContext.self)
        IdentityRoutes(service: identities, maximumBodySize: configuration.maximumBodySize).register(in: admin)
        federation.register(public: router, admin: admin, maximumBodySize: configuration.maximumBodySize)
        let auditRoutes = AuditRoutes(
            store: database.audit, keyring: auditKeys, acceptUnkeyedPrefix: configuration.auditCheckpoints.acceptUnkeyedPrefix)
        auditRoutes.register(in: admin)
        auditRoutes.registerPublic(in: router)
        let taskService = TaskService(
            repository: database.tasks, audit: audit, clock: clock, maximumTTL: configuration.maximumTaskTTL,
            trustDomain: configuration.trustDomain)
        TaskRoutes(service: taskService, maximumBodySize: configuration.maximumBodySize).register(in: admin)
        let exceptionService = ExceptionService(
            repository: database.exceptions, identities: inventory, audit: audit, clock: clock,
            maximumTTL: configuration.maximumExceptionTTL)
        ExceptionRoutes(service: exceptionService, maximumBodySize: configuration.maximumBodySize).register(in: admin)
        var secrets: DynamicSecretsService?
        if let postgres = configuration.postgresSecrets {
            let service = DynamicSecretsService(
                manager: PostgresRoleManager(settings: postgres.settings, templates: postgres.templates, logger: logger),
                tokens: tokens, tasks: database.tasks, identities: inventory, authorizer: tokens.authorizer, audit: audit,
                clock: clock, logger: logger)
            SecretRoutes(service: service, maximumBodySize: configuration.maximumBodySize).register(in: router)
            secrets = service
        }
        LeaseRoutes(
            service: LeaseService(repository: database.tasks, audit: audit, clock: clock, changes: changes, secrets: secrets),
            maximumBodySize: configuration.maximumBodySize
        ).register(in: admin)
        ToolRoutes(
            service: ToolAuthorizationService(
                tokens: tokens, tasks: database.tasks, identities: inventory, repository: database.agentTools,
                authorizer: ToolCallAuthorizer(engine: policies, departedOwners: departedOwners), limiter: ToolCallRateLimiter(),
                audit: audit, clock: clock, issuer: issuer, budget: configuration.toolCallBudget,
                ratePerMinute: configuration.toolCallsPerMinute, approvalTTL: TimeInterval(configuration.toolApprovalTTL)),
            admins: admins, maximumBodySize: configuration.maximumBodySize
        ).register(public: router, admin: admin)
        // Posture's digest cache: next to the SQLite file, or in the data folder per PostgreSQL endpoint and schema.
        let digestPath: String? =
            if let sqlite = database as? TesseraDatabase {
                PostureEngine.defaultDigestPath(for: sqlite)
            } else if let postgres = database as? PostgresStorage {
                PostureEngine.digestPath(dataDirectory: configuration.dataDirectory, endpoint: postgres.endpoint)
            } else {
                nil
            }
        let latestFindings = LatestFindings()
        let posture = PostureService(
            database: database, audit: audit, clock: clock, schema: DefaultPolicies.schema,
            maximumTokenTTL: configuration.maximumTokenTTL, digestPath: digestPath, departedOwners: departedOwners,
            latestFindings: latestFindings)
        PostureRoutes(service: posture, maximumBodySize: configuration.maximumBodySize).register(in: admin)
        ConsoleRoutes(
            storage: database, identities: inventory, trustDomain: configuration.trustDomain, clock: clock,
            findings: latestFindings
        ).register(public: router, admin: admin)
        let spiffe = try await SPIFFEServices.make(
            configuration: configuration, issuer: issuer, database: database, kek: kek, audit: audit, clock: clock,
            authorizer: tokens.authorizer, changes: changes,
            onRotate: { await eventBus.publish(.keysChanged, subject: "") }, federatedRoots: federatedRoots)
        trustState.set(spiffe.state)
        spiffe.register(public: router, admin: admin, maximumBodySize: configuration.maximumBodySize)
        let signingKeys = SigningKeyService(
            database: database, kek: kek, keys: result.keys, audit: audit, clock: clock, configuration: configuration.signingKeys,
            reloadJWTSVIDKeys: {
                try await spiffe.reload()
                jwtSVIDKeys.set(spiffe.state.authority.jwtAuthorities)
            },
            onChange: { await eventBus.publish(.keysChanged, subject: "") })
        SigningKeyRoutes(service: signingKeys, maximumBodySize: configuration.maximumBodySize).register(in: admin)
        jwtSVIDKeys.set(spiffe.state.authority.jwtAuthorities)
        // A newly configured algorithm starts a pre-published rotation; keys whose pre-publication ended sign now.
        try await signingKeys.reconcile(logger: logger)
        // A CA this start created or rotated (at half-life) is news for the servers already running.
        if !spiffe.generated.isEmpty { await eventBus.publish(.keysChanged, subject: "") }
        // Another server's CA rotation reaches this one by its `keysChanged` event, or by the periodic reload.
        let clusterSync = ClusterSync(
            bus: eventBus, inventory: inventory, changes: changes, departedOwners: departedOwners, posture: database.posture,
            logger: logger, periodicReload: alone ? nil : Self.periodicReloadInterval,
            reloadKeys: {
                try await Bootstrap.reload(result.keys, database: database, kek: kek)
                try await spiffe.reload()
                jwtSVIDKeys.set(spiffe.state.authority.jwtAuthorities)
            })
        return TesseraServer(
            configuration: configuration, issuer: issuer, port: port, tlsPort: tlsPort, bootstrap: result, database: database, audit: audit,
            policies: policies, metrics: metrics, tokens: tokens, taskService: taskService, exceptionService: exceptionService, secrets: secrets, spiffe: spiffe, router: router, logger: logger, tokenState: database.tokenState, clock: clock,
            clusterSync: clusterSync, refusals: refusals, signingKeys: signingKeys, federatedRoots: federatedRoots,
            verifiedChains: verifiedChains)
    }

    /// Opens the configured storage: PostgreSQL when `storage` is set (migrated on connect), else SQLite.
    /// The given bus, or for PostgreSQL storage (when none was given) a `PostgresEventBus` on the same server,
    /// listening before the server serves.
    static func clusterEventBus(
        _ given: any ClusterEventBus, storage: any TesseraStorage, logger: Logger
    ) async throws -> any ClusterEventBus {
        guard given is SingleNodeEventBus, let postgres = storage as? PostgresStorage else { return given }
        let host = ProcessInfo.processInfo.hostName
        let origin = "\(host.prefix(64))-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(8))"
        do {
            let bus = try PostgresEventBus(origin: origin, endpoint: postgres.endpoint, logger: logger)
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
                return try await PostgresStorage.connect(endpoint, logger: postgresLogger)
            }
            return try TesseraDatabase(directory: configuration.dataDirectory)
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
    func services(onRunning: @escaping @Sendable (Int) async -> Void) throws -> (background: [any Service], listeners: [any Service]) {
        // One per-source connection count across all listeners; deadlines on each.
        let limiter = ConnectionLimiter(limit: configuration.listener.maximumConnectionsPerSource)
        // Signed audit checkpoints on a schedule and a closing one, after everything else stopped.
        let checkpoints = AuditCheckpointService(audit: audit, configuration: configuration.auditCheckpoints, logger: logger)
        checkpoints.announce()
        var services: [any Service] = []
        if let closing = database.closingService { services.append(closing) }
        services.append(checkpoints)
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
