/// A parsed Cedar policy (or template, if its scope contains slots).
public struct Policy: Sendable {
    /// The policy id: `@id("...")` if present, otherwise `policyN` in file order.
    public let id: String
    /// `permit` or `forbid`.
    public let effect: Effect
    /// Annotations in source order (`@key("value")`; value is empty when omitted).
    public let annotations: [(key: String, value: String)]
    /// Principal scope.
    public let principal: ScopeConstraint
    /// Action scope.
    public let action: ActionConstraint
    /// Resource scope.
    public let resource: ScopeConstraint
    /// `when` / `unless` clauses in source order.
    public let conditions: [Condition]
    /// Where the policy starts in its source.
    public let location: SourceLocation
    /// The id of the template this policy was linked from, if any.
    public let templateID: String?
    /// The file the policy came from, when parsed with `PolicySet.parse(files:)`.
    public let source: String?

    /// The conjunction of all conditions (`unless` negated), evaluated after the scope.
    let body: Expr?

    init(
        id: String, effect: Effect, annotations: [(key: String, value: String)], principal: ScopeConstraint,
        action: ActionConstraint, resource: ScopeConstraint, conditions: [Condition], location: SourceLocation,
        templateID: String? = nil, source: String? = nil
    ) {
        self.id = id
        self.effect = effect
        self.annotations = annotations
        self.principal = principal
        self.action = action
        self.resource = resource
        self.conditions = conditions
        self.location = location
        self.templateID = templateID
        self.source = source
        // Right fold, like Cedar: `c1 && (c2 && c3)`.
        var combined: Expr? = nil
        for c in conditions.reversed() {
            let e: Expr = c.isWhen ? c.body : .not(c.body)
            combined = combined.map { .and([e, $0]) } ?? e
        }
        body = combined
    }

    /// The same policy, attributed to a source file.
    func attributed(to source: String) -> Policy {
        Policy(
            id: id, effect: effect, annotations: annotations, principal: principal, action: action, resource: resource,
            conditions: conditions, location: location, templateID: templateID, source: source)
    }

    /// The slots this policy uses; non-empty means it is a template.
    public var slots: Set<SlotID> {
        var s = Set<SlotID>()
        if let p = principal.slot { s.insert(p) }
        if let r = resource.slot { s.insert(r) }
        return s
    }

    /// Whether this is a template (has `?principal` or `?resource`).
    public var isTemplate: Bool { !slots.isEmpty }

    /// The value of annotation `key`, if present.
    public func annotation(_ key: String) -> String? {
        annotations.first { $0.key == key }?.value
    }

    /// Links a template with slot values, producing a static policy with id `newID`.
    public func link(id newID: String, slots values: [SlotID: EntityUID]) throws(CedarError) -> Policy {
        for s in slots where values[s] == nil {
            throw CedarError(.link, "template `\(id)` needs a value for \(s.rawValue)")
        }
        for s in values.keys where !slots.contains(s) {
            throw CedarError(.link, "template `\(id)` has no slot \(s.rawValue)")
        }
        return Policy(
            id: newID, effect: effect, annotations: annotations, principal: principal.linking(values), action: action,
            resource: resource.linking(values),
            conditions: conditions.map { Condition(isWhen: $0.isWhen, body: $0.body.linking(values)) }, location: location,
            templateID: id, source: source)
    }
}
