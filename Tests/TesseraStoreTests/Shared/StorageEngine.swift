import Foundation
import Logging
import PostgresNIO
import Synchronization
import TesseraAudit
import TesseraCore
import TesseraTestSupport
import Testing

@testable import TesseraStore

/// The engines the shared store suite runs on. Every contract test takes one as its argument.
enum StorageEngine: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite
    case postgresql

    var testDescription: String { rawValue }

    /// The engines the contract tests run on: SQLite always, PostgreSQL when the test cluster is there or required
    /// (`PostgresTestCluster`; `PostgreSQLVariantTests` reports the skip).
    static var testedEngines: [StorageEngine] { PostgresTestCluster.runs ? allCases : [.sqlite] }

    /// Fresh, empty storage on this engine: a temporary folder (SQLite), or a schema of its own in the test
    /// cluster's `tessera` database (PostgreSQL). The PostgreSQL variant fails, not skips, without a cluster.
    func open() async throws -> StorageFixture {
        switch self {
        case .sqlite:
            let directory = NSTemporaryDirectory() + "tessera-shared-" + UUID().uuidString
            return StorageFixture(engine: self, location: .folder(directory), primary: try SQLiteStorage(directory: directory))
        case .postgresql:
            let endpoint = try Self.testEndpoint(
                schema: "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased())
            try await Self.admin(endpoint) { connection, logger in
                try await connection.query(PostgresQuery(unsafeSQL: "CREATE SCHEMA \(endpoint.schema!)"), logger: logger)
            }
            return StorageFixture(engine: self, location: .schema(endpoint), primary: try await PostgresStorage.connect(endpoint))
        }
    }

    /// The test cluster (scripts/test sets TESSERA_TEST_POSTGRES_URL), database `tessera`.
    static func testEndpoint(schema: String?) throws -> PostgresEndpoint {
        guard let url = ProcessInfo.processInfo.environment["TESSERA_TEST_POSTGRES_URL"] else {
            throw StoreError(
                .unavailable,
                "TESSERA_TEST_POSTGRES_URL is not set: the PostgreSQL variant needs the test cluster (run scripts/test, "
                    + "or eval \"$(scripts/postgres-test-server | sed 's/^/export /')\")")
        }
        let parsed = try PostgresEndpoint(url: url)
        return PostgresEndpoint(
            host: parsed.host, port: parsed.port, username: parsed.username, password: parsed.password,
            database: "tessera", schema: schema, maximumConnections: 8)
    }

    /// Runs `body` on a plain connection to the test database (schema set up and teardown).
    static func admin(
        _ endpoint: PostgresEndpoint, _ body: (PostgresConnection, Logger) async throws -> Void
    ) async throws {
        let logger = Logger(label: "test.admin")
        let plain = PostgresEndpoint(
            host: endpoint.host, port: endpoint.port, username: endpoint.username, password: endpoint.password,
            database: endpoint.database)
        let connection = try await PostgresConnection.connect(
            configuration: try plain.connectionConfiguration(), id: 1, logger: logger)
        do {
            try await body(connection, logger)
        } catch {
            try? await connection.close()
            throw error
        }
        try await connection.close()
    }
}

/// Storage opened for one test, plus more stores on the same data (standing in for other servers).
final class StorageFixture: Sendable {
    enum Location: Sendable {
        case folder(String)
        case schema(PostgresEndpoint)
    }

    let engine: StorageEngine
    let location: Location
    let primary: any TesseraStorage
    private let others = Mutex<[any TesseraStorage]>([])

    init(engine: StorageEngine, location: Location, primary: any TesseraStorage) {
        self.engine = engine
        self.location = location
        self.primary = primary
    }

    /// Another store on the same database, as a second server would open it (appending to `auditChain` on
    /// PostgreSQL; the default is the host name, as a server's).
    func another(auditChain: String = PostgresStorage.defaultAuditChain) async throws -> any TesseraStorage {
        let storage: any TesseraStorage
        switch location {
        case .folder(let directory): storage = try SQLiteStorage(directory: directory)
        case .schema(let endpoint): storage = try await PostgresStorage.connect(endpoint, auditChain: auditChain)
        }
        others.withLock { $0.append(storage) }
        return storage
    }

    /// Closes the stores and removes the data.
    func tearDown() async {
        for storage in [primary] + others.withLock({ $0 }) {
            if let postgres = storage as? PostgresStorage { await postgres.close() }
        }
        switch location {
        case .folder(let directory): try? FileManager.default.removeItem(atPath: directory)
        case .schema(let endpoint):
            try? await StorageEngine.admin(endpoint) { connection, logger in
                try await connection.query(
                    PostgresQuery(unsafeSQL: "DROP SCHEMA \(endpoint.schema!) CASCADE"), logger: logger)
            }
        }
    }
}

/// Opens fresh storage on `engine`, runs `body` with it, and always tears it down.
func withStorage(
    _ engine: StorageEngine, _ body: (StorageFixture) async throws -> Void
) async throws {
    let fixture = try await engine.open()
    do {
        try await body(fixture)
    } catch {
        await fixture.tearDown()
        throw error
    }
    await fixture.tearDown()
}

/// A fixed instant the contract tests start from.
let storeEpoch = Date(timeIntervalSince1970: 1_800_000_000)

/// Writes leases the way the server does: as part of audit records (the store inserts them in the same
/// transaction).
func issueLeases(_ leases: [Lease], into storage: any TesseraStorage, at now: Date = storeEpoch) async throws {
    let log = try await AuditLog(store: storage.audit, clock: ManualTimeSource(now))
    for lease in leases {
        _ = try await log.append(AuditEvent(type: "test.lease", outcome: .success, subject: lease.subject, lease: lease))
    }
}

/// Makes the PostgreSQL variants' absence visible: skipped with the reason when there is no cluster.
@Suite(.needsPostgres) struct PostgreSQLVariantTests {
    @Test func theContractTestsRunOnPostgreSQL() {
        #expect(StorageEngine.testedEngines == StorageEngine.allCases)
    }
}
