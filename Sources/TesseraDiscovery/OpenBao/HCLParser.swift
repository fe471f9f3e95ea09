/// Parses HCL tokens into ordered members: `key = value`, `key "label" ... { body }` blocks, lists and objects (with
/// `=` or `:`), and a policy written as one JSON object. Nesting is bounded.
struct HCLParser {
    typealias Members = [(String, HCLValue)]
    private let tokens: [HCLLexer.Token]
    private var index = 0
    private var depth = 0
    static let maximumDepth = 32

    init(tokens: [HCLLexer.Token]) { self.tokens = tokens }

    /// The top-level members.
    mutating func document() throws(HCLPolicyReader.SyntaxError) -> Members {
        if current.kind == .punctuation("{") {
            index += 1
            let members = try body(closing: "}")
            try expect(.end, "end of policy")
            return members
        }
        return try body(closing: nil)
    }

    private var current: HCLLexer.Token { tokens[min(index, tokens.count - 1)] }

    private func error(_ reason: String) -> HCLPolicyReader.SyntaxError {
        HCLPolicyReader.SyntaxError(line: current.line, reason: reason)
    }

    private mutating func expect(_ kind: HCLLexer.Kind, _ what: String) throws(HCLPolicyReader.SyntaxError) {
        guard current.kind == kind else { throw error("expected \(what)") }
        index += 1
    }

    /// Members up to `closing` (or the end of input when `nil`), separated by newlines or commas.
    private mutating func body(closing: Character?) throws(HCLPolicyReader.SyntaxError) -> Members {
        depth += 1
        defer { depth -= 1 }
        guard depth <= Self.maximumDepth else { throw error("nested deeper than \(Self.maximumDepth)") }
        var members: Members = []
        while true {
            if let closing, current.kind == .punctuation(closing) {
                index += 1
                return members
            }
            if closing == nil, current.kind == .end { return members }
            let key: String
            switch current.kind {
            case .word(let word): key = word
            case .string(let string): key = string
            default: throw error(closing == nil ? "expected a key" : "expected a key or '\(closing!)'")
            }
            index += 1
            members.append((key, try member()))
            if current.kind == .punctuation(",") { index += 1 }
        }
    }

    /// After a key: `= value`, `: value`, or labels then a block.
    private mutating func member() throws(HCLPolicyReader.SyntaxError) -> HCLValue {
        if current.kind == .punctuation("=") || current.kind == .punctuation(":") {
            index += 1
            return try value()
        }
        var labels: [String] = []
        while case .string(let label) = current.kind {
            labels.append(label)
            index += 1
        }
        try expect(.punctuation("{"), "'=' or a block")
        var result = HCLValue.object(try body(closing: "}"))
        for label in labels.reversed() { result = .object([(label, result)]) }
        return result
    }

    private mutating func value() throws(HCLPolicyReader.SyntaxError) -> HCLValue {
        let token = current
        index += 1
        switch token.kind {
        case .string(let string): return .string(string)
        case .number(let number): return .number(number)
        case .word("true"): return .bool(true)
        case .word("false"): return .bool(false)
        case .word("null"): return .list([])
        case .punctuation("{"): return .object(try body(closing: "}"))
        case .punctuation("["):
            depth += 1
            defer { depth -= 1 }
            guard depth <= Self.maximumDepth else { throw error("nested deeper than \(Self.maximumDepth)") }
            var items: [HCLValue] = []
            while current.kind != .punctuation("]") {
                items.append(try value())
                if current.kind == .punctuation(",") {
                    index += 1
                } else if current.kind != .punctuation("]") {
                    throw error("expected ',' or ']'")
                }
            }
            index += 1
            return .list(items)
        default:
            index -= 1
            throw error("expected a value")
        }
    }
}
