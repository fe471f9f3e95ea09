/// Recognises values that look like secrets but are obviously not: documentation examples, template
/// references, masked values, repeated characters.
public enum Placeholders {
    static let markers = [
        "example", "sample", "placeholder", "changeme", "change_me", "change-me", "your_", "your-", "yourtoken",
        "dummy", "redacted", "xxxx", "****", "...", "<", ">", "${", "{{", "%(", "$(", "secret_here", "insert",
        "todo", "fixme", "notreal", "not_real", "not-a-real", "replace", "foobar", "lorem", "abcdefghij", "0123456789",
        "1234567890", "qwerty", "process.env", "os.environ", "getenv", "env[", "env.", "config.", "settings.",
    ]

    /// Whether `value` is a placeholder, reference or obviously fake value rather than a secret.
    public static func isPlaceholder(_ value: Substring) -> Bool {
        let lower = value.lowercased()
        if markers.contains(where: { lower.contains($0) }) { return true }
        if Set(value).count <= 3 { return true }
        return false
    }

    /// An inline allow-list comment on the line (`tessera:allow` or detect-secrets' `pragma: allowlist secret`).
    public static func isAllowedLine(_ line: Substring) -> Bool {
        line.contains("tessera:allow") || line.contains("pragma: allowlist secret")
    }
}
