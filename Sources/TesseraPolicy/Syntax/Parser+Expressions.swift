/// Expression grammar: if / || / && / relations / + - / * / unary / member / primary.
extension Parser {
    mutating func enter() throws(CedarError) {
        depth += 1
        try extend()
    }

    /// Accounts for one more level of expression tree (a binary operator, member access or unary operator).
    mutating func extend() throws(CedarError) {
        treeDepth += 1
        if treeDepth > CedarLimits.maxDepth {
            throw CedarError(.limit, "expression is deeper than the limit of \(CedarLimits.maxDepth)", at: peek.location)
        }
    }

    /// `&&` / `||` chains are flat (n-ary) nodes, bounded separately.
    func checkChain(_ count: Int) throws(CedarError) {
        if count >= CedarLimits.maxChainLength {
            throw CedarError(.limit, "more than \(CedarLimits.maxChainLength) operands in one `&&`/`||` chain", at: peek.location)
        }
    }

    /// Releases `count` chain levels once a chain is complete.
    mutating func release(_ count: Int) { treeDepth -= count }

    mutating func parseExpr() throws(CedarError) -> Expr {
        try enter()
        defer {
            depth -= 1
            treeDepth -= 1
        }
        if peek.isIdent("if") {
            pos += 1
            let c = try parseExpr()
            guard peek.isIdent("then") else { throw unexpected("`then`") }
            pos += 1
            let t = try parseExpr()
            guard peek.isIdent("else") else { throw unexpected("`else`") }
            pos += 1
            let e = try parseExpr()
            return .ifThenElse(c, t, e)
        }
        var operands = [try parseAnd()]
        while peek.isPunct("||") {
            try checkChain(operands.count)
            pos += 1
            operands.append(try parseAnd())
        }
        return operands.count == 1 ? operands[0] : .or(operands)
    }

    mutating func parseAnd() throws(CedarError) -> Expr {
        var operands = [try parseRelation()]
        while peek.isPunct("&&") {
            try checkChain(operands.count)
            pos += 1
            operands.append(try parseRelation())
        }
        return operands.count == 1 ? operands[0] : .and(operands)
    }

    mutating func parseRelation() throws(CedarError) -> Expr {
        let lhs = try parseAdd()
        let tok = peek
        var result: Expr
        switch tok.kind {
        case .punct(let p) where ["==", "!=", "<", "<=", ">", ">=", "="].contains(p):
            pos += 1
            if p == "=" { throw CedarError(.parse, "`=` is not an operator; use `==`", at: tok.location) }
            let rhs = try parseAdd()
            switch p {
            case "==": result = .binary(.equal, lhs, rhs)
            case "!=": result = .not(.binary(.equal, lhs, rhs))
            case "<": result = .binary(.less, lhs, rhs)
            case "<=": result = .binary(.lessEqual, lhs, rhs)
            case ">": result = .not(.binary(.lessEqual, lhs, rhs))
            default: result = .not(.binary(.less, lhs, rhs))
            }
        case .identifier("in"):
            pos += 1
            result = .binary(.isIn, lhs, try parseAdd())
        case .identifier("has"):
            pos += 1
            result = try parseHas(lhs)
        case .identifier("like"):
            pos += 1
            guard case .string(let raw) = peek.kind else { throw unexpected("a string pattern after `like`") }
            let loc = peek.location
            pos += 1
            result = .like(lhs, LikePattern(pieces: try StringEscapes.pattern(raw, at: loc)))
        case .identifier("is"):
            pos += 1
            let type = try parsePath()
            if peek.isIdent("in") {
                pos += 1
                let rhs = try parseAdd()
                result = .and([.isType(lhs, type), .binary(.isIn, lhs, rhs)])
            } else {
                result = .isType(lhs, type)
            }
        default:
            return lhs
        }
        switch peek.kind {
        case .punct(let p) where ["==", "!=", "<", "<=", ">", ">="].contains(p):
            throw CedarError(.parse, "comparison operators cannot be chained", at: peek.location)
        case .identifier(let w) where ["in", "has", "like", "is"].contains(w):
            throw CedarError(.parse, "`\(w)` cannot follow another relation without parentheses", at: peek.location)
        default:
            return result
        }
    }

    mutating func parseHas(_ lhs: Expr) throws(CedarError) -> Expr {
        if case .string(let raw) = peek.kind {
            let loc = peek.location
            pos += 1
            return .hasAttr(lhs, try StringEscapes.unescape(raw, at: loc))
        }
        guard case .identifier(let first) = peek.kind else { throw unexpected("an attribute name after `has`") }
        try checkUnreserved(first, at: peek.location)
        pos += 1
        var path = [first]
        var extra = 0
        defer { release(extra) }
        while peek.isPunct("."), case .identifier(let next) = peek(1).kind {
            try checkUnreserved(next, at: peek(1).location)
            pos += 2
            path.append(next)
            try extend()
            extra += 1
        }
        // `e has a.b.c` is `e has a && e.a has b && e.a.b has c`.
        var conjuncts: [Expr] = [.hasAttr(lhs, path[0])]
        var target = lhs
        for i in 1..<path.count {
            target = .getAttr(target, path[i - 1])
            conjuncts.append(.hasAttr(target, path[i]))
        }
        return conjuncts.count == 1 ? conjuncts[0] : .and(conjuncts)
    }

    mutating func parseAdd() throws(CedarError) -> Expr {
        var lhs = try parseMult()
        var chain = 0
        defer { release(chain) }
        while true {
            if peek.isPunct("+") || peek.isPunct("-") {
                try extend()
                chain += 1
            }
            if accept("+") {
                lhs = .binary(.add, lhs, try parseMult())
            } else if accept("-") {
                lhs = .binary(.subtract, lhs, try parseMult())
            } else {
                return lhs
            }
        }
    }

    mutating func parseMult() throws(CedarError) -> Expr {
        var lhs = try parseUnary()
        var chain = 0
        defer { release(chain) }
        while true {
            if peek.isPunct("*") {
                try extend()
                chain += 1
            }
            if accept("*") {
                lhs = .binary(.multiply, lhs, try parseUnary())
            } else if peek.isPunct("/") || peek.isPunct("%") {
                throw CedarError(.parse, "`\(peek.text)` is not supported in Cedar", at: peek.location)
            } else {
                return lhs
            }
        }
    }

    mutating func parseUnary() throws(CedarError) -> Expr {
        if peek.isPunct("!") {
            var count = 0
            while accept("!") { count += 1 }
            if count > 4 { throw CedarError(.parse, "too many `!` operators in a row", at: peek.location) }
            for _ in 0..<count { try extend() }
            let ops = count
            defer { release(ops) }
            var e = try parseMember()
            for _ in 0..<count { e = .not(e) }
            return e
        }
        if peek.isPunct("-") {
            var count = 0
            while accept("-") { count += 1 }
            if count > 4 { throw CedarError(.parse, "too many `-` operators in a row", at: peek.location) }
            for _ in 0..<count { try extend() }
            let ops = count
            defer { release(ops) }
            var e: Expr
            if case .number(let digits) = peek.kind, !peek(1).isPunct("."), !peek(1).isPunct("[") {
                let loc = peek.location
                pos += 1
                guard let v = Int64("-" + digits) else {
                    throw CedarError(.parse, "integer literal -\(digits) is out of range", at: loc)
                }
                e = .value(.long(v))
                count -= 1
            } else {
                e = try parseMember()
            }
            for _ in 0..<count { e = .negate(e) }
            return e
        }
        return try parseMember()
    }
}
