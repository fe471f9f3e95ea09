import Foundation
import Hummingbird
import TesseraDiscovery
import TesseraPosture
import TesseraSecrets
import TesseraStore

extension TesseraServer {
    /// The router with its middleware and the public routes (OAuth, discovery, operations, audit checkpoint key),
    /// and the admin group: authenticated, role-checked and audited before its `AdminRequestContext` is made.
    static func router(
        _ environment: ServerEnvironment, tokens: TokenService, admins: AdminAuthenticator
    ) -> (Router<TesseraRequestContext>, RouterGroup<AdminRequestContext>) {
        let configuration = environment.configuration
        let router = Router(context: TesseraRequestContext.self)
        router.add(middleware: MetricsMiddleware(metrics: environment.metrics))
        router.add(middleware: SecurityHeadersMiddleware())
        router.add(middleware: ErrorMiddleware())
        router.add(middleware: RefusalScopeMiddleware(aggregator: environment.refusals))
        WellKnownRoutes(
            issuer: environment.issuer, keys: environment.keys,
            mutualTLSBase: environment.tlsPort.map { MutualTLSListener.base(configuration, port: $0) },
            jwtSVIDIssuer: configuration.spiffe.jwtIssuer, jwtSVIDKeys: environment.jwtSVIDKeys
        ).register(in: router)
        OAuthRoutes(tokens: tokens, admins: admins, maximumBodySize: environment.maximumBodySize).register(in: router)
        OperationsRoutes(
            metrics: environment.metrics, database: environment.database, policies: environment.policies, admins: admins
        )
        .register(in: router)
        let admin = router.group("v1")
            .add(middleware: AdminAuthenticationMiddleware(authenticator: admins, audit: environment.audit))
            .add(middleware: RefusalAuditMiddleware(audit: environment.audit))
            .group(context: AdminRequestContext.self)
        let auditRoutes = AuditRoutes(
            store: environment.database.audit, keyring: environment.auditKeys,
            acceptUnkeyedPrefix: configuration.auditCheckpoints.acceptUnkeyedPrefix)
        auditRoutes.register(in: admin)
        auditRoutes.registerPublic(in: router)
        return (router, admin)
    }

