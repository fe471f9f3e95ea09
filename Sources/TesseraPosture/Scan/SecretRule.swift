import Foundation

/// One detection rule: a regular expression whose capture group `group` is the secret, run only on text that
/// contains one of `keywords` (a cheap prefilter), then checked by `validate`.
public struct SecretRule: Sendable {
    /// Stable rule id, used in SARIF (`ruleId`), JSON output and the corpus labels.
    public let id: String
    /// Human-readable name.
    public let name: String
    /// Lower-case substrings; the regex runs only if the lower-cased text contains one of them.
    public let keywords: [String]
    /// The capture group holding the secret (0 = whole match).
    public let group: Int
    /// Alternative capture groups for the secret (a quoted or an unquoted value): the first one that took part in
    /// the match holds it. Empty: `group` only.
    public let alternatives: [Int]
    /// How many lines a match may span, starting at the line holding the keyword (PEM blocks need many).
    public let span: Int
    /// The capture group whose position is reported (defaults to `group`); e.g. a PEM block's BEGIN line.
    public let anchor: Int
    /// Extra check on the captured secret (entropy, placeholders, structure); `true` keeps the match.
    public let validate: @Sendable (_ secret: Substring, _ line: Substring) -> Bool
    /// What to do about a finding of this kind.
    public let remediation: String
    let regex: NSRegularExpression

    /// The range of the secret in `match`: `group`, or the first of `alternatives` that matched.
    func secretRange(in match: NSTextCheckingResult) -> NSRange {
        for candidate in alternatives {
            let range = match.range(at: candidate)
            if range.location != NSNotFound { return range }
        }
        return match.range(at: group)
    }

    /// Builds a rule; `pattern` must compile (rules are static, so a bad pattern is a programming error).
    public init(
        id: String, name: String, pattern: String, keywords: [String], group: Int = 1, alternatives: [Int] = [],
        anchor: Int? = nil, span: Int = 1, caseInsensitive: Bool = false,
        remediation: String, validate: @escaping @Sendable (_ secret: Substring, _ line: Substring) -> Bool = { _, _ in true }
    ) {
        self.id = id
        self.name = name
        self.keywords = keywords
        self.group = group
        self.alternatives = alternatives
        self.anchor = anchor ?? group
        self.span = span
        self.validate = validate
        self.remediation = remediation
        do {
            self.regex = try NSRegularExpression(pattern: pattern, options: caseInsensitive ? [.caseInsensitive] : [])
        } catch {
            preconditionFailure("secret rule \(id) has an invalid pattern")
        }
    }
}
