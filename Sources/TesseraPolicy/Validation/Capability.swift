/// A fact learned from a guard: an attribute or tag is known to be present.
enum Capability: Hashable {
    case attribute(Expr, String)
    case tag(Expr, Expr)
}
