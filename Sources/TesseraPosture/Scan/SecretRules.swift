import Foundation

/// The built-in rule catalog, most specific first. The scanner keeps at most one finding per line and span:
/// a specific rule wins over the generic high-entropy assignment rule.
public enum SecretRules {
    static let rotate = "Revoke and rotate the credential at its issuer, remove it from the code and its git history, "
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
            pattern: #"(-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?-----)\s*[\r\n]+((?:[^\r\n]*:[^\r\n]*[\r\n]+)*)\s*([A-Za-z0-9+/=]{40,})"#,
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
            pattern: #"((?:secret|passwd|password|pwd|token|api_?key|apikey|access_?key|auth_?key|private_?key|credential)[a-z0-9_.-]{0,40})["']?\s*(?::=|=>|=|:)\s*["'`]?([^\s"'`,;]{8,256})"#,
            keywords: ["secret", "passw", "pwd", "token", "key", "credential"], group: 2, caseInsensitive: true,
            remediation: rotate, validate: { secret, line in GenericAssignment.isPlausible(secret, line: line) }),
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

/// The generic rule: a secret-like name assigned a value that looks random, not code or a reference.
enum GenericAssignment {
    static func isPlausible(_ value: Substring, line: Substring) -> Bool {
        if Placeholders.isPlaceholder(value) { return false }
        if value.contains("(") || value.contains("://") || value.hasPrefix("$") || value.hasPrefix("@") { return false }
        if value.contains("[") || value.contains("{") || value.hasSuffix(".") { return false }
        if ["/", "./", "../", "~/"].contains(where: { value.hasPrefix($0) }) { return false }
        if let name = line.split(whereSeparator: { "=:".contains($0) }).first?.lowercased(),
            ["_path", "_file", "_dir", "_url", "_length", "_ttl", "_name", "_header"].contains(where: name.contains)
        {
            return false
        }
        if value.lowercased() == "true" || value.lowercased() == "false" || value.lowercased() == "null" { return false }
        if value.hasSuffix(")") || isMemberAccess(value) || isTypeName(value) || isWordList(value) { return false }
        let hasDigit = value.contains(where: \.isNumber)
        let hasSymbol = value.contains { !$0.isLetter && !$0.isNumber }
        let isPassword = line.range(of: "pass", options: .caseInsensitive) != nil || line.range(of: "pwd", options: .caseInsensitive) != nil
        let entropy = Entropy.shannon(value)
        let classes = Entropy.classes(value)
        if isPassword { return value.count >= 8 && entropy >= 2.8 && classes >= 2 && (hasDigit || hasSymbol) && !isIdentifier(value) }
        if Entropy.isHex(value) || isUUID(value) {
            let lower = line.lowercased()
            if ["hash", "sha", "digest", "checksum", "fingerprint", "_id", "uuid"].contains(where: lower.contains) { return false }
            return value.count >= 20 && entropy >= 3.0
        }
        return value.count >= 16 && entropy >= 3.5 && classes >= 2 && hasDigit && !isIdentifier(value)
    }

    /// `configuration.issuer`, `ca.rootCertificate`: code, not a secret.
    static func isMemberAccess(_ value: Substring) -> Bool {
        let parts = value.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count > 1
            && parts.allSatisfy { part in
                guard let first = part.first, first.isLetter || first == "_" else { return false }
                return part.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" }
            }
    }

    /// `PKCS7PrivateKeyTypes`, `Ed25519PrivateKey`: CamelCase words, at most one digit — a type, not a secret.
    static func isTypeName(_ value: Substring) -> Bool {
        guard value.allSatisfy({ $0.isLetter || $0.isNumber }), value.filter(\.isNumber).count <= 1 || value.first?.isUppercase == true
        else { return false }
        var words = 0
        var run = 0
        var inWord = false
        for character in value {
            if character.isUppercase {
                if inWord && run >= 3 { words += 1 }
                inWord = true
                run = 0
            } else if character.isLowercase && inWord {
                run += 1
            } else {
                if inWord && run >= 3 { words += 1 }
                inWord = false
                run = 0
            }
        }
        if inWord && run >= 3 { words += 1 }
        return words >= 2 && value.filter(\.isNumber).count <= 3
    }

    /// `scram-sha-256`, `aes_256_gcm`: lower-case words and numbers joined by `-` or `_` — a setting, not a secret.
    static func isWordList(_ value: Substring) -> Bool {
        let parts = value.split(whereSeparator: { $0 == "-" || $0 == "_" })
        return parts.count > 1
            && parts.allSatisfy { part in
                part.allSatisfy { $0.isLowercase && $0.isASCII } || part.allSatisfy { $0.isNumber }
            }
    }

    static func isUUID(_ value: Substring) -> Bool {
        let parts = value.split(separator: "-", omittingEmptySubsequences: false)
        return parts.map(\.count) == [8, 4, 4, 4, 12] && parts.allSatisfy { Entropy.isHex($0) }
    }

    /// Dotted or snake-case code identifiers (`settings.api_token`, `AUTH_TOKEN_HEADER`) are not secrets.
    static func isIdentifier(_ value: Substring) -> Bool {
        let letters = value.filter { $0.isLetter }.count
        let digits = value.filter { $0.isNumber }.count
        let separators = value.filter { $0 == "_" || $0 == "." || $0 == "-" }.count
        return digits == 0 && separators > 0 && letters + separators == value.count
    }
}
