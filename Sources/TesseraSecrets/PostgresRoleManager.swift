import Foundation
import Logging
import NIOSSL
import PostgresNIO
import TesseraCore

/// Creates and drops per-task PostgreSQL roles: the governed way out for systems that only speak passwords.
public final class PostgresRoleManager: Sendable {
    /// Every managed role starts with this, so the sweeper can find roles left behind by a crash.
    public static let rolePrefix = "tsr_"

    public let settings: PostgresConnectionSettings
    public let templates: [String: PostgresRoleTemplate]
    private let logger: Logger

    public init(settings: PostgresConnectionSettings, templates: [String: PostgresRoleTemplate], logger: Logger) {
        self.settings = settings
        self.templates = templates
        self.logger = logger
    }

    /// A credential handed out once: the caller must record its lease before returning it.
    public struct Credential: Sendable {
        public let username: String
        public let password: String
        public let expiresAt: Date
    }

    /// Creates a unique role from `template`, valid until `expiry` (capped by the template's maximum).
    public func create(template name: String, requestedExpiry: Date, now: Date) async throws -> Credential {
        guard let template = templates[name] else {
            throw SecretsError(.unknownRole, "no role template named \(name.prefix(64))")
        }
        let expiry = min(requestedExpiry, now.addingTimeInterval(TimeInterval(template.maxTTL)))
        let username = Self.rolePrefix + RandomToken.hex(bytes: 8)
        let password = RandomToken.base64URL(bytes: 24)
        let statements = try template.render(name: username, password: password, expiry: expiry)
        try await withConnection { connection in
            try await connection.query(PostgresQuery(unsafeSQL: "BEGIN"), logger: logger)
            do {
                for statement in statements {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await connection.query(PostgresQuery(unsafeSQL: "COMMIT"), logger: logger)
            } catch {
                _ = try? await connection.query(PostgresQuery(unsafeSQL: "ROLLBACK"), logger: logger)
                throw SecretsError(.backend, "PostgreSQL refused to create the role (check the template)")
            }
        }
        return Credential(username: username, password: password, expiresAt: expiry)
    }

    /// Refuses the role new logins, terminates its sessions and drops it (and what it owns). Dropping a missing role succeeds.
    public func drop(_ username: String) async throws {
        guard username.hasPrefix(Self.rolePrefix), username.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
            throw SecretsError(.configuration, "refusing to drop a role Tessera did not create")
        }
        let role = PostgresRoleTemplate.identifier(username)
        try await withConnection { connection in
            let exists =
                try await connection.query(
                    "SELECT 1 FROM pg_roles WHERE rolname = \(username)", logger: logger
                ).collect().count > 0
            guard exists else { return }
            // Close the door before emptying the room: pg_terminate_backend only signals, so without NOLOGIN first a
            // client could log in again between the termination and the DROP (seen on a loaded CI runner).
            try await connection.query(PostgresQuery(unsafeSQL: "ALTER ROLE \(role) NOLOGIN"), logger: logger)
            try await connection.query(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = \(username)", logger: logger)
            // Roles from templates normally own nothing; DROP OWNED needs membership, so it is best effort.
            _ = try? await connection.query(PostgresQuery(unsafeSQL: "DROP OWNED BY \(role)"), logger: logger)
            do {
                try await connection.query(PostgresQuery(unsafeSQL: "DROP ROLE IF EXISTS \(role)"), logger: logger)
            } catch {
                throw SecretsError(.backend, "PostgreSQL refused to drop role \(username) (does it own objects?)")
            }
        }
    }

    /// Moves a managed role's `VALID UNTIL` to `expiry` (an explicit lease renewal).
    public func extend(_ username: String, until expiry: Date) async throws {
        guard username.hasPrefix(Self.rolePrefix), username.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
            throw SecretsError(.configuration, "refusing to alter a role Tessera did not create")
        }
        let role = PostgresRoleTemplate.identifier(username)
        let until = PostgresRoleTemplate.literal(ISO8601.format(expiry))
        try await withConnection { connection in
            do {
                try await connection.query(PostgresQuery(unsafeSQL: "ALTER ROLE \(role) VALID UNTIL \(until)"), logger: logger)
            } catch {
                throw SecretsError(.backend, "PostgreSQL refused to extend role \(username)")
            }
        }
    }

    /// Every role on the server that carries Tessera's prefix.
    public func managedRoles() async throws -> [String] {
        try await withConnection { connection in
            var names: [String] = []
            let pattern = Self.rolePrefix + "%"
            for try await name in try await connection.query(
                "SELECT rolname FROM pg_roles WHERE rolname LIKE \(pattern)", logger: logger
            ).decode(String.self) {
                names.append(name)
            }
            return names
        }
    }

    /// Whether the admin connection is encrypted (`pg_stat_ssl`), for tests and diagnostics.
    func connectionIsEncrypted() async throws -> Bool {
        try await withConnection { connection in
            let rows = try await connection.query("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()", logger: logger)
            for try await (ssl) in rows.decode(Bool.self) { return ssl }
            return false
        }
    }

    private func withConnection<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        let connection: PostgresConnection
        do {
            connection = try await settings.connect(logger: logger)
        } catch let error as SecretsError {
            throw error
        } catch {
            throw SecretsError(.backend, "cannot connect to \(settings)")
        }
        do {
            let result = try await body(connection)
            try? await connection.close()
            return result
        } catch {
            try? await connection.close()
            throw error
        }
    }
}
