import Foundation
import GRDB
import TesseraCore

struct SQLiteIdentityRepository: IdentityRepository {
    let pool: DatabasePool

    func create(_ identity: Identity) async throws {
        try await pool.write { db in
            do {
                try db.execute(
                    sql: """
                        INSERT INTO identities (id, spiffe_id, kind, owner, purpose, trust_boundary, environment,
                          expires_at, review_by, status, scopes, audiences, token_ttl, jwks, created_at, updated_at, auth_methods)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """, arguments: Self.arguments(identity))
            } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
                throw StoreError(.conflict, "an identity with this SPIFFE ID already exists")
            }
        }
    }

    func update(_ identity: Identity) async throws {
        try await pool.write { db in
            try db.execute(
                sql: """
                    UPDATE identities SET spiffe_id = ?, kind = ?, owner = ?, purpose = ?, trust_boundary = ?,
                      environment = ?, expires_at = ?, review_by = ?, status = ?, scopes = ?, audiences = ?,
                      token_ttl = ?, jwks = ?, created_at = ?, updated_at = ?, auth_methods = ?
                    WHERE id = ?
                    """, arguments: StatementArguments(Array(Self.values(identity).dropFirst()) + [identity.id]))
            guard db.changesCount == 1 else { throw StoreError(.notFound, "no identity with this id") }
        }
    }

    func get(id: String) async throws -> Identity? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM identities WHERE id = ?", arguments: [id]).map(Self.identity)
        }
    }

    func get(spiffeID: String) async throws -> Identity? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM identities WHERE spiffe_id = ?", arguments: [spiffeID])
                .map(Self.identity)
        }
    }

    func list(_ filter: IdentityFilter) async throws -> [Identity] {
        let (clause, arguments) = Self.whereClause(filter, paginate: true)
        return try await pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM identities \(clause) ORDER BY id LIMIT \(filter.limit)", arguments: arguments
            ).map(Self.identity)
        }
    }

    func count(_ filter: IdentityFilter) async throws -> Int {
        let (clause, arguments) = Self.whereClause(filter, paginate: false)
        return try await pool.read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM identities \(clause)", arguments: arguments) ?? 0
        }
    }

    private static func whereClause(_ filter: IdentityFilter, paginate: Bool) -> (String, StatementArguments) {
        var conditions: [String] = []
        var arguments: [(any DatabaseValueConvertible)?] = []
        func add(_ sql: String, _ value: (any DatabaseValueConvertible)?) {
            conditions.append(sql)
            arguments.append(value)
        }
        if let kind = filter.kind { add("kind = ?", kind.rawValue) }
        if let owner = filter.owner { add("owner = ?", owner) }
        if let status = filter.status { add("status = ?", status.rawValue) }
        if let environment = filter.environment { add("environment = ?", environment) }
        if let boundary = filter.trustBoundary { add("trust_boundary = ?", boundary) }
        if let prefix = filter.spiffeIDPrefix { add("substr(spiffe_id, 1, length(?)) = ?", prefix); arguments.append(prefix) }
        if paginate, let after = filter.after { add("id > ?", after) }
        let clause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        return (clause, StatementArguments(arguments))
    }

    private static func values(_ identity: Identity) -> [(any DatabaseValueConvertible)?] {
        [
            identity.id, identity.spiffeID.description, identity.kind.rawValue, identity.owner, identity.purpose,
            identity.trustBoundary, identity.environment, identity.expiresAt?.epoch, identity.reviewBy?.epoch,
            identity.status.rawValue, JSONList.encode(identity.scopes), JSONList.encode(identity.audiences),
            identity.tokenTTL, identity.jwks, identity.createdAt.epoch, identity.updatedAt.epoch,
            IdentityAuthSchema.encode(identity.authMethods),
        ]
    }

    private static func arguments(_ identity: Identity) -> StatementArguments {
        StatementArguments(values(identity))
    }

    static func identity(_ row: Row) throws -> Identity {
        guard let kind = IdentityKind(rawValue: row["kind"]), let status = IdentityStatus(rawValue: row["status"]) else {
            throw StoreError(.corrupted, "identity row has an unknown kind or status")
        }
        let rowID: String = row["id"]
        // A stored SPIFFE ID this version no longer accepts is a corrupt row that names itself (in the server log),
        // not an unexplained 500.
        guard let spiffeID = try? SPIFFEID(parsing: row["spiffe_id"] as String) else {
            throw StoreError(.corrupted, "identity row \(rowID.prefix(64)) holds a SPIFFE ID this version refuses")
        }
        return Identity(
            id: rowID, spiffeID: spiffeID, kind: kind, owner: row["owner"],
            purpose: row["purpose"], trustBoundary: row["trust_boundary"], environment: row["environment"],
            expiresAt: (row["expires_at"] as Double?).map(Date.init(epoch:)),
            reviewBy: (row["review_by"] as Double?).map(Date.init(epoch:)), status: status,
            scopes: JSONList.decode(row["scopes"]), audiences: JSONList.decode(row["audiences"]),
            tokenTTL: row["token_ttl"], jwks: row["jwks"],
            authMethods: try IdentityAuthSchema.decode(row["auth_methods"]), createdAt: Date(epoch: row["created_at"]),
            updatedAt: Date(epoch: row["updated_at"]))
    }
}

/// String lists stored as JSON arrays.
enum JSONList {
    static func encode(_ list: [String]) -> String {
        String(decoding: (try? JSONEncoder().encode(list)) ?? Data("[]".utf8), as: UTF8.self)
    }

    static func decode(_ text: String) -> [String] {
        (try? JSONDecoder().decode([String].self, from: Data(text.utf8))) ?? []
    }
}
