import Foundation

/// The generic rule: a secret-like name assigned a value that looks random, not code, a reference or metadata.
///
/// A quoted value is taken whole (any punctuation, up to its closing quote); an unquoted one up to whitespace or a
/// quote. Not secrets: placeholders and masks, environment and template lookups (`os.environ[...]`,
/// `process.env.X`, `${X}`, `$X`, `%(x)s`, `{{ ... }}`, `var.x`, `!Ref X`), hashes and digests, UUIDs, subresource
/// integrity strings (`sha384-...`), and values of names that describe a secret rather than hold it
/// (`_hash`, `_id`, `_ttl`, `_length`, `_header`, `_file`, `_type`, ...).
enum GenericAssignment {
    /// Groups: 1 the name; the value in 2 (double quotes), 3 (single quotes), 4 (backticks) or 5 (unquoted).
    static let pattern =
        #"([a-z0-9_.-]*?(?:secret|passwd|password|passphrase|pwd|pass(?![a-z])|token|api_?key|apikey|access_?key|auth_?key|private_?key|credential)[a-z0-9_.-]{0,40})["']?\s*(?::=|=>|=|:)\s*(?:"([^"\n]{4,256})"|'([^'\n]{4,256})'|`([^`\n]{4,256})`|([^\s"'`]{3,255}[^\s"'`,;]))"#

    /// Name parts that describe a secret (its hash, id, lifetime, location, header) rather than hold it.
    static let metadataNames = [
        "_path", "_file", "_dir", "_url", "_uri", "_length", "_len", "_ttl", "_name", "_header", "_type", "_id", "_ids",
        "_hash", "_sha", "sha1", "sha256", "sha512", "_digest", "_checksum", "_fingerprint", "_integrity", "_uuid", "_min",
        "_max", "_count", "_size", "_timeout", "_expiry", "_expires", "_format", "_field", "_param", "_prefix", "_regex",
        "_pattern", "_policy", "_endpoint", "_env", "_var", "hashed",
    ]
    /// What a value starting like this refers to instead of containing.
    static let referencePrefixes = [
        "var.", "local.", "data.", "module.", "self.", "this.", "env.", "secrets.", "vault:", "!ref", "!sub", "!getatt",
        "arn:", "ssm:", "file:", "ref+",
    ]
    /// Words that are settings or examples, not secrets, whatever name they are assigned to.
    static let words: Set<String> = [
        "password", "passwd", "pass", "pwd", "secret", "token", "none", "null", "nil", "true", "false", "yes", "no",
        "required", "optional", "string", "bearer", "basic", "undefined", "default", "empty", "hidden", "masked",
    ]

    static func isPlausible(_ value: Substring, line: Substring) -> Bool {
        let lower = value.lowercased()
        if value.count < 8 || words.contains(lower) || Placeholders.isPlaceholder(value) { return false }
        let name = Self.name(in: line)
        if metadataNames.contains(where: name.contains) { return false }
        if referencePrefixes.contains(where: lower.hasPrefix) { return false }
        // `$VAR`, `${VAR}`, `$(cmd)`: a shell or template reference; `$8x!...` or `$Ab=*...` is not one.
        if value.first == "$" {
            let rest = value.dropFirst()
            if rest.first == "{" || rest.first == "(" { return false }
            if let first = rest.first, first.isLetter || first == "_",
                rest.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" })
            {
                return false
            }
        }
        if isUUID(value) || isIntegrity(value) { return false }
        if value.allSatisfy(\.isNumber) { return false }
        let quoted = isQuoted(value, in: line)
        if !quoted, isCode(value, in: line) { return false }
        if Entropy.isHex(value) {
            // Hex is a digest unless the name says otherwise; a long hex value under a secret name is a key.
            return value.count >= 20 && Entropy.shannon(value) >= 3.0
        }
        if isMemberAccess(value) || isTypeName(value) || isWordList(value) || isIdentifier(value) { return false }
        let entropy = Entropy.shannon(value)
        let classes = Entropy.classes(value)
        let isPassword = ["pass", "pwd"].contains(where: name.contains)
        if isPassword { return entropy >= 2.8 && classes >= 2 }
        return value.count >= 10 && entropy >= 3.0 && classes >= 2
    }

    /// The lower-cased text before the assignment operator.
    static func name(in line: Substring) -> String {
        String(line.split(maxSplits: 1, whereSeparator: { "=:".contains($0) }).first ?? line).lowercased()
    }

