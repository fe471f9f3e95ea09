import Hummingbird

/// Admin API roles for people signed in through the organisation's IdP (and the bootstrap token, `admin`).
///
/// - `viewer`: reads only (GET).
/// - `operator`: reads, plus tasks, leases, delegations and token revocations.
/// - `admin`: everything.
public enum AdminRole: String, Sendable, CaseIterable, Comparable, Codable {
    case viewer
    case `operator`
    case admin

    public static func < (lhs: AdminRole, rhs: AdminRole) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }

    /// Path prefixes an operator may change.
    static let operatorPrefixes = ["/v1/tasks", "/v1/leases", "/v1/delegations"]

    /// Whether `role` may call `method` on `path`. Unknown roles may do nothing.
    public static func permits(_ role: String, method: HTTPRequest.Method, path: String) -> Bool {
        guard let role = AdminRole(rawValue: role) else { return false }
        switch role {
        case .admin: return true
        case .viewer: return method == .get || method == .head
        case .`operator`:
            if method == .get || method == .head { return true }
            return operatorPrefixes.contains { path == $0 || path.hasPrefix($0 + "/") }
        }
    }

    /// The highest role any of `groups` maps to, or `nil` (no role, no access).
    public static func highest(groups: [String], mappings: [String: String]) -> AdminRole? {
        groups.compactMap { mappings[$0].flatMap(AdminRole.init(rawValue:)) }.max()
    }
}
