import Foundation

/// Everything a policy folder holds, loaded and checked as one unit: the policies (`*.cedar`,
/// recursively, in path order), the schema (`*.cedarschema` or `schema.json`, optional), static
/// entities (`entities.json`, optional), and a version fingerprint of all file contents.
///
/// Loading either succeeds completely or throws the first error with file, line and column, so a
/// server can keep serving the previous bundle when a reload fails.
public struct PolicyBundle: Sendable {
    /// The policies.
    public let policies: PolicySet
    /// The schema, if the folder has one.
    public let schema: Schema?
    /// Static entities (with the schema's action hierarchy when there is a schema).
    public let entities: Entities
    /// `fnv1a64:<hex>` over the relative paths and contents of the files that were read.
    public let version: String
    /// The files that were read, relative to the folder.
    public let files: [String]

    /// Loads a policy folder. With `requireValid`, policies must validate against the schema.
    public static func load(directory: String, requireValid: Bool = true) throws(CedarError) -> PolicyBundle {
        let fm = FileManager.default
        guard let e = fm.enumerator(atPath: directory) else { throw CedarError(.io, "cannot read folder \(directory)") }
        var policyFiles: [String] = []
        var schemaFiles: [String] = []
        var entityFiles: [String] = []
        while let rel = e.nextObject() as? String {
            let name = (rel as NSString).lastPathComponent
            if name.hasPrefix(".") { continue }
            if rel.hasSuffix(".cedar") { policyFiles.append(rel) }
            if rel.hasSuffix(".cedarschema") || name == "schema.json" { schemaFiles.append(rel) }
            if name == "entities.json" { entityFiles.append(rel) }
        }
        policyFiles.sort()
        guard schemaFiles.count <= 1 else {
            throw CedarError(.schema, "more than one schema file: \(schemaFiles.sorted().joined(separator: ", "))")
        }
        guard entityFiles.count <= 1 else {
            throw CedarError(.entities, "more than one entities file: \(entityFiles.sorted().joined(separator: ", "))")
        }
        var hasher = FNV1a64()
        func read(_ rel: String) throws(CedarError) -> String {
            guard let data = fm.contents(atPath: directory + "/" + rel) else {
                throw CedarError(.io, "cannot read \(rel)", source: rel)
            }
            guard data.count <= CedarLimits.maxInputBytes else {
                throw CedarError(.limit, "\(rel) is larger than \(CedarLimits.maxInputBytes) bytes", source: rel)
            }
            hasher.add(Array(rel.utf8) + [0] + Array(data) + [0])
            return String(decoding: data, as: UTF8.self)
        }
        var sources: [(name: String, text: String)] = []
        for rel in policyFiles { sources.append((rel, try read(rel))) }
        let policies = try PolicySet.parse(files: sources)
        var schema: Schema? = nil
        if let rel = schemaFiles.first {
            let text = try read(rel)
            do {
                schema = rel.hasSuffix(".json") ? try Schema.fromJSON(text) : try Schema.parse(text)
            } catch {
                throw error.located(in: rel)
            }
        }
        var entities = Entities()
        if let rel = entityFiles.first {
            let text = try read(rel)
            do { entities = try Entities.fromJSON(text, schema: schema) } catch { throw error.located(in: rel) }
        } else if let schema {
            entities = try Entities(schema.actionEntities)
        }
        if requireValid, let schema {
            let result = Validator.validate(policies, schema: schema)
            if let first = result.errors.first {
                let policy = policies.policy(id: first.policyID)
                throw CedarError(
                    .validation, "policy `\(first.policyID)`: \(first.message)", line: policy?.location.line,
                    column: policy?.location.column, source: policy?.source)
            }
        }
        return PolicyBundle(
            policies: policies, schema: schema, entities: entities, version: "fnv1a64:" + hasher.hex,
            files: policyFiles + schemaFiles + entityFiles)
    }
}

/// 64-bit FNV-1a, used only as a cheap content fingerprint (not a security hash).
struct FNV1a64 {
    private var state: UInt64 = 0xcbf2_9ce4_8422_2325

    mutating func add(_ bytes: [UInt8]) {
        for b in bytes {
            state ^= UInt64(b)
            state = state &* 0x0000_0100_0000_01B3
        }
    }

    var hex: String {
        let s = String(state, radix: 16)
        return String(repeating: "0", count: 16 - s.count) + s
    }
}
