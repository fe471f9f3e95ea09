import Foundation

/// An inventory record for one non-human identity.
///
/// Immutable: changes produce a new value (see `Identity+Lifecycle.swift`).
public struct Identity: Sendable, Codable, Equatable {
    /// Opaque, server-assigned identifier (`nhi_...`).
    public let id: String
    /// The workload's SPIFFE ID; also its OAuth `client_id`.
    public let spiffeID: SPIFFEID
    public let kind: IdentityKind
    /// The accountable human. Required: no owner, no access.
    public let owner: String
    /// Why this identity exists. Required.
    public let purpose: String
    /// Trust boundary (e.g. a network zone or cloud account); free text.
    public let trustBoundary: String?
    /// Environment such as `prod`, `staging`, `dev`.
    public let environment: String?
    /// After this instant the identity can obtain nothing.
    public let expiresAt: Date?
    /// The owner must review this identity by this date.
    public let reviewBy: Date?
    public let status: IdentityStatus
    /// OAuth scopes this identity may be granted.
    public let scopes: [String]
    /// Audiences (resource servers) this identity may request tokens for, beyond the default.
    public let audiences: [String]
    /// Access-token lifetime in seconds; `nil` means the server default.
    public let tokenTTL: Int?
    /// The public keys for `private_key_jwt`, as a JWK Set (JSON); `{"keys":[]}` when the identity has none.
    public let jwks: String
    /// How the identity may authenticate (sorted, distinct); every other method is refused for it.
    public let authMethods: [AuthMethod]
    public let createdAt: Date
    public let updatedAt: Date

    public init(
        id: String, spiffeID: SPIFFEID, kind: IdentityKind, owner: String, purpose: String,
        trustBoundary: String? = nil, environment: String? = nil, expiresAt: Date? = nil, reviewBy: Date? = nil,
        status: IdentityStatus = .active, scopes: [String] = [], audiences: [String] = [], tokenTTL: Int? = nil,
        jwks: String, authMethods: [AuthMethod] = [.privateKeyJWT], createdAt: Date, updatedAt: Date
    ) {
        self.id = id
        self.spiffeID = spiffeID
        self.kind = kind
        self.owner = owner
        self.purpose = purpose
        self.trustBoundary = trustBoundary
        self.environment = environment
        self.expiresAt = expiresAt
        self.reviewBy = reviewBy
        self.status = status
        self.scopes = scopes
        self.audiences = audiences
        self.tokenTTL = tokenTTL
        self.jwks = jwks
        self.authMethods = Array(Set(authMethods)).sorted()
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// The empty key set of an identity that does not use `private_key_jwt`.
    public static let noKeys = #"{"keys":[]}"#

    /// Whether the identity declared `method`.
    public func accepts(_ method: AuthMethod) -> Bool { authMethods.contains(method) }

    /// The OAuth client identifier: the SPIFFE ID as a string.
    public var clientID: String { spiffeID.description }

    /// Creates a new opaque identity id.
    public static func newID() -> String {
        "nhi_" + RandomToken.hex(bytes: 12)
    }
}

/// Whether an identity may obtain a credential right now, and why not.
public enum Eligibility: Sendable, Equatable {
    case eligible
    case ineligible(reason: String)

    public var isEligible: Bool { self == .eligible }
}

extension Identity {
    /// Checks status and expiry at `now`. Retired, suspended or expired identities get nothing.
    public func eligibility(at now: Date) -> Eligibility {
        switch status {
        case .retired: return .ineligible(reason: "identity is retired")
        case .suspended: return .ineligible(reason: "identity is suspended")
        case .active: break
        }
        if let expiresAt, now >= expiresAt {
            return .ineligible(reason: "identity expired at \(ISO8601.format(expiresAt))")
        }
        if owner.trimmingCharacters(in: .whitespaces).isEmpty {
            return .ineligible(reason: "identity has no owner")
        }
        return .eligible
    }
}
