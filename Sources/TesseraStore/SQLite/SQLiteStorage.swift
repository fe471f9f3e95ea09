import Foundation
import GRDB
import TesseraAudit

/// The embedded SQLite database in a data folder: WAL, `synchronous = FULL`, migrated on open.
public final class SQLiteStorage: TesseraStorage {
    /// The file name inside the data folder.
    public static let fileName = "tessera.sqlite"

    let pool: DatabasePool
    /// The connection `lookup`s read on (never one of the pool's readers).
    let lookups: SQLiteLookupConnection
    public let path: String
    public let engine = "sqlite"
    public var databaseFile: String? { path }

    /// Bytes the write-ahead log is truncated to when it is reset (`PRAGMA journal_size_limit`).
    static let walSizeLimit = 64 << 20

    /// Opens (creating if needed) the database in `directory`.
    ///
    /// Refuses a file that is not a Tessera database or that fails SQLite's integrity check, without touching it.
    public init(directory: String) throws {
        try FileManager.default.createDirectory(
            atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        path = (directory as NSString).appendingPathComponent(Self.fileName)
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.label = "tessera"
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
            try pool.writeWithoutTransaction { db in
                // GRDB sets NORMAL for WAL after prepareDatabase; durability needs FULL (fsync at commit).
                try db.execute(sql: "PRAGMA synchronous = FULL")
                // A write-ahead log grown by long reads (which keep it from being reset) is cut back to this
                // size at the next reset instead of keeping its largest size for good.
                try db.execute(sql: "PRAGMA journal_size_limit = \(Self.walSizeLimit)")
                let mode = try Int.fetchOne(db, sql: "PRAGMA synchronous")
                guard mode == 2 else { throw StoreError(.unavailable, "could not enable synchronous=FULL") }
                let check = try String.fetchOne(db, sql: "PRAGMA quick_check") ?? ""
                guard check == "ok" else {
                    throw StoreError(.corrupted, "database failed its integrity check: \(check.prefix(200))")
                }
            }
            try Self.migrator.migrate(pool)
            lookups = try SQLiteLookupConnection(path: path)
        } catch let error as StoreError {
            throw error
        } catch let error as DatabaseError {
            throw StoreError(.corrupted, "cannot open \(path): \(error.message ?? "SQLite error \(error.resultCode)")")
        }
        try? FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
    }

    /// `Schema.migrations`, then `SQLiteRoutines.migrations`, as GRDB applies them (each once, recorded in
    /// `grdb_migrations`).
    private static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        let migrations =
            Schema.migrations.map { ($0.id, Schema.statements(of: $0.statements, for: .sqlite)) } + SQLiteRoutines.migrations
        for (id, statements) in migrations {
            migrator.registerMigration(id) { db in
                for statement in statements { try db.execute(sql: statement) }
            }
        }
        return migrator
    }

    /// Statements on this database (every repository's executor).
    var sql: SQLiteExecutor { SQLiteExecutor(pool: pool, lookups: lookups) }

    /// All repositories backed by this database.
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
    public var console: any ConsoleReader { SQLConsoleReader(sql: sql) }
    public var audit: any AuditRecordStore { SQLiteAuditRecordStore(pool: pool) }
    public var postureAudit: PostureAuditReader { PostureAuditReader(backend: .sqlite(pool)) }
    public var postureInventory: PostureInventoryReader { PostureInventoryReader(backend: .sqlite(pool)) }

    /// Bulk writer for synthetic estates (benchmarks only).
    public var syntheticEstate: SyntheticEstateWriter { SyntheticEstateWriter(pool: pool) }

    /// A trivial read: throws when the database cannot answer (readiness checks).
    public func ping() async throws {
        _ = try await pool.read { db in try Int.fetchOne(db, sql: "SELECT 1") }
        // The request path's point reads have a connection of their own: it must answer too.
        _ = try await sql.lookup("SELECT 1 AS one")
    }

    /// Runs raw SQL; for tests that simulate tampering.
    public func unsafeExecute(_ sql: String) throws {
        try pool.write { db in try db.execute(sql: sql) }
    }
}
