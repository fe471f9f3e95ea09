import Foundation

/// Runs the rule catalog over one text buffer and returns findings with line numbers.
public struct TextScanner: Sendable {
    public let rules: [SecretRule]

    public init(rules: [SecretRule] = SecretRules.all) {
        self.rules = rules
    }

    /// Findings in `text`, attributed to `path` (and `commit` for history). `lineMap` maps text lines to
    /// file lines when the text is a patch (added lines only); by default line n of the text is line n.
    public func scan(_ text: String, path: String, commit: String? = nil, lineMap: [Int]? = nil) -> [SecretFinding] {
        let lower = text.lowercased()
        let active = rules.filter { rule in rule.keywords.contains { lower.contains($0) } }
        guard !active.isEmpty else { return [] }
        let ns = text as NSString
        let lineStarts = Self.lineStarts(text)
        var findings: [SecretFinding] = []
        var claimed: [Int: [NSRange]] = [:]
        for rule in active {
            for match in rule.regex.matches(in: text, range: NSRange(location: 0, length: ns.length)) {
                let secretNSRange = match.range(at: rule.group)
                let range = match.range(at: rule.anchor)
                guard range.location != NSNotFound, let secretRange = Range(secretNSRange, in: text) else { continue }
                let index = Self.lineIndex(of: range.location, in: lineStarts)
                let lineRange = Self.lineRange(index, starts: lineStarts, length: ns.length)
                guard let swiftLine = Range(lineRange, in: text) else { continue }
                let line = text[swiftLine]
                let secret = text[secretRange]
                if Placeholders.isAllowedLine(line) || !rule.validate(secret, line) { continue }
                let whole = match.range
                if claimed[index, default: []].contains(where: { NSIntersectionRange($0, whole).length > 0 }) { continue }
                claimed[index, default: []].append(whole)
                let fileLine = lineMap.map { index < $0.count ? $0[index] : index + 1 } ?? index + 1
                findings.append(
                    SecretFinding(
                        ruleID: rule.id, path: path, line: fileLine, column: range.location - lineRange.location + 1,
                        commit: commit, redacted: SecretFinding.redact(secret), fingerprint: SecretFinding.fingerprint(secret)))
            }
        }
        return findings.sorted { ($0.line, $0.column) < ($1.line, $1.column) }
    }

    static func lineStarts(_ text: String) -> [Int] {
        var starts = [0]
        var index = 0
        for unit in text.utf16 {
            index += 1
            if unit == 10 { starts.append(index) }
        }
        return starts
    }

    static func lineIndex(of location: Int, in starts: [Int]) -> Int {
        var low = 0
        var high = starts.count - 1
        while low < high {
            let mid = (low + high + 1) / 2
            if starts[mid] <= location { low = mid } else { high = mid - 1 }
        }
        return low
    }

    static func lineRange(_ index: Int, starts: [Int], length: Int) -> NSRange {
        let start = starts[index]
        let end = index + 1 < starts.count ? starts[index + 1] : length
        return NSRange(location: start, length: end - start)
    }
}
