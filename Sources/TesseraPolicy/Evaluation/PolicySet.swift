/// A parsed, indexed, immutable set of policies (static and template-linked) plus templates.
public struct PolicySet: Sendable {
    /// Policies that take part in authorization (static and linked), in source order.
    public let policies: [Policy]
    /// Templates (policies with slots); they only act once linked.
    public let templates: [Policy]
    let index: PolicyIndex

    /// Builds a set; ids must be unique across policies and templates.
    public init(policies: [Policy], templates: [Policy] = []) throws(CedarError) {
        var seen = Set<String>()
        for p in policies + templates {
            guard seen.insert(p.id).inserted else {
                throw CedarError(
                    .parse, "duplicate policy id `\(p.id)`", line: p.location.line, column: p.location.column,
                    source: p.source)
            }
        }
        for p in policies where p.isTemplate {
            throw CedarError(
                .parse, "`\(p.id)` has slots; add it as a template", line: p.location.line,
                column: p.location.column)
        }
        self.policies = policies
        self.templates = templates
        index = PolicyIndex(policies)
    }

    /// An empty policy set.
    public init() {
        policies = []
        templates = []
        index = PolicyIndex([])
    }

    /// Parses Cedar policy text. Policies with `?principal`/`?resource` become templates.
    /// - Parameter useIDAnnotations: when true, `@id("x")` names a policy; otherwise ids are `policy0`, `policy1`, ...
    ///   in file order, exactly like Cedar's `PolicySet::from_str`.
    public static func parse(_ text: String, useIDAnnotations: Bool = true) throws(CedarError) -> PolicySet {
        var parser = try Parser(text)
        let all = try parser.parsePolicies(useIDAnnotations: useIDAnnotations)
        return try PolicySet(policies: all.filter { !$0.isTemplate }, templates: all.filter(\.isTemplate))
    }

    /// Parses several named policy files as one set (e.g. every `*.cedar` file of a policy folder).
    /// Default ids (`policyN`) are numbered across all files in order; errors name the file.
    public static func parse(files: [(name: String, text: String)], useIDAnnotations: Bool = true) throws(CedarError) -> PolicySet
    {
        var all: [Policy] = []
        for file in files {
            do {
                var parser = try Parser(file.text)
                while parser.peek.kind != .eof {
                    let policy = try parser.parsePolicy(defaultID: "policy\(all.count)", useIDAnnotations: useIDAnnotations)
                    all.append(policy.attributed(to: file.name))
                }
            } catch {
                throw error.located(in: file.name)
            }
        }
        return try PolicySet(policies: all.filter { !$0.isTemplate }, templates: all.filter(\.isTemplate))
    }

    /// The policy or template with this id.
    public func policy(id: String) -> Policy? {
        policies.first { $0.id == id } ?? templates.first { $0.id == id }
    }

    /// Returns a new set with the template `templateID` linked as policy `id`.
    public func linking(template templateID: String, as id: String, slots: [SlotID: EntityUID]) throws(CedarError) -> PolicySet {
        guard let t = templates.first(where: { $0.id == templateID }) else {
            throw CedarError(.link, "no template with id `\(templateID)`")
        }
        return try PolicySet(policies: policies + [try t.link(id: id, slots: slots)], templates: templates)
    }

    /// Returns a new set with the policies and templates of `other` added.
    public func merging(_ other: PolicySet) throws(CedarError) -> PolicySet {
        try PolicySet(policies: policies + other.policies, templates: templates + other.templates)
    }
}
