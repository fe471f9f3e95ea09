/// Finding categories that name an identity for what a party other than the identity may have done, and how far the
/// automatic machinery may act on them: which response actions a rule may take, and whether they count in the
/// identity's risk. Every other category is the identity's own doing: any action, and it counts.
enum CausedByOthers {
    struct Treatment: Sendable {
        /// The only response actions a rule may take for the category (refused at load; a broader rule keeps these).
        let actions: Set<ResponseRule.Action>
        /// Whether an open finding of the category raises the identity's risk.
        let raisesRisk: Bool
    }

    static let categories: [String: Treatment] = [
        // Refusals a misconfigured or hostile client may have caused: notify only. They are refusals of requests
        // authenticated as the identity, so they count in its risk.
        "refusal-spike": Treatment(actions: [.notify], raisesRisk: true),
        // What the holders of its tokens do with them in exchanges — reuse, a loop, a deep chain of actors: notify, or
        // revoke its leases (which revokes the token they started from); not its risk.
        "subject-token-reuse": Treatment(actions: [.notify, .revokeLeases], raisesRisk: false),
        "exchange-loop": Treatment(actions: [.notify, .revokeLeases], raisesRisk: false),
        "delegation-depth": Treatment(actions: [.notify, .revokeLeases], raisesRisk: false),
    ]

    /// The actions a rule may take for `category`; `nil`: any.
    static func allowedActions(_ category: String) -> Set<ResponseRule.Action>? { categories[category]?.actions }

    /// Whether an open finding of `category` raises the risk of the identity it names.
    static func raisesRisk(_ category: String) -> Bool { categories[category]?.raisesRisk ?? true }
}
