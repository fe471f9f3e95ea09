import ArgumentParser
import Foundation
import TesseraCrypto
import TesseraServer

/// Options shared by `server` and `dev`.
struct ServerOptions: ParsableArguments {
    @Option(help: "Address to listen on.")
    var host: String = "127.0.0.1"

    @Option(help: "Port to listen on (0 picks a free one).")
    var port: Int = 8443

    @Option(name: .customLong("data-dir"), help: "Folder for the SQLite database (and, in dev mode, the KEK and admin token).")
    var dataDir: String = ".tessera"

    @Option(
        help: """
            PostgreSQL storage shared by several servers: postgres://user@host:port/database (default: SQLite in \
            --data-dir). Env: TESSERA_STORAGE; the password may come from TESSERA_STORAGE_PASSWORD instead of the URL.
            """)
    var storage: String?

    @Option(name: .customLong("trust-domain"), help: "The SPIFFE trust domain this server is authoritative for.")
    var trustDomain: String = "example.org"

    @Option(help: "OAuth issuer URL (default http://HOST:PORT).")
    var issuer: String?

    @Option(
        name: .customLong("jwt-issuer"),
        help: ArgumentHelp(
            "Public issuer URL of JWT-SVIDs (https, or http on loopback), e.g. https://HOST:PORT/jwt-svid.",
            discussion: "JWT-SVIDs then carry it as iss, and the server serves its OIDC discovery document and keys at "
                + "/jwt-svid/.well-known/openid-configuration and /jwt-svid/keys (or publish them with tessera federation "
                + "publish), so AWS, GCP, Azure, Vault/OpenBao and Kubernetes can verify them. See docs/federation-out.md."))
    var jwtIssuer: String?

    @Option(name: .customLong("access-token-algorithm"), help: "Algorithm of new access-token signing keys: ES256 or RS256.")
    var accessTokenAlgorithm: String = "ES256"

    @Option(name: .customLong("jwt-svid-algorithm"), help: "Algorithm of new JWT-SVID signing keys: ES256 or RS256.")
    var jwtSVIDAlgorithm: String = "ES256"

    @Option(
        name: .customLong("key-prepublish"),
        help: ArgumentHelp(
            "Seconds a rotated signing key is published before it signs.",
            discussion: "Relying parties that cache key sets (up to 5 minutes from Tessera) then never meet an unknown kid. "
                + "Changing an algorithm option starts such a rotation at the next start."))
    var keyPrepublish: Int = 3600

    @Option(name: .customLong("default-audience"), help: "Token audience when a client names none (default: the issuer).")
    var defaultAudience: String?

    @Option(
        name: .customLong("resource-identifier"),
        help: ArgumentHelp(
            "Another audience that names Tessera's own resource routes (tool authorization, approvals, dynamic secrets).",
            discussion: "Repeatable. The issuer always does; tokens minted for any other audience are refused there."))
    var resourceIdentifiers: [String] = []

    @Option(name: .customLong("token-ttl"), help: "Default access-token lifetime in seconds.")
    var tokenTTL: Int = 300

    @Option(name: .customLong("max-token-ttl"), help: "Hard maximum access-token lifetime in seconds.")
    var maxTokenTTL: Int = 3600

    @Option(name: .customLong("clock-skew"), help: "Tolerated client clock skew in seconds (0...120).")
    var clockSkew: Int = 30

    @Option(
        name: .customLong("kek-file"),
        help: "File holding the 32-byte key-encryption key (base64 or hex). Env: TESSERA_KEK_FILE or TESSERA_KEK.")
    var kekFile: String?

    @Option(
        name: .customLong("policy-dir"), help: "Cedar policy folder, reloaded on change or SIGHUP (default: built-in policies).")
    var policyDir: String?

    @Option(
        name: .customLong("tls-cert"), help: "PEM certificate chain: also serve HTTPS with mTLS client authentication (RFC 8705)."
    )
    var tlsCert: String?

    @Option(name: .customLong("tls-key"), help: "PEM private key of the HTTPS listener.")
    var tlsKey: String?

    @Option(name: .customLong("tls-port"), help: "Port of the HTTPS listener (0 picks a free one).")
    var tlsPort: Int = 8444

    @Option(
        name: .customLong("metrics-listen"),
        help: ArgumentHelp(
            "Also serve GET /metrics without credentials on HOST:PORT (e.g. 127.0.0.1:9090), for Prometheus.",
            discussion: "Bind it to a private interface only: the metrics name identities' traffic and refusals. Without "
                + "this option /metrics is served on the main listener and needs an admin token."))
    var metricsListen: String?

