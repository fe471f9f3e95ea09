import Foundation
import PostgresNIO

/// Where the PostgreSQL storage lives: server, role and database, and optionally the schema Tessera's tables
/// are in (`search_path`; tests give every case a schema of its own). The password never appears in
/// `description`.
public struct PostgresEndpoint: Sendable, CustomStringConvertible {
    public let host: String
    public let port: Int
    public let username: String
    public let password: String?
    public let database: String
    /// The schema for Tessera's tables; nil uses the role's default `search_path` (normally `public`).
    public let schema: String?
    /// Most connections the pool opens (per server).
    public let maximumConnections: Int

    public init(
        host: String, port: Int, username: String, password: String?, database: String, schema: String? = nil,
        maximumConnections: Int = 16
    ) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
        self.schema = schema
        self.maximumConnections = maximumConnections
    }

    /// Parses `postgres://user:password@host:port/database` (or `postgresql://`); the password may be absent.
    public init(url text: String, schema: String? = nil) throws(StoreError) {
        guard let url = URLComponents(string: text), url.scheme == "postgres" || url.scheme == "postgresql",
            let host = url.host, !host.isEmpty, let user = url.user, !user.isEmpty
        else { throw StoreError(.unavailable, "expected a storage URL postgres://user:password@host:port/database") }
        let path = url.path.hasPrefix("/") ? String(url.path.dropFirst()) : url.path
        self.init(
            host: host, port: url.port ?? 5432, username: user.removingPercentEncoding ?? user,
            password: url.password.map { $0.removingPercentEncoding ?? $0 },
            database: path.isEmpty ? "postgres" : path, schema: schema)
    }

    public var description: String { "postgres://\(username)@\(host):\(port)/\(database)" }
}

extension PostgresEndpoint {
    var clientConfiguration: PostgresClient.Configuration {
        var configuration = PostgresClient.Configuration(
            host: host, port: port, username: username, password: password, database: database, tls: .disable)
        configuration.options.maximumConnections = maximumConnections
        if let schema { configuration.options.additionalStartupParameters = [("search_path", schema)] }
        return configuration
    }

    var connectionConfiguration: PostgresConnection.Configuration {
        var configuration = PostgresConnection.Configuration(
            host: host, port: port, username: username, password: password, database: database, tls: .disable)
        if let schema { configuration.options.additionalStartupParameters = [("search_path", schema)] }
        return configuration
    }
}