    /// The services behind the admin API and their routes: inventory, tasks, exceptions, leases, dynamic secrets,
    /// AI agents' tool calls, posture and the console.
    static func adminServices(
        _ environment: ServerEnvironment, tokens: TokenService, admins: AdminAuthenticator,
        router: Router<TesseraRequestContext>, admin: RouterGroup<AdminRequestContext>
    ) throws -> (
        tasks: TaskService, exceptions: ExceptionService, secrets: DynamicSecretsService?, discovery: DiscoveryService,
        risk: RiskRefresher?, posture: PostureService
    ) {
        let (configuration, database, audit, clock) = (
            environment.configuration, environment.database, environment.audit, environment.clock
        )
        let limit = environment.maximumBodySize
        var identities = IdentityService(
            repository: environment.inventory, tasks: database.tasks, audit: audit, clock: clock,
            trustDomain: configuration.trustDomain, maximumTokenTTL: configuration.maximumTokenTTL, changes: environment.changes)
        identities.federated = environment.federatedRoots
        IdentityRoutes(service: identities, maximumBodySize: limit).register(in: admin)
        let tasks = TaskService(
            repository: database.tasks, audit: audit, clock: clock, maximumTTL: configuration.maximumTaskTTL,
            trustDomain: configuration.trustDomain)
        TaskRoutes(service: tasks, maximumBodySize: limit).register(in: admin)
        let exceptions = ExceptionService(
            repository: database.exceptions, identities: environment.inventory, audit: audit, clock: clock,
            maximumTTL: configuration.maximumExceptionTTL)
        ExceptionRoutes(service: exceptions, maximumBodySize: limit).register(in: admin)
        let secrets = configuration.postgresSecrets.map { postgres in
            DynamicSecretsService(
                manager: PostgresRoleManager(
                    settings: postgres.settings, templates: postgres.templates, logger: environment.logger),
                tokens: tokens, tasks: database.tasks, identities: environment.inventory, authorizer: tokens.authorizer,
                audit: audit, clock: clock, logger: environment.logger)
        }
        if let secrets { SecretRoutes(service: secrets, maximumBodySize: limit).register(in: router) }
        LeaseRoutes(
            service: LeaseService(
                repository: database.tasks, audit: audit, clock: clock, changes: environment.changes, secrets: secrets),
            maximumBodySize: limit
        ).register(in: admin)
        ToolRoutes(
            service: ToolAuthorizationService(
                tokens: tokens, tasks: database.tasks, identities: environment.inventory, repository: database.toolCatalogues,
                authorizer: ToolCallAuthorizer(
                    engine: environment.policies, departedOwners: environment.departedOwners,
                    assessor: environment.configuration.risk.enabled ? environment.risk : nil),
                limiter: ToolCallRateLimiter(), audit: audit, clock: clock, issuer: environment.issuer,
                budget: configuration.toolCallBudget, ratePerMinute: configuration.toolCallsPerMinute,
                approvalTTL: TimeInterval(configuration.toolApprovalTTL),
                // Alone on SQLite every call of every task passes through this process.
                counter: environment.alone && database.databaseFile != nil ? ToolCallCounter() : nil),
            admins: admins, maximumBodySize: limit
        ).register(public: router, admin: admin)
        let discovery = DiscoveryService(
            repository: database.discovery, identities: environment.inventory, audit: audit, clock: clock,
            issuer: MigrationPlan.Issuer(
                accessTokenIssuer: environment.issuer, jwtSVIDIssuer: configuration.spiffe.jwtIssuer,
                trustDomain: configuration.trustDomain))
        DiscoveryRoutes(service: discovery, maximumBodySize: limit).register(in: admin)
        let posture = postureAndConsole(environment, router: router, admin: admin)
        let responder = try ResponseEngine(
            repository: database.responses, identities: identities, tasks: tasks, leases: database.tasks,
            assessor: environment.risk, audit: audit, clock: clock, logger: environment.logger,
            directory: configuration.policyDirectory)
        environment.risk.setSignalHandler { signals, identity, time in
            Task { await responder.respond(toSignals: signals, identity: identity, at: time) }
        }
        ResponseRoutes(engine: responder, maximumBodySize: limit).register(in: admin)
        let risk =
            configuration.risk.enabled
            ? RiskRefresher(
                posture: posture, assessor: environment.risk, responder: responder,
                interval: .milliseconds(Int64(configuration.risk.refreshInterval * 1000)), logger: environment.logger)
            : nil
        return (tasks, exceptions, secrets, discovery, risk, posture)
    }

    /// Posture (findings, evidence, reports) and the web console.
    private static func postureAndConsole(
        _ environment: ServerEnvironment, router: Router<TesseraRequestContext>, admin: RouterGroup<AdminRequestContext>
    ) -> PostureService {
        let database = environment.database
        // Posture's digest cache: next to the SQLite file, or in the data folder per PostgreSQL endpoint and schema.
        let digestPath = PostureEngine.digestPath(for: database, dataDirectory: environment.configuration.dataDirectory)
        let latestFindings = LatestFindings()
        let posture = PostureService(
            database: database, audit: environment.audit, clock: environment.clock, schema: DefaultPolicies.schema,
            maximumTokenTTL: environment.configuration.maximumTokenTTL, digestPath: digestPath,
            departedOwners: environment.departedOwners, latestFindings: latestFindings,
            discovery: environment.configuration.discovery)
        PostureRoutes(service: posture, maximumBodySize: environment.maximumBodySize).register(in: admin)
        ConsoleRoutes(
            storage: database, identities: environment.inventory, trustDomain: environment.configuration.trustDomain,
            clock: environment.clock, findings: latestFindings
        ).register(public: router, admin: admin)
        return posture
    }
}
