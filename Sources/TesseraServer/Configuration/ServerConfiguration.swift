import Foundation
import TesseraAudit
import TesseraSecrets
import TesseraStore

/// Settings of one `tessera server` process. Defaults are the safe ones.
public struct ServerConfiguration: Sendable {
    /// Address to bind; loopback by default.
    public var host: String = "127.0.0.1"
    /// Port to bind; 0 picks a free one (tests).
    public var port: Int = 8443
    /// Folder holding the SQLite database.
    public var dataDirectory: String = ".tessera"
    /// PostgreSQL storage shared by several servers (`postgres://user:password@host:port/database`); nil keeps
    /// the embedded SQLite database in `dataDirectory`.
    public var storage: String?
    /// The PostgreSQL password when `storage` has none (kept out of URLs, files and process lists).
    public var storagePassword: String?
    /// The audit chain this server appends to on PostgreSQL (`--audit-chain`); nil is the host name. Servers with
    /// different chains append without waiting for each other; SQLite has one chain and ignores it.
    public var auditChain: String?
    /// The SPIFFE trust domain this server is authoritative for.
    public var trustDomain: String = "example.org"
    /// The OAuth issuer identifier. Defaults to `http://HOST:PORT` once the port is known.
    public var issuer: String?
    /// Audience of tokens when the client names none. Defaults to the issuer.
    public var defaultAudience: String?
    /// Further audiences that name Tessera itself on its resource routes (`/v1/authorize/*`, `/v1/approvals/{id}`,
    /// `/v1/secrets/*`); the issuer always does. Tokens for any other audience are refused there.
    public var resourceIdentifiers: [String] = []
    /// Access-token lifetime when the identity sets none (seconds).
    public var defaultTokenTTL: Int = 300
    /// Hard upper bound on any access-token lifetime (seconds).
    public var maximumTokenTTL: Int = 3600
    /// Dynamic PostgreSQL credentials (legacy systems), when configured.
    public var postgresSecrets: PostgresSecretsConfiguration?
    /// Hard upper bound on a task's lifetime (seconds).
    public var maximumTaskTTL: Int = 86_400
    /// Hard upper bound on a policy exception's lifetime (seconds); every exception must expire by then.
    public var maximumExceptionTTL: Int = 30 * 86_400
    /// Most AI-agent tool calls authorized in one task.
    public var toolCallBudget: Int = 1000
    /// Most AI-agent tool calls authorized per task per minute.
    public var toolCallsPerMinute: Int = 120
    /// How long a tool-call approval request (and the approval) stays usable, in seconds.
    public var toolApprovalTTL: Int = 900
    /// Client assertions may expire at most this far in the future (seconds).
    public var maximumAssertionLifetime: Int = 300
    /// Tolerated clock difference with clients (seconds); bounded to 0...120.
    public var clockSkew: Int = 30
    /// Largest request body accepted (bytes).
    public var maximumBodySize: Int = 64 * 1024
    /// Folder of Cedar policies (`*.cedar`, optional schema and `entities.json`), watched and hot-reloaded.
    /// `nil` uses the built-in default policies (`policies/default`).
    public var policyDirectory: String?
    /// Development mode: permits a generated KEK in the data folder.
    public var developmentMode: Bool = false
    /// Algorithms and rotation of the JWT signing keys (access tokens, JWT-SVIDs).
    public var signingKeys = SigningKeyConfiguration()
    /// Workload identity (SPIFFE CA, SVIDs, agents, federation).
    public var spiffe = SPIFFEConfiguration()
    /// Token exchange, trusted issuers, DPoP and human sessions (docs/federation.md).
    public var federation = FederationConfiguration()
    /// PEM certificate chain of the HTTPS listener (mTLS client authentication, RFC 8705). With `tlsKeyPath`,
    /// the same routes are also served over TLS on `tlsPort`.
    public var tlsCertificatePath: String?
    /// PEM private key of the HTTPS listener.
    public var tlsKeyPath: String?
    /// Port of the HTTPS listener; 0 picks a free one (tests).
    public var tlsPort: Int = 8444
    /// Read deadlines and per-source connection cap of the HTTP listeners, and refusal aggregation (docs/threat-model.md).
    public var listener = ListenerConfiguration()
    /// Signed audit checkpoints: interval and the sinks outside the database (docs/threat-model.md).
    public var auditCheckpoints = AuditCheckpointConfiguration()
    /// Scheduled discovery sources and the thresholds for discovered identities.
    public var discovery = DiscoveryConfiguration()
    /// Audit sinks: every record streamed to syslog, webhooks or files through a durable outbox (docs/sinks.md).
    public var sinks = AuditSinkConfiguration()
    /// Risk in every decision: open findings and request signals (docs/risk.md).
    public var risk = RiskConfiguration()

