import Foundation
import Logging
import PostgresNIO
import TesseraStore

/// A schema of its own in the test cluster's `tessera` database (scripts/postgres-test-server), for posture on
/// PostgreSQL storage; dropped by `drop()`.
struct PostureTestSchema: Sendable {
    let name: String
    /// The storage URL (`?schema=`), for `--storage`.
    let url: String
    /// The endpoint with the schema, for `PostgresStorage.connect`.
    let endpoint: PostgresEndpoint
    private let admin: PostgresEndpoint

    static func create() async throws -> PostureTestSchema {
        guard let url = ProcessInfo.processInfo.environment["TESSERA_TEST_POSTGRES_URL"] else {
            throw StoreError(.unavailable, "TESSERA_TEST_POSTGRES_URL is not set: run scripts/test (it starts PostgreSQL)")
        }
        let parsed = try PostgresEndpoint(url: url)
        let name = "pst_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        let admin = PostgresEndpoint(
            host: parsed.host, port: parsed.port, username: parsed.username, password: parsed.password, database: "tessera")
        try await Self.execute(admin, "CREATE SCHEMA \(name)")
        var components = URLComponents(string: url)!
        components.path = "/tessera"
        components.query = "schema=\(name)"
        let endpoint = PostgresEndpoint(
            host: parsed.host, port: parsed.port, username: parsed.username, password: parsed.password, database: "tessera",
            schema: name)
        return PostureTestSchema(name: name, url: components.string!, endpoint: endpoint, admin: admin)
    }

    func drop() async throws { try await Self.execute(admin, "DROP SCHEMA \(name) CASCADE") }

    private static func execute(_ endpoint: PostgresEndpoint, _ sql: String) async throws {
        let logger = Logger(label: "test.admin")
        let connection = try await PostgresConnection.connect(
            configuration: .init(
                host: endpoint.host, port: endpoint.port, username: endpoint.username, password: endpoint.password,
                database: endpoint.database, tls: .disable),
            id: 1, logger: logger)
        do {
            try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger)
        } catch {
            try? await connection.close()
            throw error
        }
        try await connection.close()
    }
}
