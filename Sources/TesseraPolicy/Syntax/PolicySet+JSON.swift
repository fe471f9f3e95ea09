/// Cedar's JSON policy format (the "EST"): `{"staticPolicies": {id: policy}, "templates": {...},
/// "templateLinks": [...]}`, or a single policy object.
extension PolicySet {
    /// Parses policies in Cedar's JSON policy format. Errors carry a JSON path.
    public static func fromJSON(_ text: String) throws(CedarError) -> PolicySet {
        try fromJSON(try JSONValue.parse(text))
    }

    /// Parses already-decoded policies in Cedar's JSON policy format.
    public static func fromJSON(_ json: JSONValue) throws(CedarError) -> PolicySet {
        guard json["staticPolicies"] != nil || json["templates"] != nil || json["templateLinks"] != nil else {
            return try PolicySet(policies: [try PolicyJSON.policy(json, id: "policy0", path: "$")])
        }
        var statics: [Policy] = []
        var templates: [Policy] = []
        if case .object(let members)? = json["staticPolicies"] {
            for (id, p) in members { statics.append(try PolicyJSON.policy(p, id: id, path: "$.staticPolicies.\(id)")) }
        }
        if case .object(let members)? = json["templates"] {
            for (id, p) in members { templates.append(try PolicyJSON.policy(p, id: id, path: "$.templates.\(id)")) }
        }
        var set = try PolicySet(policies: statics, templates: templates)
        if case .array(let links)? = json["templateLinks"] {
            for (i, link) in links.enumerated() {
                let path = "$.templateLinks[\(i)]"
                guard let template = link["templateId"]?.stringValue, let newID = link["newId"]?.stringValue,
                    case .object(let values)? = link["values"]
                else { throw CedarError(.link, "a link needs `templateId`, `newId` and `values`", path: path) }
                var slots: [SlotID: EntityUID] = [:]
                for (name, v) in values {
                    guard let slot = SlotID(rawValue: name) else { throw CedarError(.link, "unknown slot `\(name)`", path: path) }
                    slots[slot] = try ValueDecoder.entityUID(v, path: "\(path).values.\(name)")
                }
                do { set = try set.linking(template: template, as: newID, slots: slots) } catch {
                    throw CedarError(.link, error.reason, path: path)
                }
            }
        }
        return set
    }
}
