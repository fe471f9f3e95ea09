/// Evaluating a standalone Cedar expression (for `tessera policy eval` and diagnostics).
extension Authorizer {
    /// Parses and evaluates one expression, e.g. `principal.level > 3`, in the scope of `request`.
    /// Throws a `.parse` error for malformed text and an `.evaluation` error if evaluation fails.
    public static func evaluate(_ expression: String, request: Request, entities: Entities) throws(CedarError) -> Value {
        var parser = try Parser(expression)
        let expr = try parser.parseExpr()
        guard parser.peek.kind == .eof else {
            throw CedarError(.parse, "unexpected `\(parser.peek.text)` after the expression", at: parser.peek.location)
        }
        if expr.containsSlot { throw CedarError(.parse, "template slots cannot be evaluated") }
        return try Evaluator(request: request, entities: entities).eval(expr)
    }
}
