/// The built-in decision point: an identity gets only the scopes and audiences its inventory record grants.
public struct GrantedScopesAuthorizer: IssuanceAuthorizer {
    /// Audiences every identity may request (the server's default audience).
    public let defaultAudiences: Set<String>

    public init(defaultAudiences: Set<String>) {
        self.defaultAudiences = defaultAudiences
    }

    public static let version = "builtin:granted-scopes/1"

    public func authorize(_ request: IssuanceRequest) async -> PolicyDecision {
        let granted = Set(request.identity.scopes)
        let missing = request.requestedScopes.filter { !granted.contains($0) }
        if !missing.isEmpty {
            return PolicyDecision(
                outcome: .deny, reasons: ["scope not granted to this identity: \(missing.joined(separator: " "))"],
                determiningPolicies: ["builtin:granted-scopes"], policySetVersion: Self.version, denial: .scope)
        }
        // Allowed audiences bound tokens; other credentials (dynamic secrets) name their own resource.
        let isToken = request.action.hasSuffix("_token")
        if isToken && !defaultAudiences.contains(request.audience) && !request.identity.audiences.contains(request.audience) {
            return PolicyDecision(
                outcome: .deny, reasons: ["audience not allowed for this identity"],
                determiningPolicies: ["builtin:allowed-audiences"], policySetVersion: Self.version, denial: .audience)
        }
        return PolicyDecision(
            outcome: .allow, reasons: [], determiningPolicies: ["builtin:granted-scopes"],
            policySetVersion: Self.version)
    }
}
