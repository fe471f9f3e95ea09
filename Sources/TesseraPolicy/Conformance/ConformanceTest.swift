/// One test file in the Cedar integration-test JSON format (also the `tessera policy test` format).
public struct ConformanceTest: Sendable {
    /// One request with its expected outcome.
    public struct Case: Sendable {
        public let description: String
        public let principal: EntityUID
        public let action: EntityUID
        public let resource: EntityUID
        public let context: JSONValue
        public let validateRequest: Bool
        public let decision: Decision
        public let reasons: Set<String>
        public let errors: Set<String>
    }

    /// Policy file path, relative to the test root.
    public let policies: String
    /// Whether the policy file is in Cedar's JSON policy format (`"policyFormat": "json"`).
    public let policiesAreJSON: Bool
    /// Entities file path.
    public let entities: String
    /// Schema file path.
    public let schema: String
    /// Whether the schema file is in the JSON format.
    public let schemaIsJSON: Bool
    /// Whether the policies are expected to validate.
    public let shouldValidate: Bool
    /// The requests.
    public let cases: [Case]

    /// Decodes a test file.
    public static func decode(_ json: JSONValue) throws(CedarError) -> ConformanceTest {
        func str(_ v: JSONValue?, _ path: String) throws(CedarError) -> String {
            guard let s = v?.stringValue else { throw CedarError(.conformance, "expected a string", path: path) }
            return s
        }
        func ids(_ v: JSONValue?, _ path: String) throws(CedarError) -> Set<String> {
            guard case .array(let items)? = v else { throw CedarError(.conformance, "expected an array", path: path) }
            var out = Set<String>()
            for (i, item) in items.enumerated() { out.insert(try str(item, "\(path)[\(i)]")) }
            return out
        }
        guard case .array(let reqs)? = json["requests"] else {
            throw CedarError(.conformance, "missing `requests` array", path: "$.requests")
        }
        var cases: [Case] = []
        for (i, r) in reqs.enumerated() {
            let p = "$.requests[\(i)]"
            let decisionText = try str(r["decision"], p + ".decision")
            guard let decision = Decision(rawValue: decisionText.lowercased()) else {
                throw CedarError(.conformance, "decision must be allow or deny", path: p + ".decision")
            }
            var validate = true
            if case .bool(let b)? = r["validateRequest"] { validate = b }
            cases.append(
                Case(
                    description: r["description"]?.stringValue ?? "request \(i)",
                    principal: try ValueDecoder.entityUID(r["principal"] ?? .null, path: p + ".principal"),
                    action: try ValueDecoder.entityUID(r["action"] ?? .null, path: p + ".action"),
                    resource: try ValueDecoder.entityUID(r["resource"] ?? .null, path: p + ".resource"),
                    context: r["context"] ?? .object([]), validateRequest: validate, decision: decision,
                    reasons: try ids(r["reason"] ?? .array([]), p + ".reason"),
                    errors: try ids(r["errors"] ?? .array([]), p + ".errors")))
        }
        var shouldValidate = true
        if case .bool(let b)? = json["shouldValidate"] { shouldValidate = b }
        return ConformanceTest(
            policies: try str(json["policies"], "$.policies"), policiesAreJSON: json["policyFormat"]?.stringValue == "json",
            entities: try str(json["entities"], "$.entities"),
            schema: try str(json["schema"], "$.schema"),
            schemaIsJSON: json["schemaFormat"]?.stringValue == "json", shouldValidate: shouldValidate, cases: cases)
    }
}