    /// Whether the HTTPS (mTLS) listener is configured.
    public var tlsEnabled: Bool { tlsCertificatePath != nil && tlsKeyPath != nil }

    public init() {}

    /// The issuer for a server bound to `port`.
    public func resolvedIssuer(port: Int) -> String {
        if let issuer { return issuer.hasSuffix("/") ? String(issuer.dropLast()) : issuer }
        let host = self.host.contains(":") ? "[\(self.host)]" : self.host
        return "http://\(host):\(port)"
    }

    /// Checks the settings; the returned messages explain what to change.
    public func validate() throws(ServerError) {
        if let storage {
            do {
                _ = try PostgresEndpoint(url: storage)
            } catch {
                throw ServerError(.configuration, "storage: \(error.reason)")
            }
        }
        if let auditChain, !AuditRecord.isValidChainName(auditChain) {
            throw ServerError(.configuration, "--audit-chain must be 1-64 letters, digits, '.', '_' or '-'")
        }
        guard (0...65535).contains(port) else { throw ServerError(.configuration, "port must be 0...65535") }
        guard (tlsCertificatePath == nil) == (tlsKeyPath == nil) else {
            throw ServerError(.configuration, "TLS needs both a certificate (--tls-cert) and a key (--tls-key)")
        }
        guard (0...65535).contains(tlsPort) else { throw ServerError(.configuration, "TLS port must be 0...65535") }
        if let issuer {
            try IssuerURL.validate(issuer.hasSuffix("/") ? String(issuer.dropLast()) : issuer, what: "issuer (--issuer)")
        }
        try listener.validate()
        try signingKeys.validate()
        try spiffe.validate(issuer: issuer.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 })
        try auditCheckpoints.validate()
        try discovery.validate()
        try risk.validate()
        guard defaultTokenTTL >= 1, defaultTokenTTL <= maximumTokenTTL else {
            throw ServerError(.configuration, "default token TTL must be between 1 and the maximum token TTL")
        }
        guard maximumTokenTTL <= 86_400 else {
            throw ServerError(.configuration, "maximum token TTL above 24 hours is not allowed: tokens must be short-lived")
        }
        guard (10...900).contains(maximumAssertionLifetime) else {
            throw ServerError(.configuration, "maximum assertion lifetime must be 10...900 seconds")
        }
        guard (60...(30 * 86_400)).contains(maximumTaskTTL) else {
            throw ServerError(.configuration, "maximum task TTL must be 60 seconds...30 days")
        }
        guard (60...(365 * 86_400)).contains(maximumExceptionTTL) else {
            throw ServerError(.configuration, "maximum exception TTL must be 60 seconds...365 days: exceptions always expire")
        }
        guard toolCallBudget >= 1, toolCallsPerMinute >= 1, (10...86_400).contains(toolApprovalTTL) else {
            throw ServerError(.configuration, "tool-call budget and rate must be at least 1, approval TTL 10 s...1 day")
        }
        guard (0...120).contains(clockSkew) else { throw ServerError(.configuration, "clock skew must be 0...120 seconds") }
        guard (1024...(4 * 1024 * 1024)).contains(maximumBodySize) else {
            throw ServerError(.configuration, "maximum body size must be 1 KiB...4 MiB")
        }
    }
}
