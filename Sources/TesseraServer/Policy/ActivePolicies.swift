import Crypto
import Foundation
import TesseraCore
import TesseraPolicy

/// The policy set the server decides with: a policy folder (`TesseraPolicy.PolicyBundle`) or the built-in
/// default policies, with its version for audit records.
public struct ActivePolicies: Sendable {
    public let policies: PolicySet
    public let schema: Schema?
    public let entities: Entities
    /// A content fingerprint, written into every decision's audit record.
    public let version: String
    /// A policy folder, or `built-in`.
    public let source: String

    /// Loads a policy folder: every `*.cedar`, an optional schema and `entities.json`; policies must validate.
    public static func load(directory: String) throws(PolicyLoadError) -> ActivePolicies {
        do {
            let bundle = try PolicyBundle.load(directory: directory)
            return ActivePolicies(
                policies: bundle.policies, schema: bundle.schema, entities: bundle.entities, version: bundle.version,
                source: directory)
        } catch {
            throw PolicyLoadError(error)
        }
    }

    /// The default policies shipped with Tessera (`policies/default`, compiled in).
    public static func builtIn() throws(PolicyLoadError) -> ActivePolicies {
        do {
            let policies = try PolicySet.parse(files: [("tessera.cedar", DefaultPolicies.policies)])
            let schema = try Schema.parse(DefaultPolicies.schema)
            if let issue = Validator.validate(policies, schema: schema).errors.first {
                throw PolicyLoadError(file: "tessera.cedar", message: "built-in policy \(issue.policyID): \(issue.message)")
            }
            var hasher = SHA256()
            hasher.update(data: Data((DefaultPolicies.schema + "\u{0}" + DefaultPolicies.policies).utf8))
            return ActivePolicies(
                policies: policies, schema: schema, entities: try Entities(schema.actionEntities),
                version: "builtin:" + Hex.encode(hasher.finalize()).prefix(16), source: "built-in")
        } catch let error as PolicyLoadError {
            throw error
        } catch let error as CedarError {
            throw PolicyLoadError(error)
        } catch {
            throw PolicyLoadError(file: "built-in", message: "\(error)")
        }
    }
}

/// Why a policy set could not be loaded, with file, line and column when known.
public struct PolicyLoadError: Error, Sendable, CustomStringConvertible {
    public let file: String
    public let line: Int?
    public let column: Int?
    public let message: String

    public init(file: String, line: Int? = nil, column: Int? = nil, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.message = message
    }

    init(_ cedar: CedarError) {
        self.init(file: cedar.source ?? "policies", line: cedar.line, column: cedar.column, message: cedar.reason)
    }

    public var description: String {
        var position = file
        if let line { position += ":\(line)" }
        if let column { position += ":\(column)" }
        return "\(position): \(message)"
    }
}
