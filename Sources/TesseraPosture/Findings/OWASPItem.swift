/// The OWASP Non-Human Identities Top 10 (2025).
public enum OWASPItem: String, Sendable, Codable, CaseIterable {
    case nhi1 = "NHI1"
    case nhi2 = "NHI2"
    case nhi3 = "NHI3"
    case nhi4 = "NHI4"
    case nhi5 = "NHI5"
    case nhi6 = "NHI6"
    case nhi7 = "NHI7"
    case nhi8 = "NHI8"
    case nhi9 = "NHI9"
    case nhi10 = "NHI10"

    /// The item's title.
    public var title: String {
        switch self {
        case .nhi1: "Improper Offboarding"
        case .nhi2: "Secret Leakage"
        case .nhi3: "Vulnerable Third-Party NHI"
        case .nhi4: "Insecure Authentication"
        case .nhi5: "Overprivileged NHI"
        case .nhi6: "Insecure Cloud Deployment Configurations"
        case .nhi7: "Long-Lived Secrets"
        case .nhi8: "Environment Isolation"
        case .nhi9: "NHI Reuse"
        case .nhi10: "Human Use of NHI"
        }
    }
}

/// How urgent a finding is.
public enum Severity: String, Sendable, Codable, CaseIterable, Comparable {
    case low, medium, high, critical

    var rank: Int { Self.allCases.firstIndex(of: self) ?? 0 }
    public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rank < rhs.rank }
}
