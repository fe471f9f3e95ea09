import Foundation

extension Identity {
    /// Longest free-text field accepted (owner, purpose, environment, trust boundary).
    public static let maximumTextLength = 1024
    /// Most scopes or audiences on one identity.
    public static let maximumListLength = 256

    /// Checks the invariants an inventory record must hold. `maximumTokenTTL` is the server's hard cap.
    public func validate(maximumTokenTTL: Int) throws(TesseraError) {
        try Self.requireText(owner, field: "owner")
        try Self.requireText(purpose, field: "purpose")
        if let environment { try Self.checkOptionalText(environment, field: "environment") }
        if let trustBoundary { try Self.checkOptionalText(trustBoundary, field: "trust_boundary") }
        guard scopes.count <= Self.maximumListLength, audiences.count <= Self.maximumListLength else {
            throw TesseraError(.invalidIdentity, "too many scopes or audiences (at most \(Self.maximumListLength))")
        }
        for scope in scopes { try ScopeSet.validate(token: scope) }
        for audience in audiences {
            guard !audience.isEmpty, audience.utf8.count <= 512, !audience.contains(where: \.isWhitespace) else {
                throw TesseraError(.invalidIdentity, "audience must be a non-empty string without spaces")
            }
        }
        if let tokenTTL {
            guard tokenTTL >= 1, tokenTTL <= maximumTokenTTL else {
                throw TesseraError(
                    .invalidIdentity, "token_ttl must be between 1 and \(maximumTokenTTL) seconds (server maximum)")
            }
        }
        guard !authMethods.isEmpty else {
            throw TesseraError(.invalidIdentity, "auth_methods must name at least one authentication method")
        }
        if let expiresAt, let reviewBy, reviewBy > expiresAt {
            throw TesseraError(.invalidIdentity, "review_by must not be after expires_at")
        }
    }

    private static func requireText(_ value: String, field: String) throws(TesseraError) {
        guard !value.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw TesseraError(.invalidIdentity, "\(field) is required")
        }
        try checkOptionalText(value, field: field)
    }

    private static func checkOptionalText(_ value: String, field: String) throws(TesseraError) {
        guard value.utf8.count <= maximumTextLength else {
            throw TesseraError(.invalidIdentity, "\(field) is longer than \(maximumTextLength) bytes")
        }
        guard !value.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw TesseraError(.invalidIdentity, "\(field) contains control characters")
        }
    }
}
