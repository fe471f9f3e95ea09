/// Member access, method calls and primary expressions.
extension Parser {
    mutating func parseMember() throws(CedarError) -> Expr {
        var e = try parsePrimary()
        var chain = 0
        defer { release(chain) }
        while true {
            if peek.isPunct(".") || peek.isPunct("[") {
                try extend()
                chain += 1
            }
            if peek.isPunct(".") {
                pos += 1
                let loc = peek.location
                let name = try identifier("an attribute or method name")
                try checkUnreserved(name, at: loc)
                if peek.isPunct("(") {
                    let args = try parseArguments()
                    e = try methodCall(e, name, args, at: loc)
                } else {
                    e = .getAttr(e, name)
                }
            } else if peek.isPunct("[") {
                pos += 1
                let key = try stringLiteral("a string literal index")
                try expect("]")
                e = .getAttr(e, key)
            } else {
                return e
            }
        }
    }

    mutating func parseArguments() throws(CedarError) -> [Expr] {
        try expect("(")
        var args: [Expr] = []
        while !peek.isPunct(")") {
            args.append(try parseExpr())
            if !accept(",") { break }
        }
        try expect(")")
        return args
    }

    func methodCall(_ receiver: Expr, _ name: String, _ args: [Expr], at loc: SourceLocation) throws(CedarError) -> Expr {
        func one() throws(CedarError) -> Expr {
            guard args.count == 1 else {
                throw CedarError(.parse, "`\(name)` takes 1 argument, \(args.count) given", at: loc)
            }
            return args[0]
        }
        switch name {
        case "contains": return .binary(.contains, receiver, try one())
        case "containsAll": return .binary(.containsAll, receiver, try one())
        case "containsAny": return .binary(.containsAny, receiver, try one())
        case "getTag": return .binary(.getTag, receiver, try one())
        case "hasTag": return .binary(.hasTag, receiver, try one())
        case "isEmpty":
            guard args.isEmpty else { throw CedarError(.parse, "`isEmpty` takes no arguments", at: loc) }
            return .isEmpty(receiver)
        default:
            guard let f = ExtensionFunction(rawValue: name) else {
                throw CedarError(.parse, "unknown method `\(name)`", at: loc)
            }
            guard !f.isConstructor else {
                throw CedarError(.parse, "`\(name)` is a function, not a method", at: loc)
            }
            return .call(f, [receiver] + args)
        }
    }

    mutating func parsePrimary() throws(CedarError) -> Expr {
        let tok = peek
        switch tok.kind {
        case .number(let digits):
            pos += 1
            guard let v = Int64(digits) else {
                throw CedarError(.parse, "integer literal \(digits) is out of range", at: tok.location)
            }
            return .value(.long(v))
        case .string:
            return .value(.string(try stringLiteral("a string")))
        case .slot(let name):
            pos += 1
            switch name {
            case "principal": return .slot(.principal)
            case "resource": return .slot(.resource)
            default: throw CedarError(.parse, "unknown slot `?\(name)`", at: tok.location)
            }
        case .punct("("):
            pos += 1
            let e = try parseExpr()
            try expect(")")
            return e
        case .punct("["):
            pos += 1
            var items: [Expr] = []
            while !peek.isPunct("]") {
                items.append(try parseExpr())
                if !accept(",") { break }
            }
            try expect("]")
            return .set(items)
        case .punct("{"):
            pos += 1
            return try parseRecord()
        case .identifier(let name):
            if name == "true" || name == "false" {
                pos += 1
                return .value(.bool(name == "true"))
            }
            if peek(1).isPunct("::") {
                return try parseNameOrEntity()
            }
            if Parser.reserved.contains(name) {
                throw CedarError(.parse, "unexpected reserved word `\(name)`", at: tok.location)
            }
            pos += 1
            if peek.isPunct("(") {
                guard let f = ExtensionFunction(rawValue: name) else {
                    throw CedarError(.parse, "unknown function `\(name)`", at: tok.location)
                }
                guard f.isConstructor else {
                    throw CedarError(.parse, "`\(name)` is a method, not a function", at: tok.location)
                }
                return .call(f, try parseArguments())
            }
            if let v = Variable(rawValue: name) { return .variable(v) }
            throw CedarError(.parse, "unknown variable `\(name)`", at: tok.location)
        default:
            throw unexpected("an expression")
        }
    }

    /// A namespaced name: an entity reference `A::B::"id"` or a (nonexistent) namespaced function.
    mutating func parseNameOrEntity() throws(CedarError) -> Expr {
        var look = pos
        while case .identifier = tokens[look].kind, tokens[look + 1].isPunct("::") {
            look += 2
            if case .string = tokens[look].kind { return .value(.entity(try parseEntityUID())) }
        }
        let loc = peek.location
        let path = try parsePath()
        if peek.isPunct("(") { throw CedarError(.parse, "unknown function `\(path)`", at: loc) }
        throw CedarError(.parse, "unexpected name `\(path)`", at: loc)
    }

    mutating func parseRecord() throws(CedarError) -> Expr {
        var entries: [Expr.RecordEntry] = []
        var seen = Set<String>()
        while !peek.isPunct("}") {
            do {
                let loc = peek.location
                let key: String
                switch peek.kind {
                case .identifier(let k):
                    try checkUnreserved(k, at: loc)
                    pos += 1
                    key = k
                case .string:
                    key = try stringLiteral("a record key")
                default:
                    throw unexpected("a record key")
                }
                try expect(":")
                let value = try parseExpr()
                guard seen.insert(key).inserted else {
                    throw CedarError(.parse, "duplicate key `\(key)` in record literal", at: loc)
                }
                entries.append(Expr.RecordEntry(key: key, value: value))
            }
            if !accept(",") { break }
        }
        try expect("}")
        return .record(entries)
    }
}
