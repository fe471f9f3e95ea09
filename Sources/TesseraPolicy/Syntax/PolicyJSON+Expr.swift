/// Expressions in Cedar's JSON policy format, desugared exactly like the text parser does.
extension PolicyJSON {
    static let binaryOps: [String: BinaryOp] = [
        "==": .equal, "<": .less, "<=": .lessEqual, "+": .add, "-": .subtract, "*": .multiply, "in": .isIn,
        "contains": .contains, "containsAll": .containsAll, "containsAny": .containsAny, "getTag": .getTag, "hasTag": .hasTag,
    ]

    static func expr(_ j: JSONValue, _ path: String, depth: Int) throws(CedarError) -> Expr {
        guard depth < CedarLimits.maxDepth else { throw CedarError(.limit, "expression nesting too deep", path: path) }
        guard case .object(let members) = j, members.count == 1, let (key, body) = members.first else {
            throw fail("an expression is an object with exactly one key", path)
        }
        let p = "\(path).\(key)"
        func sub(_ name: String) throws(CedarError) -> Expr {
            guard let v = body[name] else { throw fail("missing `\(name)`", p) }
            return try expr(v, "\(p).\(name)", depth: depth + 1)
        }
        func string(_ name: String) throws(CedarError) -> String {
            guard let s = body[name]?.stringValue else { throw fail("`\(name)` must be a string", p) }
            return s
        }
        switch key {
        case "Value":
            return .value(try ValueDecoder(schema: nil).value(body, expected: nil, path: p))
        case "Var":
            guard let name = body.stringValue, let v = Variable(rawValue: name) else { throw fail("unknown variable", p) }
            return .variable(v)
        case "Slot":
            guard let name = body.stringValue, let s = SlotID(rawValue: name) else { throw fail("unknown slot", p) }
            return .slot(s)
        case "!": return .not(try sub("arg"))
        case "neg": return .negate(try sub("arg"))
        case "isEmpty": return .isEmpty(try sub("arg"))
        case "!=": return .not(.binary(.equal, try sub("left"), try sub("right")))
        case ">": return .not(.binary(.lessEqual, try sub("left"), try sub("right")))
        case ">=": return .not(.binary(.less, try sub("left"), try sub("right")))
        case "&&", "||":
            let left = try sub("left")
            let right = try sub("right")
            // Left-nested chains become one flat node, as `a && b && c` does in text.
            if key == "&&" {
                if case .and(let items) = left, isChain(body["left"], key) { return .and(items + [right]) }
                return .and([left, right])
            }
            if case .or(let items) = left, isChain(body["left"], key) { return .or(items + [right]) }
            return .or([left, right])
        case ".": return .getAttr(try sub("left"), try string("attr"))
        case "has": return .hasAttr(try sub("left"), try string("attr"))
        case "like":
            guard case .array(let elements)? = body["pattern"] else { throw fail("`pattern` must be an array", p) }
            var pieces: [StringEscapes.PatternPiece] = []
            for element in elements {
                if element.stringValue == "Wildcard" {
                    pieces.append(.wildcard)
                } else if let literal = element["Literal"]?.stringValue {
                    pieces.append(contentsOf: literal.unicodeScalars.map { .char($0) })
                } else {
                    throw fail("pattern elements are \"Wildcard\" or {\"Literal\": ...}", p + ".pattern")
                }
            }
            return .like(try sub("left"), LikePattern(pieces: pieces))
        case "is":
            let left = try sub("left")
            let type = try string("entity_type")
            guard body["in"] != nil else { return .isType(left, type) }
            return .and([.isType(left, type), .binary(.isIn, left, try sub("in"))])
        case "if-then-else": return .ifThenElse(try sub("if"), try sub("then"), try sub("else"))
        case "Set":
            guard case .array(let items) = body else { throw fail("`Set` must be an array", p) }
            var out: [Expr] = []
            for (i, item) in items.enumerated() { out.append(try expr(item, "\(p)[\(i)]", depth: depth + 1)) }
            return .set(out)
        case "Record":
            guard case .object(let fields) = body else { throw fail("`Record` must be an object", p) }
            var out: [Expr.RecordEntry] = []
            for (k, v) in fields { out.append(Expr.RecordEntry(key: k, value: try expr(v, "\(p).\(k)", depth: depth + 1))) }
            return .record(out)
        default:
            if let op = binaryOps[key] { return .binary(op, try sub("left"), try sub("right")) }
            guard let f = ExtensionFunction(rawValue: key), case .array(let items) = body else {
                throw fail("unknown expression `\(key)`", p)
            }
            var args: [Expr] = []
            for (i, item) in items.enumerated() { args.append(try expr(item, "\(p)[\(i)]", depth: depth + 1)) }
            return .call(f, args)
        }
    }

    /// Whether `j` is itself a `key` node (so its flat operands can be extended).
    private static func isChain(_ j: JSONValue?, _ key: String) -> Bool {
        if case .object(let m)? = j, m.count == 1, m[0].0 == key { return true }
        return false
    }
}
