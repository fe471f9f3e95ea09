import Foundation

/// Runs the rule catalog over one text buffer and returns findings with line numbers.
///
/// Keywords are searched once over the lower-cased bytes; a rule's regular expression then runs only on the
/// lines (or, for multi-line rules, the windows of lines) that contain one of its keywords.
public struct TextScanner: Sendable {
    public let rules: [SecretRule]

    public init(rules: [SecretRule] = SecretRules.all) {
        self.rules = rules
    }

    /// Findings in `text`, attributed to `path` (and `commit` for history). `lineMap` maps text lines to
    /// file lines when the text is a patch (added lines only); by default line n of the text is line n.
    public func scan(_ text: String, path: String, commit: String? = nil, lineMap: [Int]? = nil) -> [SecretFinding] {
        let bytes = Array(text.utf8)
        let lower = bytes.map { $0 >= 65 && $0 <= 90 ? $0 + 32 : $0 }
        var lineStarts: [Int]?
        var findings: [SecretFinding] = []
        var claimed: [Int: [NSRange]] = [:]
        for rule in rules {
            var candidates = Set<Int>()
            for keyword in rule.keywords {
                let needle = Array(keyword.utf8)
                var offset = 0
                while let hit = Self.find(needle, in: lower, from: offset) {
                    if lineStarts == nil { lineStarts = Self.lineStarts(bytes) }
                    candidates.insert(Self.lineIndex(of: hit, in: lineStarts!))
                    offset = hit + needle.count
                }
            }
            guard let starts = lineStarts else { continue }
            for index in candidates.sorted() {
                let end = min(index + rule.span, starts.count)
                let windowEnd = end < starts.count ? starts[end] : bytes.count
                let firstLineEnd = index + 1 < starts.count ? starts[index + 1] : bytes.count
                let window = String(decoding: bytes[starts[index]..<windowEnd], as: UTF8.self)
                let firstLine = String(decoding: bytes[starts[index]..<firstLineEnd], as: UTF8.self)
                let firstLength = (firstLine as NSString).length
                for match in rule.regex.matches(in: window, range: NSRange(location: 0, length: (window as NSString).length)) {
                    let anchor = rule.alternatives.isEmpty ? match.range(at: rule.anchor) : rule.secretRange(in: match)
                    guard anchor.location != NSNotFound, anchor.location < firstLength,
                        let secretRange = Range(rule.secretRange(in: match), in: window)
                    else { continue }
                    let secret = window[secretRange]
                    let line = firstLine[...]
                    if Placeholders.isAllowedLine(line) || !rule.validate(secret, line) { continue }
                    let whole = match.range
                    if claimed[index, default: []].contains(where: { NSIntersectionRange($0, whole).length > 0 }) { continue }
                    claimed[index, default: []].append(whole)
                    let fileLine = lineMap.map { index < $0.count ? $0[index] : index + 1 } ?? index + 1
                    findings.append(
                        SecretFinding(
                            ruleID: rule.id, path: path, line: fileLine, column: anchor.location + 1, commit: commit,
                            redacted: SecretFinding.redact(secret), fingerprint: SecretFinding.fingerprint(secret)))
                }
            }
        }
        return findings.sorted { ($0.line, $0.column) < ($1.line, $1.column) }
    }

    /// The first index of `needle` in `haystack` at or after `from`.
    static func find(_ needle: [UInt8], in haystack: [UInt8], from: Int) -> Int? {
        guard let first = needle.first, haystack.count - from >= needle.count else { return nil }
        let last = haystack.count - needle.count
        var index = from
        while index <= last {
            if haystack[index] == first {
                var matched = true
                var k = 1
                while k < needle.count {
                    if haystack[index + k] != needle[k] {
                        matched = false
                        break
                    }
                    k += 1
                }
                if matched { return index }
            }
            index += 1
        }
        return nil
    }

    static func lineStarts(_ bytes: [UInt8]) -> [Int] {
        var starts = [0]
        for (index, byte) in bytes.enumerated() where byte == 10 { starts.append(index + 1) }
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
}
