import Foundation

/// An external token issuer Tessera trusts for token exchange (RFC 8693) or human sign-in: a CI system
/// (GitHub Actions, GitLab), a Kubernetes cluster's service-account issuer, another SPIFFE trust domain's
/// JWT-SVIDs, or the organisation's human IdP. Keys come from OIDC discovery / a JWKS URI, or are pinned.
public struct TrustedIssuer: Sendable, Codable, Equatable {
    /// Whose tokens the issuer signs.
    public enum Kind: String, Sendable, Codable, CaseIterable {
        /// Workloads in another trust boundary: claims are mapped by rules onto exactly one inventory identity.
        case workload
        /// The organisation's human IdP: subjects are people, never inventory identities; groups map to roles.
        case human
    }

    /// Opaque id (`iss_...`).
    public let id: String
    /// The exact `iss` value tokens carry (an https URL; http only on loopback).
    public let issuer: String
    public let kind: Kind
    /// Where to fetch keys; when absent and nothing is pinned, `<issuer>/.well-known/openid-configuration`.
    public let jwksURI: String?
    /// A pinned JWK Set (JSON): no network access at all, for offline use and tests.
    public let pinnedJWKS: String?
    /// At least one of these must be in a token's `aud`.
    public let audiences: [String]
    /// Claim-mapping rules (workload issuers). No rule, no access.
    public let rules: [ClaimMappingRule]
    /// The claim holding a human's groups (human issuers), default `groups`.
    public let groupsClaim: String?
    /// IdP group → admin role (`viewer`, `operator`, `admin`) for human issuers.
    public let roleMappings: [String: String]
    public let createdAt: Date

    public init(
        id: String, issuer: String, kind: Kind, jwksURI: String?, pinnedJWKS: String?, audiences: [String],
        rules: [ClaimMappingRule], groupsClaim: String? = nil, roleMappings: [String: String] = [:], createdAt: Date
    ) {
        self.id = id
        self.issuer = issuer
        self.kind = kind
        self.jwksURI = jwksURI
        self.pinnedJWKS = pinnedJWKS
        self.audiences = audiences
        self.rules = rules
        self.groupsClaim = groupsClaim
        self.roleMappings = roleMappings
        self.createdAt = createdAt
    }

    enum CodingKeys: String, CodingKey {
        case id, issuer, kind, audiences, rules
        case jwksURI = "jwks_uri"
        case pinnedJWKS = "pinned_jwks"
        case groupsClaim = "groups_claim"
        case roleMappings = "role_mappings"
        case createdAt = "created_at"
    }
}

/// One claim-mapping rule: when every listed claim matches, the external token is the named identity.
///
/// A pattern is matched exactly unless it contains `*` (any run of characters, including none) or `?` (one
/// character). Claim names may use dots to reach into nested objects (`kubernetes.io.namespace`).
public struct ClaimMappingRule: Sendable, Codable, Equatable {
    /// A label for audit records and refusals.
    public let name: String
    /// Claim name → pattern. Every entry must match; an empty map is refused on input.
    public let match: [String: String]
    /// The SPIFFE ID of the inventory identity the token maps to.
    public let identity: String

    public init(name: String, match: [String: String], identity: String) {
        self.name = name
        self.match = match
        self.identity = identity
    }
}
