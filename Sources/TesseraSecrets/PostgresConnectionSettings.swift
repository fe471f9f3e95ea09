import Foundation

/// Where the managed PostgreSQL server is, parsed from `postgres://user:password@host:port/database`.
/// The password is kept out of `description`.
public struct PostgresConnectionSettings: Sendable, CustomStringConvertible {
    public let host: String
    public let port: Int
    public let username: String
    public let password: String?
    public let database: String
    /// Encryption of the admin connection (`?sslmode=...&sslrootcert=...`).
    public let tls: PostgresAdminTLS

    /// Parses `postgres://user:password@host:port/database[?sslmode=mode&sslrootcert=file]`; without `sslmode`,
    /// TLS is required unless the host is loopback.
    public init(url text: String) throws(SecretsError) {
        guard let url = URLComponents(string: text), url.scheme == "postgres" || url.scheme == "postgresql",
            let host = url.host, !host.isEmpty, let user = url.user, !user.isEmpty
        else { throw SecretsError(.configuration, "expected postgres://user:password@host:port/database") }
        self.host = host
        self.port = url.port ?? 5432
        self.username = user.removingPercentEncoding ?? user
        self.password = url.password.map { $0.removingPercentEncoding ?? $0 }
        let path = url.path.hasPrefix("/") ? String(url.path.dropFirst()) : url.path
        self.database = path.isEmpty ? "postgres" : path
        var parameters: [String: String] = [:]
        for item in url.queryItems ?? [] {
            guard ["sslmode", "sslrootcert"].contains(item.name), let value = item.value, !value.isEmpty,
                parameters[item.name] == nil
            else { throw SecretsError(.configuration, "the PostgreSQL URL accepts once each: sslmode, sslrootcert") }
            parameters[item.name] = value
        }
        self.tls = try PostgresAdminTLS(sslmode: parameters["sslmode"], rootCertificates: parameters["sslrootcert"], host: host)
    }

    public var description: String { "postgres://\(username)@\(host):\(port)/\(database)" }
}

/// The dynamic PostgreSQL secrets engine's settings: where the server is and which roles it may create.
public struct PostgresSecretsConfiguration: Sendable {
    public let settings: PostgresConnectionSettings
    public let templates: [String: PostgresRoleTemplate]

    public init(settings: PostgresConnectionSettings, templates: [String: PostgresRoleTemplate]) {
        self.settings = settings
        self.templates = templates
    }
}
