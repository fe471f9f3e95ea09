import Foundation
import TesseraCore

/// The admin API's JSON view of an identity.
struct IdentityResource: Encodable {
    let id: String
    let spiffeID: String
    let clientID: String
    let kind: String
    let owner: String
    let purpose: String
    let trustBoundary: String?
    let environment: String?
    let expiresAt: Date?
    let reviewBy: Date?
    let status: String
    let eligible: Bool
    let ineligibleReason: String?
    let scopes: [String]
    let audiences: [String]
    let tokenTTL: Int?
    let jwks: RawJSON
    let authMethods: [String]
    let createdAt: Date
    let updatedAt: Date

    enum CodingKeys: String, CodingKey {
        case id, kind, owner, purpose, environment, status, eligible, scopes, audiences, jwks
        case spiffeID = "spiffe_id"
        case clientID = "client_id"
        case trustBoundary = "trust_boundary"
        case expiresAt = "expires_at"
        case reviewBy = "review_by"
        case ineligibleReason = "ineligible_reason"
        case tokenTTL = "token_ttl"
        case authMethods = "auth_methods"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }

    init(_ identity: Identity, now: Date) {
        id = identity.id
        spiffeID = identity.spiffeID.description
        clientID = identity.clientID
        kind = identity.kind.rawValue
        owner = identity.owner
        purpose = identity.purpose
        trustBoundary = identity.trustBoundary
        environment = identity.environment
        expiresAt = identity.expiresAt
        reviewBy = identity.reviewBy
        status = identity.status.rawValue
        let eligibility = identity.eligibility(at: now)
        eligible = eligibility.isEligible
        if case .ineligible(let reason) = eligibility { ineligibleReason = reason } else { ineligibleReason = nil }
        scopes = identity.scopes
        audiences = identity.audiences
        tokenTTL = identity.tokenTTL
        jwks = RawJSON(identity.jwks)
        authMethods = identity.authMethods.map(\.rawValue)
        createdAt = identity.createdAt
        updatedAt = identity.updatedAt
    }
}

/// A stored JSON document re-emitted as a JSON value.
struct RawJSON: Encodable {
    let value: JSONValue

    init(_ text: String) {
        value = (try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))) ?? .null
    }

    func encode(to encoder: any Encoder) throws { try value.encode(to: encoder) }
}

/// Any JSON value.
indirect enum JSONValue: Codable, Sendable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }
}