    @Option(
        name: .customLong("bundle-endpoint-listen"),
        help: ArgumentHelp(
            "Also serve the SPIFFE bundle on HOST:PORT with the https_spiffe profile (e.g. 0.0.0.0:8445).",
            discussion: "The TLS server presents spiffe://<trust-domain>/tessera/bundle-endpoint, an X.509-SVID the server "
                + "issues itself and renews hourly. Federated domains configure https_spiffe with that SPIFFE ID and this "
                + "trust domain's bundle (tessera bundle show), obtained once out of band."))
    var bundleEndpointListen: String?

    @Option(
        name: .customLong("postgres-roles"),
        help: "JSON file of dynamic PostgreSQL role templates; needs TESSERA_DYNAMIC_POSTGRES_URL=postgres://admin:pw@host/db.")
    var postgresRoles: String?

    @Option(name: .customLong("max-task-ttl"), help: "Hard maximum task lifetime in seconds, renewals included.")
    var maxTaskTTL: Int = 86_400

    @Option(name: .customLong("max-exception-ttl"), help: "Hard maximum lifetime of a policy exception in seconds.")
    var maxExceptionTTL: Int = 30 * 86_400

    @OptionGroup var federation: FederationOptions

    @Option(
        name: .customLong("discover"),
        help: ArgumentHelp(
            "A source the server discovers on a schedule (repeatable); see docs/discovery.md.",
            discussion: """
                postgres://USER@HOST:PORT/DB?password_file=F, openbao+https://HOST:8200?token_file=F, \
                aws://REGION?endpoint_url=URL (credentials from AWS_* variables), host:///ROOT?name=NAME; each takes \
                every=DURATION (default 24h). Credentials come from files or the environment, never from this option.
                """))
    var discover: [String] = []

    @Option(
        name: .customLong("discovery-unused-days"),
        help: "Discovered identities with no recorded use for more whole days are unused.")
    var discoveryUnusedDays: Int = 90

    @Option(name: .customLong("credential-max-age-days"), help: "Discovered credentials older than this are long-lived.")
    var credentialMaxAgeDays: Int = 90

    @Option(name: .customLong("secret-rotation-days"), help: "Discovered static secrets unchanged for longer are unrotated.")
    var secretRotationDays: Int = 90

    @Flag(
        name: .customLong("no-risk-assessment"),
        help: "Decide without context.risk/signals from open findings and baselines (docs/risk.md); for measurements.")
    var noRiskAssessment = false

    @Option(
        name: .customLong("risk-refresh"),
        help: "Seconds between refreshes of the open findings risk uses (0.5...60): a new finding reaches decisions within it.")
    var riskRefresh: Double = 2

    @Option(name: .customLong("tool-call-budget"), help: "Most AI-agent tool calls authorized in one task.")
    var toolCallBudget: Int = 1000

    @Option(name: .customLong("tool-calls-per-minute"), help: "Most AI-agent tool calls authorized per task per minute.")
    var toolCallsPerMinute: Int = 120

    @Option(
        name: .customLong("sink"),
        help: ArgumentHelp(
            "Stream every audit record to this sink (repeatable); see docs/sinks.md.",
            discussion: """
                syslog+tcp://HOST:PORT, syslog+tls://HOST:PORT?ca_file=F, syslog+udp://HOST:PORT, \
                https://HOST/PATH?key_file=F (http:// only to loopback), file:///PATH; each takes format=tessera|ecs|hec, \
                types=PREFIX,PREFIX and name=NAME. Delivery is at least once, in chain order, from a cursor kept in storage.
                """))
    var sink: [String] = []

    @Option(
        name: .customLong("sink-max-lag"),
        help: "Records a sink may fall behind before it is reported lagging (sink.lagging record and metric).")
    var sinkMaxLag: Int = 1_000_000

    @Option(name: .customLong("log-format"), help: "text (default) or json (one object per line, with request ids).")
    var logFormat: String = "text"

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: String = "info"

    @Option(
        name: .customLong("audit-checkpoint-interval"),
        help: "Seconds between signed audit checkpoints (also written at clean shutdown; see docs/audit.md).")
    var auditCheckpointInterval: Int = 60

