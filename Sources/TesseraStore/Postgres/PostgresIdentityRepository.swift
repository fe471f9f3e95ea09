import Foundation
import PostgresNIO
import TesseraCore

/// The inventory in PostgreSQL (same rows and meaning as `SQLiteIdentityRepository`).
struct PostgresIdentityRepository: IdentityRepository {
    let database: PostgresDatabase

    func create(_ identity: Identity) async throws {
        let i = Columns(identity)
        do {
            try await database.rows(
                """
                INSERT INTO identities (id, spiffe_id, kind, owner, purpose, trust_boundary, environment, expires_at,
                  review_by, status, scopes, audiences, token_ttl, jwks, created_at, updated_at, auth_methods)
                VALUES (\(identity.id), \(i.spiffeID), \(i.kind), \(identity.owner), \(identity.purpose),
                  \(identity.trustBoundary), \(identity.environment), \(i.expiresAt), \(i.reviewBy), \(i.status),
                  \(i.scopes), \(i.audiences), \(identity.tokenTTL), \(identity.jwks), \(i.createdAt), \(i.updatedAt),
                  \(i.authMethods))
                """)
        } catch let error as StoreError where error.code == .conflict {
            throw StoreError(.conflict, "an identity with this SPIFFE ID already exists")
        }
    }

    func update(_ identity: Identity) async throws {
        let i = Columns(identity)
        let rows = try await database.rows(
            """
            UPDATE identities SET spiffe_id = \(i.spiffeID), kind = \(i.kind), owner = \(identity.owner),
              purpose = \(identity.purpose), trust_boundary = \(identity.trustBoundary),
              environment = \(identity.environment), expires_at = \(i.expiresAt), review_by = \(i.reviewBy),
              status = \(i.status), scopes = \(i.scopes), audiences = \(i.audiences), token_ttl = \(identity.tokenTTL),
              jwks = \(identity.jwks), created_at = \(i.createdAt), updated_at = \(i.updatedAt),
              auth_methods = \(i.authMethods)
            WHERE id = \(identity.id) RETURNING id
            """)
        guard rows.count == 1 else { throw StoreError(.notFound, "no identity with this id") }
    }

    func get(id: String) async throws -> Identity? {
        try await database.rows("SELECT * FROM identities WHERE id = \(id)").first.map(Self.identity)
    }

    func get(spiffeID: String) async throws -> Identity? {
        try await database.rows("SELECT * FROM identities WHERE spiffe_id = \(spiffeID)").first.map(Self.identity)
    }

    func list(_ filter: IdentityFilter) async throws -> [Identity] {
        var statement = PostgresStatement()
        let clause = Self.whereClause(filter, paginate: true, &statement)
        let limit = statement.bind(filter.limit)
        return try await database.rows(statement.query("SELECT * FROM identities \(clause) ORDER BY id LIMIT \(limit)"))
            .map(Self.identity)
    }

    func count(_ filter: IdentityFilter) async throws -> Int {
        var statement = PostgresStatement()
        let clause = Self.whereClause(filter, paginate: false, &statement)
        let rows = try await database.rows(statement.query("SELECT count(*) AS n FROM identities \(clause)"))
        return try rows.first?.value("n", as: Int.self) ?? 0
    }

    private static func whereClause(_ filter: IdentityFilter, paginate: Bool, _ s: inout PostgresStatement) -> String {
        var conditions: [String] = []
        if let kind = filter.kind { conditions.append("kind = \(s.bind(kind.rawValue))") }
        if let owner = filter.owner { conditions.append("owner = \(s.bind(owner))") }
        if let status = filter.status { conditions.append("status = \(s.bind(status.rawValue))") }
        if let environment = filter.environment { conditions.append("environment = \(s.bind(environment))") }
        if let boundary = filter.trustBoundary { conditions.append("trust_boundary = \(s.bind(boundary))") }
        if let prefix = filter.spiffeIDPrefix { conditions.append("starts_with(spiffe_id, \(s.bind(prefix)))") }
        if paginate, let after = filter.after { conditions.append("id > \(s.bind(after))") }
        return PostgresStatement.whereClause(conditions)
    }

    /// The values stored in another form than the model's.
    private struct Columns {
        let spiffeID, kind, status, scopes, audiences, authMethods: String
        let expiresAt, reviewBy: Double?
        let createdAt, updatedAt: Double

        init(_ identity: Identity) {
            spiffeID = identity.spiffeID.description
            kind = identity.kind.rawValue
            status = identity.status.rawValue
            scopes = JSONList.encode(identity.scopes)
            audiences = JSONList.encode(identity.audiences)
            authMethods = IdentityAuthSchema.encode(identity.authMethods)
            expiresAt = identity.expiresAt?.epoch
            reviewBy = identity.reviewBy?.epoch
            createdAt = identity.createdAt.epoch
            updatedAt = identity.updatedAt.epoch
        }
    }

    static func identity(_ row: PostgresRow) throws -> Identity {
        guard let kind = IdentityKind(rawValue: try row.value("kind")),
            let status = IdentityStatus(rawValue: try row.value("status"))
        else { throw StoreError(.corrupted, "identity row has an unknown kind or status") }
        let rowID: String = try row.value("id")
        guard let spiffeID = try? SPIFFEID(parsing: try row.value("spiffe_id") as String) else {
            throw StoreError(.corrupted, "identity row \(rowID.prefix(64)) holds a SPIFFE ID this version refuses")
        }
        return Identity(
            id: rowID, spiffeID: spiffeID, kind: kind,
            owner: try row.value("owner"), purpose: try row.value("purpose"),
            trustBoundary: try row.value("trust_boundary"), environment: try row.value("environment"),
            expiresAt: try row.optionalDate("expires_at"), reviewBy: try row.optionalDate("review_by"), status: status,
            scopes: JSONList.decode(try row.value("scopes")), audiences: JSONList.decode(try row.value("audiences")),
            tokenTTL: try row.value("token_ttl"), jwks: try row.value("jwks"),
            authMethods: try IdentityAuthSchema.decode(try row.value("auth_methods")), createdAt: try row.date("created_at"),
            updatedAt: try row.date("updated_at"))
    }
}
