import Foundation

/// Runs every test JSON under a folder laid out like Cedar's integration tests
/// (paths inside each JSON are relative to that folder).
///
/// For each request the decision, the set of reason policy ids and the set of erroring
/// policy ids must match; for each file, `shouldValidate` must match the validator.
public struct ConformanceRunner: Sendable {
    /// The folder the paths inside test files are relative to.
    public let root: String
    /// Whether `@id("...")` annotations name policies. False reproduces Cedar's integration tests
    /// (`policy0`, `policy1`, ... in file order); `tessera policy test` files use true.
    public let useIDAnnotations: Bool

    /// Creates a runner for `root`.
    public init(root: String, useIDAnnotations: Bool = false) {
        self.root = root
        self.useIDAnnotations = useIDAnnotations
    }

    /// Finds test files (`*.json`, excluding `*.entities.json` and `sample-data/`) under `root`,
    /// following symbolic links to folders. Files without `requests` are skipped when run.
    public func discover() -> [String] {
        var out: [String] = []
        func walk(_ rel: String, depth: Int) {
            guard depth < 16 else { return }
            let path = rel.isEmpty ? root : root + "/" + rel
            for name in (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [] where !name.hasPrefix(".") {
                let child = rel.isEmpty ? name : rel + "/" + name
                var isDirectory: ObjCBool = false
                guard FileManager.default.fileExists(atPath: root + "/" + child, isDirectory: &isDirectory) else { continue }
                if isDirectory.boolValue {
                    if child != "sample-data" { walk(child, depth: depth + 1) }
                } else if name.hasSuffix(".json"), !name.hasSuffix(".entities.json") {
                    out.append(child)
                }
            }
        }
        walk("", depth: 0)
        return out.sorted()
    }

    /// Runs one test file (the `tessera policy test` format); paths inside it are relative to its folder
    /// and `@id` annotations name policies.
    public static func runTestFile(atPath path: String, useIDAnnotations: Bool = true) -> ConformanceReport {
        let url = URL(fileURLWithPath: path)
        let runner = ConformanceRunner(root: url.deletingLastPathComponent().path, useIDAnnotations: useIDAnnotations)
        return runner.run(files: [url.lastPathComponent])
    }

    /// Runs the given test files (relative paths), or every discovered one.
    public func run(files: [String]? = nil) -> ConformanceReport {
        var cache = Cache()
        var checks: [ConformanceReport.Check] = []
        for file in files ?? discover() {
            checks.append(contentsOf: runFile(file, cache: &cache))
        }
        return ConformanceReport(checks: checks)
    }

    private struct Cache {
        var schemas: [String: Schema] = [:]
        var entities: [String: Entities] = [:]
    }

    private func read(_ rel: String) throws(CedarError) -> String {
        let path = rel.hasPrefix("/") ? rel : root + "/" + rel
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CedarError(.io, "cannot read \(path)")
        }
        return String(decoding: data, as: UTF8.self)
    }

    static func category(of file: String) -> String {
        let parts = file.split(separator: "/")
        if parts.first == "tests", parts.count > 2 { return String(parts[1]) }
        if parts.count > 1 { return String(parts[0]) }
        return "root"
    }

    private func runFile(_ file: String, cache: inout Cache) -> [ConformanceReport.Check] {
        let category = Self.category(of: file)
        func fail(_ why: String) -> [ConformanceReport.Check] {
            [ConformanceReport.Check(file: file, category: category, name: "load", isValidation: false, failure: why)]
        }
        let test: ConformanceTest
        let policies: PolicySet
        let schema: Schema
        let entities: Entities
        do {
            let json = try JSONValue.parse(try read(file))
            guard json["requests"] != nil else { return [] }
            test = try ConformanceTest.decode(json)
            let policyText = try read(test.policies)
            policies =
                test.policiesAreJSON || test.policies.hasSuffix(".json")
                ? try PolicySet.fromJSON(policyText) : try PolicySet.parse(policyText, useIDAnnotations: useIDAnnotations)
            if let s = cache.schemas[test.schema] {
                schema = s
            } else {
                let text = try read(test.schema)
                schema = test.schemaIsJSON || test.schema.hasSuffix(".json") ? try Schema.fromJSON(text) : try Schema.parse(text)
                cache.schemas[test.schema] = schema
            }
            if let e = cache.entities[test.entities] {
                entities = e
            } else {
                entities = try Entities.fromJSON(try read(test.entities), schema: schema)
                cache.entities[test.entities] = entities
            }
        } catch {
            return fail(error.description)
        }
        var checks: [ConformanceReport.Check] = []
        let validation = Validator.validate(policies, schema: schema)
        let validationFailure: String? =
            validation.isValid == test.shouldValidate
            ? nil
            : "shouldValidate is \(test.shouldValidate) but validator found \(validation.errors.count) error(s): "
                + validation.errors.prefix(3).map(\.description).joined(separator: "; ")
        checks.append(
            ConformanceReport.Check(
                file: file, category: category, name: "shouldValidate", isValidation: true,
                failure: validationFailure))
        for c in test.cases {
            checks.append(
                ConformanceReport.Check(
                    file: file, category: category, name: c.description, isValidation: false,
                    failure: check(c, policies, schema, entities)))
        }
        return checks
    }

    private func check(_ c: ConformanceTest.Case, _ policies: PolicySet, _ schema: Schema, _ entities: Entities) -> String? {
        let request: Request
        do {
            let context = try Request.context(fromJSON: c.context, schema: schema, action: c.action)
            request = Request(principal: c.principal, action: c.action, resource: c.resource, context: context)
            if c.validateRequest { try RequestValidator.validate(request, schema: schema) }
        } catch {
            return "request rejected: \(error)"
        }
        let response = Authorizer.isAuthorized(request, policies: policies, entities: entities)
        var problems: [String] = []
        if response.decision != c.decision {
            problems.append("decision \(response.decision.rawValue), expected \(c.decision.rawValue)")
        }
        if Set(response.reasons) != c.reasons {
            problems.append("reasons \(response.reasons.sorted()), expected \(c.reasons.sorted())")
        }
        let errorIDs = Set(response.errors.map(\.policyID))
        if errorIDs != c.errors {
            problems.append("errors \(response.errors.map(\.description)), expected \(c.errors.sorted())")
        }
        return problems.isEmpty ? nil : problems.joined(separator: "; ")
    }
}
