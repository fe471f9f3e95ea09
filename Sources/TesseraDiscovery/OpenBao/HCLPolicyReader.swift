import Foundation

/// Reads the path rules of an OpenBao/Vault ACL policy: `path "..." { capabilities = [...] }` blocks in HCL, or the
/// same policy written as JSON. Strict: anything that is not well-formed HCL is refused with its line, so a policy
/// that cannot be read is reported rather than guessed at. Other settings inside a block (`allowed_parameters`,
/// `min_wrapping_ttl`, ...) are parsed and skipped; the legacy `policy = "write"` form maps to its capabilities.
public enum HCLPolicyReader {
    /// One `path` block.
    public struct Rule: Sendable, Equatable {
        public let path: String
        public let capabilities: [String]

        public init(path: String, capabilities: [String]) {
            self.path = path
            self.capabilities = capabilities
        }
    }

    /// A policy that could not be read: the line and what was wrong.
    public struct SyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
        public let line: Int
        public let reason: String
        public var description: String { "line \(line): \(reason)" }
    }

    /// The largest policy read (OpenBao itself keeps policies far smaller).
    public static let maximumSize = 1 << 20

    /// The `path` rules of a policy, in order.
    public static func rules(_ text: String) throws(SyntaxError) -> [Rule] {
        guard text.utf8.count <= maximumSize else {
            throw SyntaxError(line: 1, reason: "policy larger than \(maximumSize) bytes")
        }
        var lexer = HCLLexer(text)
        let tokens = try lexer.tokens()
        var parser = HCLParser(tokens: tokens)
        let document = try parser.document()
        var rules: [Rule] = []
        for (key, value) in document where key == "path" {
            guard case .object(let paths) = value else {
                throw SyntaxError(line: 1, reason: "`path` must be followed by a quoted path and a block")
            }
            for (path, body) in paths {
                guard case .object(let settings) = body else {
                    throw SyntaxError(line: 1, reason: "path \"\(path)\" has no block")
                }
                rules.append(Rule(path: path, capabilities: try capabilities(of: settings, path: path)))
            }
        }
        return rules
    }

    private static func capabilities(of settings: [(String, HCLValue)], path: String) throws(SyntaxError) -> [String] {
        var result: [String] = []
        for (key, value) in settings {
            switch (key, value) {
            case ("capabilities", .list(let items)):
                for item in items {
                    guard case .string(let capability) = item else {
                        throw SyntaxError(line: 1, reason: "path \"\(path)\": capabilities must be strings")
                    }
                    result.append(capability)
                }
            case ("capabilities", _):
                throw SyntaxError(line: 1, reason: "path \"\(path)\": capabilities must be a list")
            case ("policy", .string(let legacy)):
                result += legacyCapabilities[legacy] ?? []
            default:
                continue
            }
        }
        return result
    }

    /// The pre-capabilities `policy = "..."` values.
    static let legacyCapabilities: [String: [String]] = [
        "deny": ["deny"], "read": ["read", "list"], "write": ["create", "read", "update", "delete", "list"],
        "sudo": ["create", "read", "update", "delete", "list", "sudo"],
    ]
}

/// A parsed HCL value: blocks and objects keep their members in order (a key may repeat, as `path` does).
enum HCLValue: Sendable, Equatable {
    case string(String)
    case number(String)
    case bool(Bool)
    case list([HCLValue])
    case object([(String, HCLValue)])

    static func == (lhs: HCLValue, rhs: HCLValue) -> Bool {
        switch (lhs, rhs) {
        case (.string(let a), .string(let b)), (.number(let a), .number(let b)): return a == b
        case (.bool(let a), .bool(let b)): return a == b
        case (.list(let a), .list(let b)): return a == b
        case (.object(let a), .object(let b)): return a.map(\.0) == b.map(\.0) && a.map(\.1) == b.map(\.1)
        default: return false
        }
    }
}
