import Crypto
import Foundation

/// A hard-coded credential found by `SecretScanner`. Holds only a redacted form of the secret.
public struct SecretFinding: Sendable, Codable, Equatable, Hashable {
    /// The rule that matched.
    public let ruleID: String
    /// File path (relative to the scan root) where the secret is.
    public let path: String
    /// 1-based line and column.
    public let line: Int
    public let column: Int
    /// The commit that added the line, for findings from git history.
    public let commit: String?
    /// The secret with all but a short prefix replaced (`ghp_ab…[40 chars]`).
    public let redacted: String
    /// First 16 hex digits of SHA-256 of the secret: matches the same secret across files and scans.
    public let fingerprint: String

    public init(ruleID: String, path: String, line: Int, column: Int, commit: String?, redacted: String, fingerprint: String) {
        self.ruleID = ruleID
        self.path = path
        self.line = line
        self.column = column
        self.commit = commit
        self.redacted = redacted
        self.fingerprint = fingerprint
    }

    enum CodingKeys: String, CodingKey {
        case ruleID = "rule"
        case path, line, column, commit, redacted, fingerprint
    }

    /// `path:line` or `git:commit:path:line`: where an auditor finds it.
    public var location: String {
        if let commit { return "git:\(commit.prefix(12)):\(path):\(line)" }
        return "\(path):\(line)"
    }

    /// Redacts `secret`: keeps a known prefix (`ghp_`, `AKIA`) plus at most 4 characters, never more than a quarter.
    public static func redact(_ secret: Substring) -> String {
        let keep = min(max(0, secret.count / 4), 4 + knownPrefixLength(secret))
        return String(secret.prefix(keep)) + "…[\(secret.count) chars]"
    }

    /// The stable fingerprint of `secret`.
    public static func fingerprint(_ secret: Substring) -> String {
        SHA256.hash(data: Data(secret.utf8)).prefix(8).map { String(format: "%02x", $0) }.joined()
    }

    private static func knownPrefixLength(_ secret: Substring) -> Int {
        for prefix in ["github_pat_", "tsr_admin_", "sk_live_", "ghp_", "gho_", "ghs_", "ghu_", "ghr_", "xoxb-", "xoxp-"]
        where secret.hasPrefix(prefix) {
            return prefix.count
        }
        return 0
    }
}
