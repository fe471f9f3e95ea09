import Foundation

/// The built-in rule catalog, most specific first. The scanner keeps at most one finding per line and span:
/// a specific rule wins over the generic high-entropy assignment rule.
public enum SecretRules {
    static let rotate =
        "Revoke and rotate the credential at its issuer, remove it from the code and its git history, "
        + "and load it at run time from a secret manager — or replace it with a short-lived Tessera token."

    /// All built-in rules.
    public static let all: [SecretRule] = [
        SecretRule(
            id: "aws-access-key-id", name: "AWS access key id", pattern: #"\b((?:AKIA|ASIA|AGPA|AIDA|AROA)[0-9A-Z]{16})\b"#,
            keywords: ["akia", "asia", "agpa", "aida", "aroa"], remediation: rotate,
            validate: { secret, _ in !Placeholders.isPlaceholder(secret) }),
        SecretRule(
            id: "github-token", name: "GitHub token", pattern: #"\b((?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36,255})\b"#,
            keywords: ["ghp_", "gho_", "ghu_", "ghs_", "ghr_"], remediation: rotate,
            validate: { secret, _ in !Placeholders.isPlaceholder(secret.dropFirst(4)) }),
        SecretRule(
            id: "github-fine-grained-token", name: "GitHub fine-grained personal access token",
            pattern: #"\b(github_pat_[A-Za-z0-9_]{50,255})\b"#, keywords: ["github_pat_"], remediation: rotate,
            validate: { secret, _ in !Placeholders.isPlaceholder(secret.dropFirst(11)) }),
        SecretRule(
            id: "slack-token", name: "Slack token", pattern: #"\b(xox[abposr]-[0-9A-Za-z-]{10,250})\b"#, keywords: ["xox"],
            remediation: rotate,
            validate: { secret, _ in !Placeholders.isPlaceholder(secret.dropFirst(5)) && secret.contains(where: \.isNumber) }),
        SecretRule(
            id: "slack-webhook", name: "Slack incoming webhook",
            pattern: #"(https://hooks\.slack\.com/services/T[A-Z0-9]{6,}/B[A-Z0-9]{6,}/[A-Za-z0-9]{20,})"#,
            keywords: ["hooks.slack.com"], remediation: rotate,
            validate: { secret, _ in !Placeholders.isPlaceholder(secret.dropFirst(34)) }),
        SecretRule(
            id: "private-key", name: "Private key (PEM)",
            pattern:
                #"(-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?-----)\s*[\r\n]+((?:[^\r\n]*:[^\r\n]*[\r\n]+)*)\s*([A-Za-z0-9+/=]{40,})"#,
            keywords: ["-----begin"], group: 3, anchor: 1, span: 80, remediation: rotate,
            validate: { secret, _ in !Placeholders.isPlaceholder(secret) && Entropy.shannon(secret) > 4.0 }),
        SecretRule(
            id: "tessera-admin-token", name: "Tessera admin token", pattern: #"\b(tsr_admin_[A-Za-z0-9_-]{32,64})"#,
            keywords: ["tsr_admin_"],
            remediation: "Revoke the admin token on the Tessera server, issue a new one and keep it in a secret manager.",
            validate: { secret, _ in !Placeholders.isPlaceholder(secret.dropFirst(10)) }),
        SecretRule(
            id: "jwt", name: "JSON Web Token", pattern: #"\b(eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{20,})"#,
            keywords: ["eyj"], remediation: rotate, validate: { secret, _ in JWTShape.isPlausible(secret) }),
        SecretRule(
            id: "stripe-key", name: "Stripe secret key", pattern: #"\b((?:sk|rk)_live_[0-9A-Za-z]{24,99})\b"#,
            keywords: ["_live_"], remediation: rotate,
            validate: { secret, _ in !Placeholders.isPlaceholder(secret.dropFirst(8)) }),
        SecretRule(
            id: "google-api-key", name: "Google API key", pattern: #"\b(AIza[0-9A-Za-z_-]{35})\b"#, keywords: ["aiza"],
            remediation: rotate, validate: { secret, _ in !Placeholders.isPlaceholder(secret.dropFirst(4)) }),
        SecretRule(
            id: "connection-string", name: "Connection string with a password",
            pattern: #"\b(?:[a-z][a-z0-9+.-]{1,24})://[^\s:@/'"`]{1,64}:([^\s@/'"`]{3,128})@[A-Za-z0-9._-]+"#,
            keywords: ["://"], caseInsensitive: true, remediation: rotate,
            validate: { secret, _ in ConnectionPasswords.isPlausible(secret) }),
        SecretRule(
            id: "generic-secret", name: "High-entropy value assigned to a secret-like name",
            pattern: GenericAssignment.pattern,
            keywords: ["secret", "pass", "pwd", "token", "key", "credential"], group: 5, alternatives: [2, 3, 4, 5],
            caseInsensitive: true, remediation: rotate,
            validate: { secret, line in GenericAssignment.isPlausible(secret, line: line) }),
    ]
}

/// Structural check for JWTs: the header must decode to JSON naming an `alg`.
enum JWTShape {
    static func isPlausible(_ token: Substring) -> Bool {
        guard let header = token.split(separator: ".").first else { return false }
        var base64 = header.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        guard let data = Data(base64Encoded: base64), let text = String(data: data, encoding: .utf8) else { return false }
        return text.contains("\"alg\"") && !Placeholders.isPlaceholder(token.split(separator: ".").last ?? "")
    }
}

/// Passwords inside URLs: not templates, not masks, not the literal word "password".
enum ConnectionPasswords {
    static let words: Set<String> = ["password", "passwd", "pass", "pwd", "secret", "user", "username", "test", "none", "null"]

    static func isPlausible(_ password: Substring) -> Bool {
        if words.contains(password.lowercased()) { return false }
        if password.hasPrefix("$") || password.hasPrefix("%") || password.hasPrefix(":") { return false }
        return !Placeholders.isPlaceholder(password)
    }
}
