import Foundation
import NIOSSL
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
    /// Encryption of the connections (`sslmode`).
    public let tls: PostgresTLSMode

    public init(
        host: String, port: Int, username: String, password: String?, database: String, schema: String? = nil,
        maximumConnections: Int = 16, tls: PostgresTLSMode = .prefer
    ) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
        self.schema = schema
        self.maximumConnections = maximumConnections
        self.tls = tls
    }

    /// Parses `postgres://user:password@host:port/database[?schema=name&sslmode=mode&sslrootcert=file]` (or
    /// `postgresql://`); the password may be absent. `schema` (lowercase letters, digits, `_`) puts Tessera's
    /// tables in that existing schema; `sslmode` is `disable`, `prefer` (default), `require` or `verify-full`
    /// (with `sslrootcert`, a PEM file of trusted roots; else the system's).
    public init(url text: String) throws(StoreError) {
        guard let url = URLComponents(string: text), url.scheme == "postgres" || url.scheme == "postgresql",
            let host = url.host, !host.isEmpty, let user = url.user, !user.isEmpty
        else { throw StoreError(.unavailable, "expected a storage URL postgres://user:password@host:port/database") }
        var parameters: [String: String] = [:]
        for item in url.queryItems ?? [] {
            guard ["schema", "sslmode", "sslrootcert"].contains(item.name), let value = item.value, !value.isEmpty,
                parameters[item.name] == nil
            else {
                throw StoreError(.unavailable, "the storage URL accepts once each: schema, sslmode, sslrootcert")
            }
            parameters[item.name] = value
        }
        if let schema = parameters["schema"], !Self.isPlainIdentifier(schema) {
            throw StoreError(.unavailable, "schema must be lowercase letters, digits and _")
        }
        let tls = try PostgresTLSMode(sslmode: parameters["sslmode"], rootCertificates: parameters["sslrootcert"])
        let path = url.path.hasPrefix("/") ? String(url.path.dropFirst()) : url.path
        self.init(
            host: host, port: url.port ?? 5432, username: user.removingPercentEncoding ?? user,
            password: url.password.map { $0.removingPercentEncoding ?? $0 },
            database: path.isEmpty ? "postgres" : path, schema: parameters["schema"], tls: tls)
    }

    /// A schema name safe as-is in `search_path`: `[a-z_][a-z0-9_]*`, at most 63 bytes.
    static func isPlainIdentifier(_ name: String) -> Bool {
        guard let first = name.utf8.first, name.utf8.count <= 63, first == UInt8(ascii: "_") || (97...122).contains(first)
        else { return false }
        return name.utf8.allSatisfy { $0 == UInt8(ascii: "_") || (97...122).contains($0) || (48...57).contains($0) }
    }

    /// The same endpoint with `password` (when the URL carried none, e.g. it comes from the environment).
    public func with(password: String?) -> PostgresEndpoint {
        PostgresEndpoint(
            host: host, port: port, username: username, password: password, database: database, schema: schema,
            maximumConnections: maximumConnections, tls: tls)
    }

    public var description: String {
        "postgres://\(username)@\(host):\(port)/\(database)" + (schema.map { "?schema=\($0)" } ?? "")
    }
}

extension PostgresEndpoint {
    var clientConfiguration: PostgresClient.Configuration {
        // `prefer` falls back to plain TCP; the other modes with TLS settings refuse a server without TLS.
        let tls: PostgresClient.Configuration.TLS =
            self.tls.tlsConfiguration.map { self.tls == .prefer ? .prefer($0) : .require($0) } ?? .disable
        var configuration = PostgresClient.Configuration(
            host: host, port: port, username: username, password: password, database: database, tls: tls)
        configuration.options.maximumConnections = maximumConnections
        configuration.options.connectTimeout = .seconds(5)
        configuration.options.additionalStartupParameters = startupParameters
        return configuration
    }

    /// The schema, and a server-side backstop for a client that froze inside a transaction: PostgreSQL ends the
    /// session (and releases its locks, e.g. the audit chain's) after a minute idle in a transaction.
    var startupParameters: [(String, String)] {
        [("idle_in_transaction_session_timeout", "60s")] + (schema.map { [("search_path", $0)] } ?? [])
    }

    /// A single connection's settings; throws when the TLS settings cannot be loaded (e.g. a bad root file).
    func connectionConfiguration() throws(StoreError) -> PostgresConnection.Configuration {
        let tls: PostgresConnection.Configuration.TLS
        do {
            let context = try self.tls.tlsConfiguration.map { try NIOSSLContext(configuration: $0) }
            tls = context.map { self.tls == .prefer ? .prefer($0) : .require($0) } ?? .disable
        } catch {
            throw StoreError(.unavailable, "the TLS settings of \(self) cannot be loaded")
        }
        var configuration = PostgresConnection.Configuration(
            host: host, port: port, username: username, password: password, database: database, tls: tls)
        configuration.options.connectTimeout = .seconds(5)
        configuration.options.additionalStartupParameters = startupParameters
        return configuration
    }
}
