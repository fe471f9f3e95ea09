import Foundation
import PostgresNIO
import TesseraCore

/// One login role as the catalogue describes it.
struct PostgresRoleFacts {
    let oid: Int64
    let name: String
    let superuser, createrole, createdb, bypassrls, replication, inherit: Bool
    let connectionLimit: Int64
    /// `infinity`, an RFC 3339 time, or nil (no `VALID UNTIL`).
    let validUntil: String?
    /// nil when `pg_authid` is not readable.
    let hasPassword: Bool?
    let isCurrent: Bool

    init(_ row: PostgresRandomAccessRow) throws {
        oid = try row["oid"].decode(Int64.self)
        name = try row["name"].decode(String.self)
        superuser = try row["superuser"].decode(Bool.self)
        createrole = try row["createrole"].decode(Bool.self)
        createdb = try row["createdb"].decode(Bool.self)
        bypassrls = try row["bypassrls"].decode(Bool.self)
        replication = try row["replication"].decode(Bool.self)
        inherit = try row["inherit"].decode(Bool.self)
        connectionLimit = try row["connlimit"].decode(Int64.self)
        validUntil = try row["valid_until"].decode(String?.self)
        hasPassword = try row["has_password"].decode(Bool?.self)
        isCurrent = try row["is_current"].decode(Bool.self)
    }
}

/// One client session open now.
struct PostgresSession {
    let role: String
    let address: String?
    let application: String
    let started: String?

    init(_ row: PostgresRandomAccessRow) throws {
        role = try row["name"].decode(String.self)
        address = try row["address"].decode(String?.self)
        application = try row["application"].decode(String?.self) ?? ""
        started = try row["started"].decode(String?.self)
    }
}

extension PostgresConnector {
    func observation(
        _ role: PostgresRoleFacts, grants: [String], memberPrivileges: [String], sessions: [PostgresSession],
        passwordReadable: Bool, statsReadable: Bool, now: Date
    ) -> DiscoveryObservation {
        var privileged: [String] = []
        if role.superuser { privileged.append("superuser") }
        if role.bypassrls { privileged.append("bypassrls: row-level security does not apply") }
        if role.createrole { privileged.append("createrole: can create and alter other roles") }
        if role.replication { privileged.append("replication: can stream the whole cluster") }
        privileged += memberPrivileges

        var attributes: [String: String] = [
            "superuser": "\(role.superuser)", "createrole": "\(role.createrole)", "createdb": "\(role.createdb)",
            "bypassrls": "\(role.bypassrls)", "replication": "\(role.replication)",
            "connection_limit": role.connectionLimit < 0 ? "unlimited" : "\(role.connectionLimit)",
            "valid_until": role.validUntil ?? "never", "sessions_now": "\(sessions.count)",
        ]
        if role.isCurrent { attributes["discovery_login"] = "true" }
        var unknowns = ["last use: PostgreSQL does not record logins (enable log_connections to see them)"]
        var credentials: [DiscoveredCredential] = []
        let expiry: Date? = role.validUntil.flatMap { $0 == "infinity" ? nil : ISO8601.parse($0) }
        switch role.hasPassword {
        case true?:
            attributes["password"] = "set"
            credentials.append(
                DiscoveredCredential(
                    kind: "password", reference: "password", status: "active", expiresAt: expiry, expiryKnown: true,
                    details: ["valid_until": role.validUntil ?? "never"]))
            unknowns.append("password age: PostgreSQL does not record when a password was set")
        case false?:
            attributes["password"] = "none"
        case nil:
            attributes["password"] = "unknown"
            unknowns.append("whether a password is set: reading pg_authid needs superuser")
        }
        if !statsReadable {
            unknowns.append("other roles' session addresses: needs pg_read_all_stats")
        }
        var interactive: [String] = []
        for session in sessions {
            let application = session.application.lowercased()
            guard Self.interactiveApplications.contains(where: { application.hasPrefix($0) }) else { continue }
            interactive.append(
                "\(session.application) session from \(session.address ?? "a local socket") since \(session.started ?? "unknown")"
            )
        }
        let applications = Set(sessions.map(\.application).filter { !$0.isEmpty }).sorted()
        if !applications.isEmpty { attributes["applications_now"] = applications.joined(separator: ",") }
        let addresses = Set(sessions.compactMap(\.address)).sorted()
        if !addresses.isEmpty { attributes["client_addresses_now"] = addresses.joined(separator: ",") }
        return DiscoveryObservation(
            externalID: "\(scope)#\(role.name)", name: role.name, kind: "database-role", credentials: credentials,
            grants: grants.sorted(), privileged: privileged, interactiveUse: interactive,
            lastUsedAt: sessions.compactMap { $0.started.flatMap(ISO8601.parse) }.max(), usageKnown: false,
            attributes: attributes, unknowns: unknowns)
    }

    /// A PostgreSQL or connection error as a discovery error naming what failed (never the password).
    static func translate(_ error: any Error, what: String) -> DiscoveryError {
        if let error = error as? PSQLError {
            let state = error.serverInfo?[.sqlState] ?? ""
            let message = error.serverInfo?[.message] ?? ""
            switch state {
            case "28P01", "28000":
                return DiscoveryError(
                    .unauthenticated, source: "postgres", "the server refused the login for \(what): \(message)")
            case "42501":
                return DiscoveryError(.forbidden, source: "postgres", "permission denied reading \(what): \(message)")
            case "3D000":
                return DiscoveryError(.invalidArgument, source: "postgres", "\(message)")
            case "":
                return DiscoveryError(.unreachable, source: "postgres", "cannot connect to \(what): \(error.code)")
            default:
                return DiscoveryError(.malformed, source: "postgres", "reading \(what) failed: \(state) \(message)")
            }
        }
        return DiscoveryError(
            .unreachable, source: "postgres", "cannot connect to \(what): \(String(describing: error).prefix(200))")
    }
}
