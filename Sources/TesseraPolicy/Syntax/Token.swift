/// A lexical token of the Cedar policy or schema language.
struct Token: Sendable, Equatable {
    enum Kind: Sendable, Equatable {
        case identifier(String)
        case string(String)  // raw contents between quotes, escapes not yet processed
        case number(String)
        case slot(String)  // ?principal, ?resource, ?other
        case punct(String)
        case eof
    }

    let kind: Kind
    let location: SourceLocation

    var text: String {
        switch kind {
        case .identifier(let s): s
        case .string(let s): "\"\(s)\""
        case .number(let s): s
        case .slot(let s): "?\(s)"
        case .punct(let s): s
        case .eof: "end of input"
        }
    }

    func isPunct(_ p: String) -> Bool {
        if case .punct(let q) = kind { return q == p }
        return false
    }

    func isIdent(_ name: String) -> Bool {
        if case .identifier(let q) = kind { return q == name }
        return false
    }
}
