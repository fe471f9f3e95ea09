import Logging
import NIOSSL
import PostgresNIO

extension PostgresConnectionSettings {
    /// The same server with `password` instead of the URL's (a password read from a file or the environment).
    public func replacingPassword(_ password: String?) -> PostgresConnectionSettings {
        PostgresConnectionSettings(
            host: host, port: port, username: username, password: password, database: database, tls: tls)
    }

    init(host: String, port: Int, username: String, password: String?, database: String, tls: PostgresAdminTLS) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
        self.tls = tls
    }

    /// Opens one connection with these settings' TLS mode. Errors name the server, never the password.
    public func connect(id: Int = 1, logger: Logger) async throws -> PostgresConnection {
        let mode: PostgresConnection.Configuration.TLS
        do {
            switch (tls, try tls.tlsConfiguration.map { try NIOSSLContext(configuration: $0) }) {
            case (.prefer, let context?): mode = .prefer(context)
            case (_, let context?): mode = .require(context)
            case (_, nil): mode = .disable
            }
        } catch {
            throw SecretsError(.configuration, "TLS settings for \(self) are not usable")
        }
        let configuration = PostgresConnection.Configuration(
            host: host, port: port, username: username, password: password, database: database, tls: mode)
        return try await PostgresConnection.connect(configuration: configuration, id: id, logger: logger)
    }
}