    @Option(
        name: .customLong("audit-checkpoint-file"),
        help: "Append each signed audit checkpoint to this file (JSON lines) for `tessera audit verify --checkpoint`.")
    var auditCheckpointFile: String?

    @Option(
        name: .customLong("audit-checkpoint-url"),
        help: "POST each signed audit checkpoint (JSON) to this http(s) URL, e.g. a witness outside the database.")
    var auditCheckpointURL: String?

    @Option(
        name: .customLong("audit-chain"),
        help: ArgumentHelp(
            "The audit chain this server appends to on PostgreSQL (default: TESSERA_AUDIT_CHAIN, else the host name).",
            discussion: "Each server appends to its own hash chain without waiting for the others; give every server "
                + "a stable name of its own (e.g. a StatefulSet pod name): servers sharing a name share one chain. "
                + "1-64 letters, digits, '.', '_' or '-'. SQLite has one chain and ignores it."))
    var auditChain: String?

    @Flag(
        name: .customLong("audit-accept-unkeyed-prefix"),
        help: ArgumentHelp(
            "Continue an audit chain whose newest record carries no MAC (a database written before keyed audit).",
            discussion: "Without it the server refuses to start on such a chain: a database writer without the KEK can "
                + "strip every key and MAC and re-chain the records. Verify first with tessera audit verify."))
    var auditAcceptUnkeyedPrefix = false

    func configuration(development: Bool) throws -> ServerConfiguration {
        var configuration = ServerConfiguration()
        for (name, value) in [("access-token-algorithm", accessTokenAlgorithm), ("jwt-svid-algorithm", jwtSVIDAlgorithm)] {
            guard let algorithm = JWSAlgorithm(rawValue: value.uppercased()), SigningKey.supportedAlgorithms.contains(algorithm)
            else { throw ValidationError("--\(name) must be ES256 or RS256") }
            if name == "access-token-algorithm" {
                configuration.signingKeys.accessTokenAlgorithm = algorithm
            } else {
                configuration.signingKeys.jwtSVIDAlgorithm = algorithm
            }
        }
        configuration.signingKeys.prepublish = keyPrepublish
        configuration.spiffe.jwtIssuer = jwtIssuer
        configuration.host = host
        configuration.port = port
        configuration.dataDirectory = dataDir
        let environment = ProcessInfo.processInfo.environment
        configuration.storage = storage ?? environment["TESSERA_STORAGE"].flatMap { $0.isEmpty ? nil : $0 }
        configuration.storagePassword = environment["TESSERA_STORAGE_PASSWORD"]
        configuration.auditChain = auditChain ?? environment["TESSERA_AUDIT_CHAIN"].flatMap { $0.isEmpty ? nil : $0 }
        configuration.trustDomain = trustDomain
        configuration.issuer = issuer
        configuration.defaultAudience = defaultAudience
        configuration.resourceIdentifiers = resourceIdentifiers
        configuration.defaultTokenTTL = tokenTTL
        configuration.maximumTokenTTL = maxTokenTTL
        configuration.clockSkew = clockSkew
        configuration.maximumTaskTTL = maxTaskTTL
        configuration.maximumExceptionTTL = maxExceptionTTL
        configuration.toolCallBudget = toolCallBudget
        configuration.toolCallsPerMinute = toolCallsPerMinute
        configuration.policyDirectory = policyDir
        configuration.tlsCertificatePath = tlsCert
        configuration.tlsKeyPath = tlsKey
        configuration.tlsPort = tlsPort
        configuration.listener.metricsListen = metricsListen
        configuration.listener.bundleEndpointListen = bundleEndpointListen
        configuration.developmentMode = development
        configuration.auditCheckpoints.interval = auditCheckpointInterval
        configuration.auditCheckpoints.file = auditCheckpointFile
        configuration.auditCheckpoints.url = auditCheckpointURL
        configuration.auditCheckpoints.acceptUnkeyedPrefix = auditAcceptUnkeyedPrefix
        configuration.discovery.sources = discover
        configuration.discovery.unusedDays = discoveryUnusedDays
        configuration.discovery.credentialMaximumAgeDays = credentialMaxAgeDays
        configuration.discovery.secretRotationDays = secretRotationDays
        configuration.sinks.urls = sink
        configuration.sinks.maximumLag = sinkMaxLag
        configuration.risk.enabled = !noRiskAssessment
        configuration.risk.refreshInterval = riskRefresh
        return configuration
    }
}
