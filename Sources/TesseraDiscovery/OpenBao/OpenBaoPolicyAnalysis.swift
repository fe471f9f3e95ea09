/// What an ACL policy grants that goes beyond an application's needs, as evidence sentences.
///
/// A rule is privileged when its path covers the whole tree from the top (`*`, `+/*`, `+/+/*`) with any
/// capability but `deny`, or when it grants `sudo` over a whole subtree (a path ending in `*`, such as `sys/*`).
/// `sudo` on one exact path (`sys/audit`, which reading audit devices requires) is a fact, not privilege.
/// The built-in `root` policy is privileged by itself.
public struct OpenBaoPolicyAnalysis: Sendable, Equatable {
    /// Evidence per policy name: `policy "admin": path "*" with [read, sudo]`.
    public let privileged: [String: [String]]
    /// Narrow `sudo` grants per policy name: `policy "discovery": sudo on "sys/audit"`.
    public let narrowSudo: [String: [String]]
    /// Policies that could not be read, with the reason.
    public let unreadable: [String: String]

    public init(privileged: [String: [String]] = [:], narrowSudo: [String: [String]] = [:], unreadable: [String: String] = [:]) {
        self.privileged = privileged
        self.narrowSudo = narrowSudo
        self.unreadable = unreadable
    }

    /// Analyses policies given as name → HCL text.
    public init(policies: [String: String]) {
        var privileged: [String: [String]] = ["root": ["policy \"root\": every path, every capability"]]
        var narrowSudo: [String: [String]] = [:]
        var unreadable: [String: String] = [:]
        for (name, text) in policies where name != "root" {
            do {
                for rule in try HCLPolicyReader.rules(text) {
                    let granted = rule.capabilities.filter { $0 != "deny" }
                    guard !granted.isEmpty, !rule.capabilities.contains("deny") else { continue }
                    let list = "[" + rule.capabilities.joined(separator: ", ") + "]"
                    if Self.isBroad(rule.path) || (rule.capabilities.contains("sudo") && rule.path.hasSuffix("*")) {
                        privileged[name, default: []].append("policy \"\(name)\": path \"\(rule.path)\" with \(list)")
                    } else if rule.capabilities.contains("sudo") {
                        narrowSudo[name, default: []].append("policy \"\(name)\": sudo on \"\(rule.path)\"")
                    }
                }
            } catch {
                unreadable[name] = error.description
            }
        }
        self.init(privileged: privileged, narrowSudo: narrowSudo, unreadable: unreadable)
    }

    /// Whether a policy path covers every mount: `*`, or only `+` segments then `*` (`+/*`, `+/+/*`).
    public static func isBroad(_ path: String) -> Bool {
        var segments = path.split(separator: "/", omittingEmptySubsequences: false)
        if segments.first == "" { segments.removeFirst() }
        guard let last = segments.popLast(), last == "*" else { return false }
        return segments.allSatisfy { $0 == "+" }
    }

    /// The privileged evidence for an identity holding `policies`, in their order.
    public func evidence(for policies: [String]) -> [String] { policies.flatMap { privileged[$0] ?? [] } }

    /// The narrow sudo grants for an identity holding `policies`.
    public func sudoGrants(for policies: [String]) -> [String] { policies.flatMap { narrowSudo[$0] ?? [] } }
}
