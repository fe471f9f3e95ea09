import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle
import TesseraAudit

/// Tessera's state in PostgreSQL, shared by several servers.
///
/// One `PostgresPool` (postgres-nio's `PostgresClient`, at most `endpoint.maximumConnections` connections)
/// serves every repository and the audit store (`PostgresAuditRecordStore`: group commit writes one batch at
/// a time per server, serialised across servers by an advisory lock). The pool runs while anything holds it
/// (this object or a repository it handed out) or until `close()`. `connect` applies the migrations first.
public final class PostgresStorage: TesseraStorage {
    public let endpoint: PostgresEndpoint
    public let engine = "postgresql"
    let database: PostgresDatabase
    /// The audit chain this server appends to (`PostgresAuditRecordStore`).
    public let auditChain: String
    /// Time this server's audit appends waited for their chain's head row (other servers with the same chain name).
    public let auditChainWaits: AuditChainWaits? = AuditChainWaits()

    private init(endpoint: PostgresEndpoint, pool: PostgresPool, logger: Logger, auditChain: String) {
        self.endpoint = endpoint
        self.auditChain = auditChain
        database = PostgresDatabase(pool: pool, endpoint: endpoint, logger: logger)
    }

    /// The default audit chain of a server: its host name (`AuditRecord.chainName(from:)` makes it a valid name).
    public static var defaultAuditChain: String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count) == 0 else { return "tessera" }
        let host = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return AuditRecord.chainName(from: host)
    }

    /// Opens the pool (waiting at most `timeout` for the server to answer) and, unless `migrate` is false
    /// (read-only tools), migrates the schema (as long as that takes: a migration may wait for another server's).
    /// Audit records are appended to `auditChain` (see `PostgresAuditRecordStore`; a valid name, `AuditRecord`).
    public static func connect(
        _ endpoint: PostgresEndpoint, logger: Logger = Logger(label: "tessera.postgres"),
        timeout: Duration = .seconds(15), migrate: Bool = true, auditChain: String = defaultAuditChain
    ) async throws -> PostgresStorage {
        guard AuditRecord.isValidChainName(auditChain) else {
            throw StoreError(.invalidValue, "the audit chain name must be 1–64 letters, digits, '.', '_' or '-'")
        }
        let pool = PostgresPool(endpoint, logger: logger)
        let storage = PostgresStorage(endpoint: endpoint, pool: pool, logger: logger, auditChain: auditChain)
        do {
            // An unreachable server makes the pool wait for a connection indefinitely: at most `timeout` here.
            try await PostgresDeadline(leaseWait: timeout).run(on: pool.client, endpoint: endpoint) { _ in }
            if migrate {
                _ = try await pool.client.withConnection { connection in
                    try await PostgresMigrator.migrate(connection, logger: logger)
                }
            }
        } catch {
            await pool.shutdown()
            throw storage.database.storeError(error)
        }
        return storage
    }

    /// Closes the pool; every repository of this storage fails afterwards.
    public func close() async {
        await database.pool.shutdown()
    }

    /// The pool already serves (bootstrap reads and writes before the group starts); the group ends it, after every
    /// other service, waiting for the connections to close.
    public var closingService: (any Service)? { PostgresClosing(storage: self) }

    /// Shared by several servers: this endpoint carries their change events and keys their caches.
    public var sharedEndpoint: PostgresEndpoint? { endpoint }

    /// Replay keys are claimed in the database, once for every server.
    public var sharedReplayStore: (any TokenStateRepository)? { tokenState }

    /// Statements on the pool (every repository's executor).
    var sql: PostgresExecutor { PostgresExecutor(database: database) }

    public var identities: any IdentityRepository { SQLIdentityRepository(sql: sql) }
    public var signingKeys: any SigningKeyRepository { SQLSigningKeyRepository(sql: sql) }
    public var adminTokens: any AdminTokenRepository { SQLAdminTokenRepository(sql: sql) }
    public var tokenState: any TokenStateRepository { SQLTokenStateRepository(sql: sql) }
    public var tasks: any TaskRepository { SQLTaskRepository(sql: sql) }
    public var exceptions: any ExceptionRepository { SQLExceptionRepository(sql: sql) }
    public var toolCatalogues: any ToolCatalogueRepository { SQLToolCatalogueRepository(sql: sql) }
    public var discovery: any DiscoveryRepository { SQLDiscoveryRepository(sql: sql) }
    public var responses: any ResponseRepository { SQLResponseRepository(sql: sql) }
    public var metadata: any MetadataRepository { SQLMetadataRepository(sql: sql) }
    public var spiffe: any SPIFFERepository { SQLSPIFFERepository(sql: sql) }
    public var trustedIssuers: any TrustedIssuerRepository { SQLTrustedIssuerRepository(sql: sql) }
    public var auditSinks: any AuditSinkCursorRepository { SQLAuditSinkCursorRepository(sql: sql) }
    public var posture: any PostureRepository { SQLPostureRepository(sql: sql) }
    public var audit: any AuditRecordStore {
        PostgresAuditRecordStore(database: database, chain: auditChain, waits: auditChainWaits ?? AuditChainWaits())
    }
    public var console: any ConsoleReader { SQLConsoleReader(sql: sql, audit: audit) }
    /// Posture's reads, streamed from PostgreSQL.
    public var postureAudit: PostureAuditReader { PostureAuditReader(backend: .postgres(database)) }
    public var postureInventory: PostureInventoryReader { PostureInventoryReader(backend: .postgres(database)) }

    /// `SELECT 1` within the pool's limits (`PostgresDeadline`: seconds, less while PostgreSQL is known to be
    /// away), or a `StoreError`.
    public func ping() async throws {
        _ = try await sql.rows("SELECT 1")
    }

    /// The advisory-lock class of bootstrap and CA rotation ("tsbs" in ASCII); the second key is the schema's hash.
    static let bootstrapLockClass: Int32 = 0x7473_6273

    /// Holds a transaction-scoped advisory lock (class `tsbs`, per schema) on one connection while `body` runs on
    /// the pool's others; the lock goes with the transaction's end, or with the connection should this server
    /// die. A second server waits, then finds what the first one made.
    public func withBootstrapLock<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        let logger = database.logger
        let outcome: Result<T, any Error>
        do {
            outcome = try await database.client.withConnection { connection in
                try await connection.query("BEGIN", logger: logger)
                do {
                    try await connection.query(
                        "SELECT pg_advisory_xact_lock(\(Self.bootstrapLockClass), hashtext(current_schema()))", logger: logger)
                } catch {
                    await connection.rollbackOrClose(logger: logger)
                    throw error
                }
                let outcome: Result<T, any Error>
                do {
                    outcome = .success(try await body())
                } catch {
                    outcome = .failure(error)
                }
                // Nothing was written on this connection: ending the transaction only releases the lock.
                await connection.rollbackOrClose(logger: logger)
                return outcome
            }
        } catch {
            throw database.storeError(error)
        }
        return try outcome.get()
    }

    /// Runs raw SQL; for tests that simulate tampering or inspect the schema.
    public func unsafeExecute(_ sql: String) async throws {
        try await self.sql.execute(SQL(raw: sql))
    }
}
