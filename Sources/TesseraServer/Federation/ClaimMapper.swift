import Foundation
import TesseraCore

/// Maps an external token's claims to exactly one inventory identity with an issuer's rules. No rule, no
/// access; two rules naming different identities is ambiguous and refused too.
public struct ClaimMapper: Sendable {
    /// The outcome of mapping.
    public enum Outcome: Sendable, Equatable {
        case mapped(identity: String, rule: String)
        case noMatch
        case ambiguous([String])
    }

    public static func map(_ claims: ExternalClaims, rules: [ClaimMappingRule]) -> Outcome {
        let matching = rules.filter { rule in
            !rule.match.isEmpty
                && rule.match.allSatisfy { name, pattern in claims[name].map { Glob.matches(pattern, $0) } ?? false }
        }
        let identities = Set(matching.map(\.identity))
        guard let first = matching.first else { return .noMatch }
        guard identities.count == 1 else { return .ambiguous(identities.sorted()) }
        return .mapped(identity: first.identity, rule: first.name)
    }
}

/// Shell-style patterns: `*` matches any run of characters (including `/`), `?` exactly one; everything else
/// literally. Without wildcards a pattern is an exact match.
public enum Glob {
    public static func matches(_ pattern: String, _ value: String) -> Bool {
        let p = Array(pattern.unicodeScalars)
        let v = Array(value.unicodeScalars)
        // Iterative matcher with single backtracking point: linear in practice, no recursion.
        var pi = 0
        var vi = 0
        var star = -1
        var mark = 0
        while vi < v.count {
            if pi < p.count, p[pi] == "?" || (p[pi] != "*" && p[pi] == v[vi]) {
                pi += 1
                vi += 1
            } else if pi < p.count, p[pi] == "*" {
                star = pi
                mark = vi
                pi += 1
            } else if star >= 0 {
                pi = star + 1
                mark += 1
                vi = mark
            } else {
                return false
            }
        }
        while pi < p.count, p[pi] == "*" { pi += 1 }
        return pi == p.count
    }
}
