import Foundation

/// A time-bound, owned, justified grant of something the policies would refuse (break-glass, or a legacy
/// identity's way out). It applies to one identity, a set of actions, scopes and audiences, and it ends by
/// itself at `expiresAt`: there is no exception without an expiry.
public struct PolicyException: Sendable, Codable, Equatable {
    public enum State: String, Sendable, Codable, CaseIterable {
        case active
        case expired
        case revoked
    }

    /// Opaque id (`exc_...`).
    public let id: String
    /// The SPIFFE ID the exception applies to.
    public let identity: String
    /// Who answers for it (a person or team), never empty.
    public let owner: String
    /// Why it exists, in words.
    public let justification: String
    /// Cedar action ids it covers, e.g. `issue_token`.
    public let actions: [String]
    /// Scopes it may grant. A request is covered only when every requested scope is listed here.
    public let scopes: [String]
    /// Audiences it covers; empty means any audience.
    public let audiences: [String]
    /// The admin who created it (`admin:<token id>` or `human:<name>`).
    public let createdBy: String
    public let createdAt: Date
    public let expiresAt: Date
    public let revokedAt: Date?
    public let revokeReason: String?
    /// How many issuances it allowed so far.
    public let uses: Int
    public let lastUsedAt: Date?

    public init(
        id: String, identity: String, owner: String, justification: String, actions: [String], scopes: [String],
        audiences: [String], createdBy: String, createdAt: Date, expiresAt: Date, revokedAt: Date? = nil,
        revokeReason: String? = nil, uses: Int = 0, lastUsedAt: Date? = nil
    ) {
        self.id = id
        self.identity = identity
        self.owner = owner
        self.justification = justification
        self.actions = actions
        self.scopes = scopes
        self.audiences = audiences
        self.createdBy = createdBy
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.revokedAt = revokedAt
        self.revokeReason = revokeReason
        self.uses = uses
        self.lastUsedAt = lastUsedAt
    }

    public static func newID() -> String { "exc_" + RandomToken.hex(bytes: 12) }

    /// The actions an exception may cover.
    public static let coverableActions: Set<String> = ["issue_token", "issue_svid", "issue_secret"]

    public func state(at now: Date) -> State {
        if revokedAt != nil { return .revoked }
        return now >= expiresAt ? .expired : .active
    }

    /// Whether this exception covers a request, and why not.
    public func covers(action: String, scopes requested: [String], audience: String, at now: Date) -> Coverage {
        let current = state(at: now)
        guard current == .active else { return .notCovered(reason: "exception \(id) is \(current.rawValue)") }
        guard actions.contains(action) else { return .notCovered(reason: "exception \(id) does not cover \(action)") }
        let outside = requested.filter { !scopes.contains($0) }
        guard outside.isEmpty else {
            return .notCovered(reason: "scope outside exception \(id): \(outside.joined(separator: " "))")
        }
        guard audiences.isEmpty || audiences.contains(audience) else {
            return .notCovered(reason: "audience outside exception \(id)")
        }
        return .covered
    }

    public enum Coverage: Sendable, Equatable {
        case covered
        case notCovered(reason: String)
    }

    /// Checks a new exception's fields. `maximumTTL` is the server's cap in seconds.
    public func validate(maximumTTL: Int) throws(TesseraError) {
        _ = try SPIFFEID(parsing: identity)
        for (name, value) in [("owner", owner), ("justification", justification)] {
            guard !value.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, value.utf8.count <= 1024 else {
                throw TesseraError(.invalidArgument, "\(name) is required (at most 1024 bytes)")
            }
        }
        guard !actions.isEmpty, actions.allSatisfy(Self.coverableActions.contains) else {
            throw TesseraError(
                .invalidArgument, "actions must be one or more of \(Self.coverableActions.sorted().joined(separator: ", "))")
        }
        guard scopes.count <= 256, audiences.count <= 64 else {
            throw TesseraError(.invalidArgument, "too many scopes or audiences")
        }
        for scope in scopes { try ScopeSet.validate(token: scope) }
        for audience in audiences {
            guard !audience.isEmpty, audience.utf8.count <= 512, !audience.contains(where: \.isWhitespace) else {
                throw TesseraError(.invalidArgument, "each audience is a single value without spaces")
            }
        }
        let ttl = expiresAt.timeIntervalSince(createdAt)
        guard ttl >= 1 else { throw TesseraError(.invalidArgument, "expires_at must be in the future") }
        guard ttl <= Double(maximumTTL) else {
            throw TesseraError(
                .invalidArgument, "an exception lasts at most \(maximumTTL) seconds (\(maximumTTL / 86400) days)")
        }
    }
}
