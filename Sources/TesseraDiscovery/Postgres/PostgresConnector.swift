import Foundation
import Logging
import PostgresNIO
import TesseraCore
import TesseraSecrets

/// Discovers a PostgreSQL server's login roles: attributes, whether a password is set and when it expires,
/// memberships, database and schema grants, connection limit, and the sessions open now (client address and
/// application, which shows interactive use of an application role).
///
/// External ids are `postgres://host:port/database#role`; the scope is `postgres://host:port/database`. Read-only:
/// no statement changes anything, and no password hash is ever selected.
public struct PostgresConnector: DiscoveryConnector {
    public let source = DiscoverySource.postgres
    public let settings: PostgresConnectionSettings
    let logger: Logger

    /// Applications whose sessions are a person at a console, not a service.
    static let interactiveApplications = ["psql", "pgadmin", "dbeaver", "datagrip", "pgcli", "navicat", "tableplus"]

    public init(settings: PostgresConnectionSettings, logger: Logger = Logger(label: "tessera.discovery.postgres")) {
        self.settings = settings
        self.logger = logger
    }

    public var scope: String { "postgres://\(settings.host):\(settings.port)/\(settings.database)" }

    public func discover(clock: any TimeSource) async throws -> DiscoverySnapshot {
        let started = clock.now()
        let connection = try await connect()
        var builder = SnapshotBuilder(source: source, scope: scope, startedAt: started)
        do {
            try await read(connection, into: &builder, now: started)
        } catch {
            try? await connection.close()
            throw (error as? DiscoveryError) ?? Self.translate(error, what: "the role catalogue")
        }
        // Closed before returning: a lingering session would show up as use of the discovery login on the next run.
        try? await connection.close()
        return builder.snapshot(finishedAt: clock.now())
    }

    private func connect() async throws -> PostgresConnection {
        do {
            return try await settings.connect(logger: logger)
        } catch let error as SecretsError {
            throw DiscoveryError(.invalidArgument, source: "postgres", error.reason)
        } catch {
            throw Self.translate(error, what: "\(scope) as \(settings.username)")
        }
    }

    private func read(_ connection: PostgresConnection, into builder: inout SnapshotBuilder, now: Date) async throws {
        let passwordReadable = try await flag(connection, PostgresDiscoveryQueries.canReadAuthID)
        let statsReadable = try await flag(connection, PostgresDiscoveryQueries.canReadAllStats)
        var roles: [PostgresRoleFacts] = []
        for try await row in try await connection.query(
            PostgresQuery(unsafeSQL: PostgresDiscoveryQueries.roles(withPasswordColumn: passwordReadable)), logger: logger)
        {
            roles.append(try PostgresRoleFacts(row.makeRandomAccess()))
        }
        var grants: [Int64: [String]] = [:]
        var privileged: [Int64: [String]] = [:]
        for try await row in try await connection.query(
            PostgresQuery(unsafeSQL: PostgresDiscoveryQueries.memberships), logger: logger)
        {
            let columns = row.makeRandomAccess()
            let member = try columns["member"].decode(Int64.self)
            let role = try columns["role"].decode(String.self)
            grants[member, default: []].append("member of \(role)")
            if try columns["superuser"].decode(Bool.self) {
                privileged[member, default: []].append("member of superuser role \(role)")
            } else if Self.powerfulPredefinedRoles.contains(role) {
                privileged[member, default: []].append("member of \(role)")
            }
        }
        for (query, kind) in [
            (PostgresDiscoveryQueries.databaseGrants, "database"), (PostgresDiscoveryQueries.schemaGrants, "schema"),
        ] {
            do {
                for try await row in try await connection.query(PostgresQuery(unsafeSQL: query), logger: logger) {
                    let columns = row.makeRandomAccess()
                    let grantee = try columns["grantee"].decode(Int64.self)
                    let object = try columns["object"].decode(String.self)
                    let privilege = try columns["privilege"].decode(String.self)
                    grants[grantee, default: []].append("\(privilege) on \(kind) \(object)")
                }
            } catch {
                builder.problem(
                    "postgres: cannot read \(kind) grants (\(Self.translate(error, what: kind).reason))",
                    affectsCompleteness: false)
            }
        }
        var sessions: [String: [PostgresSession]] = [:]
        for try await row in try await connection.query(
            PostgresQuery(unsafeSQL: PostgresDiscoveryQueries.sessions), logger: logger)
        {
            let session = try PostgresSession(row.makeRandomAccess())
            sessions[session.role, default: []].append(session)
        }
        for role in roles {
            builder.add(
                observation(
                    role, grants: grants[role.oid] ?? [], memberPrivileges: privileged[role.oid] ?? [],
                    sessions: sessions[role.name] ?? [], passwordReadable: passwordReadable, statsReadable: statsReadable,
                    now: now))
        }
    }

    /// Predefined roles that reach the server's files, programs or every table.
    static let powerfulPredefinedRoles: Set<String> = [
        "pg_execute_server_program", "pg_read_server_files", "pg_write_server_files", "pg_write_all_data",
    ]

    private func flag(_ connection: PostgresConnection, _ sql: String) async throws -> Bool {
        for try await (value) in try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger).decode(Bool?.self) {
            return value ?? false
        }
        return false
    }
}
