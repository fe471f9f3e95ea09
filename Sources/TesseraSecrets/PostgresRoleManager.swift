import Foundation
import Logging
import NIOSSL
import PostgresNIO
import Synchronization
import TesseraCore

/// Creates and drops per-task PostgreSQL roles: the governed way out for systems that only speak passwords.
public final class PostgresRoleManager: Sendable {
    /// Every managed role starts with this, so the sweeper can find roles left behind by a crash.
    public static let rolePrefix = "tsr_"

    public let settings: PostgresConnectionSettings
    public let templates: [String: PostgresRoleTemplate]
    private let logger: Logger
    /// Idle admin connections kept for the next operation (opening one costs a TCP and SCRAM handshake, most of a
    /// credential's cost), newest last, with when each was put back.
    private let idle = Mutex<[(connection: PostgresConnection, since: ContinuousClock.Instant)]>([])
    /// At most this many idle connections are kept; more concurrent operations open (and then close) their own.
    public let maximumIdle: Int
    /// An idle connection older than this is closed instead of reused (servers and middleboxes drop idle sessions).
    public let idleTimeout: Duration

    public init(
        settings: PostgresConnectionSettings, templates: [String: PostgresRoleTemplate], logger: Logger, maximumIdle: Int = 8,
        idleTimeout: Duration = .seconds(60)
    ) {
        self.settings = settings
        self.templates = templates
        // postgres-nio logs every statement's text at `trace`, and a template's statements carry the password (or its
        // verifier): this logger never goes below `debug` (attacker review).
        var logger = logger
        if logger.logLevel < .debug { logger.logLevel = .debug }
        self.logger = logger
        self.maximumIdle = maximumIdle
        self.idleTimeout = idleTimeout
    }

    deinit {
        // Idle sessions of a manager nobody shut down: close them, keeping each alive until its channel is closed.
        for (connection, _) in idle.withLock({ $0 }) {
            connection.close().whenComplete { _ in _ = connection }
        }
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
        // Statements that could change the session (SET ROLE, SET search_path, ...) leave it unfit for reuse.
        let sessionNeutral = statements.allSatisfy { statement in
            let head = statement.trimmingCharacters(in: .whitespacesAndNewlines).prefix(6).uppercased()
            return head == "CREATE" || head == "GRANT "
        }
        try await withConnection(reuse: sessionNeutral) { connection in
            // One statement is atomic on its own: one round trip. Several run in one transaction.
            if statements.count == 1 {
                do {
                    try await connection.query(PostgresQuery(unsafeSQL: statements[0]), logger: logger)
                } catch {
                    throw SecretsError(.backend, "PostgreSQL refused to create the role (check the template)")
                }
                return
            }
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

    /// The server process id of the session an operation would use now (tests of the pool).
    func backendPID() async throws -> Int32 {
        try await withConnection { connection in
            for try await pid in try await connection.query("SELECT pg_backend_pid()", logger: logger).decode(Int32.self) {
                return pid
            }
            return 0
        }
    }

    /// Idle connections held now.
    var idleCount: Int { idle.withLock { $0.count } }

    /// Closes the idle connections (a server shutting down).
    public func shutdown() async {
        let connections = idle.withLock { idle in
            defer { idle.removeAll() }
            return idle.map(\.connection)
        }
        for connection in connections { try? await connection.close() }
    }

    /// Runs `body` on an idle connection, or a new one. The connection goes back to the pool only when `body`
    /// succeeded (a failed statement may leave a session in any state), `reuse` allows it, and the pool has room.
    private func withConnection<T: Sendable>(reuse: Bool = true, _ body: (PostgresConnection) async throws -> T)
        async throws -> T
    {
        let connection = try await checkOut()
        let result: T
        do {
            result = try await body(connection)
        } catch {
            try? await connection.close()
            throw error
        }
        if !reuse {
            try? await connection.close()
        } else if let surplus = checkIn(connection) {
            try? await surplus.close()
        }
        return result
    }

    private func checkOut() async throws -> PostgresConnection {
        let now = ContinuousClock.now
        let (reusable, stale) = idle.withLock { idle -> (PostgresConnection?, [PostgresConnection]) in
            // One judgement per connection: `isClosed` can change between two looks, and a connection dropped from the
            // pool must also be closed.
            var stale: [PostgresConnection] = []
            var kept: [(connection: PostgresConnection, since: ContinuousClock.Instant)] = []
            for entry in idle {
                if entry.connection.isClosed || now - entry.since > idleTimeout {
                    stale.append(entry.connection)
                } else {
                    kept.append(entry)
                }
            }
            idle = kept
            return (idle.popLast()?.connection, stale)
        }
        for connection in stale { try? await connection.close() }
        if let reusable { return reusable }
        do {
            return try await settings.connect(logger: logger)
        } catch let error as SecretsError {
            throw error
        } catch {
            throw SecretsError(.backend, "cannot connect to \(settings)")
        }
    }

    /// Puts `connection` back; returns it when the pool is full (the caller closes it).
    private func checkIn(_ connection: PostgresConnection) -> PostgresConnection? {
        guard !connection.isClosed else { return nil }
        return idle.withLock { idle in
            guard idle.count < maximumIdle else { return connection }
            idle.append((connection, ContinuousClock.now))
            return nil
        }
    }
}
