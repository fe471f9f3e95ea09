/// Recognises values that look like secrets but are obviously not: documentation examples, template
/// references, masked values, repeated characters.
public enum Placeholders {
    static let markers = [
        "example", "sample", "placeholder", "changeme", "change_me", "change-me", "your_", "your-", "yourtoken",
        "dummy", "redacted", "xxxx", "****", "...", "${", "{{", "%(", "$(", "secret_here", "insert",
        "todo", "fixme", "notreal", "not_real", "not-a-real", "replace", "foobar", "lorem", "abcdefghij", "0123456789",
        "1234567890", "qwerty", "process.env", "os.environ", "getenv", "env[", "env.", "config.", "settings.",
    ]

    /// Whether `value` is a placeholder, reference or obviously fake value rather than a secret.
    public static func isPlaceholder(_ value: Substring) -> Bool {
        let lower = value.lowercased()
        if markers.contains(where: { lower.contains($0) }) { return true }
        if hasAngleTemplate(value) { return true }
        if Set(value).count <= 3 { return true }
        return false
    }

    /// `<your-token>`, `<API KEY>`: a template in angle brackets (letters, `_`, `-`, `.` and spaces between).
    static func hasAngleTemplate(_ value: Substring) -> Bool {
        var inside: Substring? = nil
        var index = value.startIndex
        while index < value.endIndex {
            let character = value[index]
            if character == "<" {
                inside = value[value.index(after: index)...]
            } else if character == ">", let open = inside {
                let body = open[open.startIndex..<index]
                let letters = body.filter(\.isLetter)
                if body.count >= 3, body.allSatisfy({ $0.isLetter || "_-. ".contains($0) }),
                    letters.allSatisfy(\.isLowercase) || letters.allSatisfy(\.isUppercase)
                {
                    return true
                }
                inside = nil
            }
            index = value.index(after: index)
        }
        return false
    }

    /// An inline allow-list comment on the line (`tessera:allow` or detect-secrets' `pragma: allowlist secret`).
    public static func isAllowedLine(_ line: Substring) -> Bool {
        line.contains("tessera:allow") || line.contains("pragma: allowlist secret")
    }
}
