/// The stored form of a `DecisionInput`: compact JSON with sorted keys (one canonical text per input), entities and
/// extension values escaped as in Cedar's JSON formats (`__entity`, `__extn`), so no schema is needed to read it back.
extension DecisionInput {
    /// Inputs larger than this are not recorded (the record stays bounded; replay reports such decisions as
    /// lacking an input).
    public static let maximumRecordedBytes = 16_384

    /// The canonical compact JSON text (written byte by byte: it is made on every decision of the hot path).
    public var json: String {
        var out = DecisionInputWriter(capacity: 1536)
        out.raw("{")
        if let decision { out.raw(decision == .allow ? "\"decision\":\"allow\"," : "\"decision\":\"deny\",") }
        if !defaults.isEmpty {
            out.raw("\"defaults\":")
            out.entities(defaults)
            out.raw(",")
        }
        out.raw("\"entities\":")
        out.entities(entities)
        out.raw(",\"request\":{\"action\":")
        out.uid(request.action)
        out.raw(",\"context\":")
        out.record(request.context)
        out.raw(",\"principal\":")
        out.uid(request.principal)
        out.raw(",\"resource\":")
        out.uid(request.resource)
        out.raw("}}")
        return out.text
    }

    /// Reads the stored form back; a `CedarError` with a JSON path when it is not one.
    public static func parse(_ text: String) throws(CedarError) -> DecisionInput {
        let json = try JSONValue.parse(text)
        guard case .object = json, let request = json["request"] else {
            throw CedarError(.request, "a decision input needs a `request`", path: "$")
        }
        var decision: Decision?
        if let raw = json["decision"] {
            guard let name = raw.stringValue, let value = Decision(rawValue: name) else {
                throw CedarError(.request, "`decision` must be allow or deny", path: "$.decision")
            }
            decision = value
        }
        let decoder = ValueDecoder(schema: nil)
        func uid(_ key: String) throws(CedarError) -> EntityUID {
            guard let value = request[key] else { throw CedarError(.request, "missing `\(key)`", path: "$.request.\(key)") }
            return try ValueDecoder.entityUID(value, path: "$.request.\(key)")
        }
        let context = try decoder.value(request["context"] ?? .object([]), expected: nil, path: "$.request.context")
        guard case .record(let fields) = context else {
            throw CedarError(.request, "`context` must be an object", path: "$.request.context")
        }
        return DecisionInput(
            request: Request(
                principal: try uid("principal"), action: try uid("action"), resource: try uid("resource"), context: fields),
            entities: try entities(json["entities"], path: "$.entities", decoder: decoder),
            defaults: try entities(json["defaults"], path: "$.defaults", decoder: decoder), decision: decision)
    }

    private static func entities(_ json: JSONValue?, path: String, decoder: ValueDecoder) throws(CedarError) -> [Entity] {
        guard let json else { return [] }
        guard case .array(let items) = json else { throw CedarError(.entities, "expected an array", path: path) }
        var result: [Entity] = []
        result.reserveCapacity(items.count)
        for (index, item) in items.enumerated() {
            let at = "\(path)[\(index)]"
            guard let uidJSON = item["uid"] else { throw CedarError(.entities, "entity needs a `uid`", path: at) }
            let uid = try ValueDecoder.entityUID(uidJSON, path: at + ".uid")
            var attributes: [String: Value] = [:]
            if let attrs = item["attrs"], case .record(let fields) = try decoder.value(attrs, expected: nil, path: at + ".attrs")
            {
                attributes = fields
            }
            var tags: [String: Value] = [:]
            if let raw = item["tags"], case .record(let fields) = try decoder.value(raw, expected: nil, path: at + ".tags") {
                tags = fields
            }
            var parents = Set<EntityUID>()
            if case .array(let list)? = item["parents"] {
                for (position, parent) in list.enumerated() {
                    parents.insert(try ValueDecoder.entityUID(parent, path: "\(at).parents[\(position)]"))
                }
            }
            result.append(Entity(uid: uid, attributes: attributes, parents: parents, tags: tags))
        }
        return result
    }
}
