import ServiceLifecycle
import TesseraAudit

/// Where Tessera keeps its state: every repository, the audit chain's store, and a readiness probe.
///
/// Two engines: `SQLiteStorage` (embedded SQLite in a data folder, the default) and `PostgresStorage`
/// (PostgreSQL shared by several servers). Code that only needs repositories takes `any TesseraStorage`.
public protocol TesseraStorage: Sendable {
    /// A short name of the engine for logs and problems: `sqlite` or `postgresql`.
    var engine: String { get }
    var identities: any IdentityRepository { get }
    var signingKeys: any SigningKeyRepository { get }
    var adminTokens: any AdminTokenRepository { get }
    var tokenState: any TokenStateRepository { get }
    var tasks: any TaskRepository { get }
    var exceptions: any ExceptionRepository { get }
    var toolCatalogues: any ToolCatalogueRepository { get }
    /// Identities found outside Tessera, and the discovery runs.
    var discovery: any DiscoveryRepository { get }
    /// Automated responses and their holds.
    var responses: any ResponseRepository { get }
    var metadata: any MetadataRepository { get }
    var spiffe: any SPIFFERepository { get }
    var trustedIssuers: any TrustedIssuerRepository { get }
    var posture: any PostureRepository { get }
    /// The audit sinks' outbox: a delivered cursor and a delivery lease per sink.
    var auditSinks: any AuditSinkCursorRepository { get }
    /// The store of the hash-chained audit log.
    var audit: any AuditRecordStore { get }
    /// The web console's paged reads (inventory, audit timeline).
    var console: any ConsoleReader { get }
    /// Posture's raw reads of the audit log (the digest and evidence reports).
    var postureAudit: PostureAuditReader { get }
    /// Posture's reads of the inventory (only the columns the detectors use).
    var postureInventory: PostureInventoryReader { get }
    /// A trivial read: throws when the storage cannot answer (readiness checks).
    func ping() async throws
    /// Runs `body` while no other server sharing this storage runs its own: first-start creation of keys, CA and
    /// the bootstrap admin token, and CA rotation, so servers starting at once end with one set. Errors `body`
    /// throws pass through unchanged. A no-op wrapper for storage a single server owns (SQLite).
    func withBootstrapLock<T: Sendable>(_ body: () async throws -> T) async throws -> T
    /// A service for the server's group that closes this storage when the group ends (graceful shutdown or
    /// cancellation), after every service started later; `nil` when there is nothing to close.
    var closingService: (any Service)? { get }
    /// The database file, for storage kept in one file a single server owns (SQLite): derived caches such as
    /// posture's digest live next to it. `nil` otherwise.
    var databaseFile: String? { get }
    /// The PostgreSQL server, for storage several Tessera servers share: they tell each other about changes over
    /// it and key their local caches by it. `nil` for storage a single server owns.
    var sharedEndpoint: PostgresEndpoint? { get }
    /// Where single-use keys (assertion and DPoP proof `jti`s) are claimed once for every server sharing this
    /// storage; `nil` when one server owns it and its in-memory replay cache is enough.
    var sharedReplayStore: (any TokenStateRepository)? { get }
    /// Time this server's audit appends waited for other servers appending to the same chain (PostgreSQL); `nil`
    /// for storage a single server owns.
    var auditChainWaits: AuditChainWaits? { get }
}

extension TesseraStorage {
    public var closingService: (any Service)? { nil }
    public var databaseFile: String? { nil }
    public var sharedEndpoint: PostgresEndpoint? { nil }
    public var sharedReplayStore: (any TokenStateRepository)? { nil }
    public var auditChainWaits: AuditChainWaits? { nil }

    /// Runs `body` directly: storage only one server uses needs no coordination.
    public func withBootstrapLock<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        try await body()
    }
}
