/// What sort of non-human identity an inventory record describes.
public enum IdentityKind: String, Sendable, Codable, CaseIterable {
    case service
    case apiClient = "api-client"
    case batchJob = "batch-job"
    case pipeline
    case container
    case aiAgent = "ai-agent"
    case thirdParty = "third-party"

    /// Parses a kind, accepting the canonical spelling only.
    public init(validating raw: String) throws(TesseraError) {
        guard let kind = IdentityKind(rawValue: raw) else {
            let valid = IdentityKind.allCases.map(\.rawValue).joined(separator: ", ")
            throw TesseraError(.invalidIdentity, "unknown kind '\(raw.prefix(64))'; expected one of: \(valid)")
        }
        self = kind
    }
}

/// Lifecycle status of an identity. Only `active` identities can obtain credentials.
public enum IdentityStatus: String, Sendable, Codable, CaseIterable {
    case active
    case suspended
    case retired

    /// Whether moving from `self` to `next` is allowed. Retirement is final.
    public func canTransition(to next: IdentityStatus) -> Bool {
        switch (self, next) {
        case (.retired, _): return false
        case (.active, .suspended), (.suspended, .active), (.active, .retired), (.suspended, .retired): return true
        default: return false
        }
    }
}
