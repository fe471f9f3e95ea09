import Foundation

/// A partial update of an identity's mutable attributes. `nil` leaves a field as it is;
/// the double optionals clear a field when set to `.some(nil)`.
public struct IdentityUpdate: Sendable {
    public var owner: String?
    public var purpose: String?
    public var kind: IdentityKind?
    public var trustBoundary: String??
    public var environment: String??
    public var expiresAt: Date??
    public var reviewBy: Date??
    public var scopes: [String]?
    public var audiences: [String]?
    public var tokenTTL: Int??
    public var jwks: String?
    public var authMethods: [AuthMethod]?

    public init() {}

    public var isEmpty: Bool {
        owner == nil && purpose == nil && kind == nil && trustBoundary == nil && environment == nil
            && expiresAt == nil && reviewBy == nil && scopes == nil && audiences == nil && tokenTTL == nil
            && jwks == nil && authMethods == nil
    }
}

extension Identity {
    /// Returns the identity with `update` applied. Retired identities cannot change.
    public func applying(_ update: IdentityUpdate, at now: Date) throws(TesseraError) -> Identity {
        guard status != .retired else { throw TesseraError(.invalidTransition, "a retired identity cannot change") }
        return Identity(
            id: id, spiffeID: spiffeID, kind: update.kind ?? kind, owner: update.owner ?? owner,
            purpose: update.purpose ?? purpose, trustBoundary: update.trustBoundary ?? trustBoundary,
            environment: update.environment ?? environment, expiresAt: update.expiresAt ?? expiresAt,
            reviewBy: update.reviewBy ?? reviewBy, status: status, scopes: update.scopes ?? scopes,
            audiences: update.audiences ?? audiences, tokenTTL: update.tokenTTL ?? tokenTTL, jwks: update.jwks ?? jwks,
            authMethods: update.authMethods ?? authMethods, createdAt: createdAt, updatedAt: now)
    }

    /// Returns the identity in `next` status, if the lifecycle allows it.
    public func transitioned(to next: IdentityStatus, at now: Date) throws(TesseraError) -> Identity {
        guard status.canTransition(to: next) else {
            throw TesseraError(.invalidTransition, "cannot move an identity from \(status.rawValue) to \(next.rawValue)")
        }
        return Identity(
            id: id, spiffeID: spiffeID, kind: kind, owner: owner, purpose: purpose, trustBoundary: trustBoundary,
            environment: environment, expiresAt: expiresAt, reviewBy: reviewBy, status: next, scopes: scopes,
            audiences: audiences, tokenTTL: tokenTTL, jwks: jwks, authMethods: authMethods, createdAt: createdAt,
            updatedAt: now)
    }
}