    /// Whether `value` sits between quotes on `line`.
    static func isQuoted(_ value: Substring, in line: Substring) -> Bool {
        guard let range = line.range(of: value), range.lowerBound > line.startIndex else { return false }
        let before = line[line.index(before: range.lowerBound)]
        return before == "\"" || before == "'" || before == "`"
    }

    /// An unquoted value that is an expression: a call, an index, a string concatenation, or followed by a quote
    /// or bracket (`os.environ["X"]`, `getSecret("x")`, `config["token"]`).
    static func isCode(_ value: Substring, in line: Substring) -> Bool {
        if let range = line.range(of: value), let after = line[range.upperBound...].first, "\"'`([".contains(after) {
            return true
        }
        return isCall(value)
    }

    /// `getpass()`, `fetch_token(client, scope)`: an identifier, `(`, plain arguments, `)`.
    static func isCall(_ value: Substring) -> Bool {
        guard value.hasSuffix(")"), let open = value.firstIndex(of: "("), open > value.startIndex else { return false }
        let callee = value[..<open]
        guard let first = callee.first, first.isLetter || first == "_",
            callee.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "." })
        else { return false }
        let arguments = value[value.index(after: open)..<value.index(before: value.endIndex)]
        return arguments.allSatisfy { $0.isLetter || $0.isNumber || " _.,".contains($0) }
    }

    static func isUUID(_ value: Substring) -> Bool {
        let parts = value.split(separator: "-", omittingEmptySubsequences: false)
        return parts.map(\.count) == [8, 4, 4, 4, 12] && parts.allSatisfy { Entropy.isHex($0) }
    }

    /// A subresource-integrity string: `sha256-`, `sha384-` or `sha512-` and base64.
    static func isIntegrity(_ value: Substring) -> Bool {
        for prefix in ["sha256-", "sha384-", "sha512-"] where value.lowercased().hasPrefix(prefix) {
            return value.dropFirst(prefix.count).allSatisfy { $0.isLetter || $0.isNumber || "+/=".contains($0) }
        }
        return false
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

    /// `PKCS7PrivateKeyTypes`, `Ed25519PrivateKey`: CamelCase words, few digits — a type, not a secret.
    static func isTypeName(_ value: Substring) -> Bool {
        guard value.allSatisfy({ $0.isLetter || $0.isNumber }),
            value.filter(\.isNumber).count <= 1 || value.first?.isUppercase == true
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
        return words >= 2 && value.filter(\.isNumber).count <= 3 && isPronounceable(value) && hasFewCaseChanges(value)
    }

    /// Mostly vowel-bearing runs, as names are; random strings rarely are.
    static func isPronounceable(_ value: Substring) -> Bool {
        let vowels = value.lowercased().filter { "aeiou".contains($0) }.count
        return Double(vowels) / Double(max(1, value.count)) >= 0.25
    }

    /// `scram-sha-256`, `aes_256_gcm`: lower-case words and numbers joined by `-` or `_` — a setting, not a secret.
    static func isWordList(_ value: Substring) -> Bool {
        let parts = value.split(whereSeparator: { $0 == "-" || $0 == "_" })
        return parts.count > 1
            && parts.allSatisfy { part in
                part.allSatisfy { $0.isLowercase && $0.isASCII } || part.allSatisfy { $0.isNumber }
            }
    }

    /// Dotted or snake-case code identifiers (`settings.api_token`, `AUTH_TOKEN_HEADER`) are not secrets; random
    /// letters with a dash (`OGjeQaBIbcfl-tdsEAm`) are: identifiers are made of words (vowels, few case changes).
    static func isIdentifier(_ value: Substring) -> Bool {
        let letters = value.filter { $0.isLetter }.count
        let digits = value.filter { $0.isNumber }.count
        let separators = value.filter { $0 == "_" || $0 == "." || $0 == "-" }.count
        guard digits == 0, separators > 0, letters + separators == value.count else { return false }
        return isPronounceable(value) && value.split(whereSeparator: { "_.-".contains($0) }).allSatisfy(hasFewCaseChanges)
    }

    /// `apiToken`, `HEADER`, `Bearer`: at most one case change per three letters.
    static func hasFewCaseChanges(_ part: Substring) -> Bool {
        var changes = 0
        var previous: Bool? = nil
        for character in part where character.isLetter {
            let upper = character.isUppercase
            if let previous, previous != upper { changes += 1 }
            previous = upper
        }
        return changes * 3 <= part.count
    }
}
