import Foundation
import TesseraCore

/// The inventory (`identities`), on either engine.
struct SQLIdentityRepository: IdentityRepository {
    let sql: any SQLExecutor

    func create(_ identity: Identity) async throws {
        do {
            try await sql.execute(Self.insert(identity))
        } catch let error as StoreError where error.code == .conflict {
            throw StoreError(.conflict, "an identity with this SPIFFE ID already exists")
        }
    }

    func update(_ identity: Identity) async throws {
        let i = identity
        let updated = try await sql.execute(
            """
            UPDATE identities SET spiffe_id = \(i.spiffeID.description), kind = \(i.kind.rawValue), owner = \(i.owner),
              purpose = \(i.purpose), trust_boundary = \(i.trustBoundary), environment = \(i.environment),
              expires_at = \(i.expiresAt), review_by = \(i.reviewBy), status = \(i.status.rawValue),
              scopes = \(JSONList.encode(i.scopes)), audiences = \(JSONList.encode(i.audiences)), token_ttl = \(i.tokenTTL),
              jwks = \(i.jwks), created_at = \(i.createdAt), updated_at = \(i.updatedAt),
              auth_methods = \(JSONList.encode(i.authMethods.map(\.rawValue)))
            WHERE id = \(i.id) RETURNING id
            """)
        guard updated.count == 1 else { throw StoreError(.notFound, "no identity with this id") }
    }

    func get(id: String) async throws -> Identity? {
        try await sql.lookupRow("SELECT * FROM identities WHERE id = \(id)").map(Self.identity)
    }

    func get(spiffeID: String) async throws -> Identity? {
        try await sql.lookupRow("SELECT * FROM identities WHERE spiffe_id = \(spiffeID)").map(Self.identity)
    }

    func list(_ filter: IdentityFilter) async throws -> [Identity] {
        let clause = Self.whereClause(filter, paginate: true)
        return try await sql.rows("SELECT * FROM identities \(clause) ORDER BY id LIMIT \(filter.limit)").map(Self.identity)
    }

    func count(_ filter: IdentityFilter) async throws -> Int {
        try await sql.count("SELECT COUNT(*) AS n FROM identities \(Self.whereClause(filter, paginate: false))")
    }

    private static func whereClause(_ filter: IdentityFilter, paginate: Bool) -> SQL {
        var conditions: [SQL] = []
        if let kind = filter.kind { conditions.append("kind = \(kind.rawValue)") }
        if let owner = filter.owner { conditions.append("owner = \(owner)") }
        if let status = filter.status { conditions.append("status = \(status.rawValue)") }
        if let environment = filter.environment { conditions.append("environment = \(environment)") }
        if let boundary = filter.trustBoundary { conditions.append("trust_boundary = \(boundary)") }
        if let prefix = filter.spiffeIDPrefix { conditions.append(.startsWith("spiffe_id", prefix)) }
        if paginate, let after = filter.after { conditions.append("id > \(after)") }
        return .whereClause(conditions)
    }

    /// The statement that stores a new identity (also the benchmarks' bulk writer's).
    static func insert(_ i: Identity) -> SQL {
        """
        INSERT INTO identities (id, spiffe_id, kind, owner, purpose, trust_boundary, environment, expires_at, review_by,
          status, scopes, audiences, token_ttl, jwks, created_at, updated_at, auth_methods)
        VALUES (\(i.id), \(i.spiffeID.description), \(i.kind.rawValue), \(i.owner), \(i.purpose), \(i.trustBoundary),
          \(i.environment), \(i.expiresAt), \(i.reviewBy), \(i.status.rawValue), \(JSONList.encode(i.scopes)),
          \(JSONList.encode(i.audiences)), \(i.tokenTTL), \(i.jwks), \(i.createdAt), \(i.updatedAt),
          \(JSONList.encode(i.authMethods.map(\.rawValue))))
        """
    }

    /// An identity from its row; `corrupted` for an unknown kind, status or method, or a SPIFFE ID this version refuses.
    static func identity(_ row: any SQLRow) throws -> Identity {
        guard let kind = IdentityKind(rawValue: try row.string("kind")),
            let status = IdentityStatus(rawValue: try row.string("status"))
        else { throw StoreError(.corrupted, "identity row has an unknown kind or status") }
        let rowID = try row.string("id")
        // A stored SPIFFE ID this version no longer accepts is a corrupt row that names itself (in the server log),
        // not an unexplained 500.
        guard let spiffeID = try? SPIFFEID(parsing: try row.string("spiffe_id")) else {
            throw StoreError(.corrupted, "identity row \(rowID.prefix(64)) holds a SPIFFE ID this version refuses")
        }
        return Identity(
            id: rowID, spiffeID: spiffeID, kind: kind, owner: try row.string("owner"), purpose: try row.string("purpose"),
            trustBoundary: try row.optionalString("trust_boundary"), environment: try row.optionalString("environment"),
            expiresAt: try row.optionalDate("expires_at"), reviewBy: try row.optionalDate("review_by"), status: status,
            scopes: JSONList.decode(try row.string("scopes")), audiences: JSONList.decode(try row.string("audiences")),
            tokenTTL: try row.optionalInt("token_ttl"), jwks: try row.string("jwks"),
            authMethods: try authMethods(try row.string("auth_methods")), createdAt: try row.date("created_at"),
            updatedAt: try row.date("updated_at"))
    }

    /// What identities made before the `auth_methods` column existed keep (docs/threat-model.md, "Authentication
    /// methods"): every method they could use then.
    static let legacyAuthMethods = JSONList.encode(AuthMethod.legacy.map(\.rawValue))

    /// The stored JSON array of method names; a name this version does not know is a corrupt row, not a silent drop.
    private static func authMethods(_ text: String) throws -> [AuthMethod] {
        do {
            return try AuthMethod.parse(JSONList.decode(text))
        } catch {
            throw StoreError(.corrupted, "identity row has an unknown authentication method")
        }
    }
}
